import { OptionReader } from "./option-readers.js";

export interface LoycoreAdminClientOptions {
  /** The gateway's HTTP base, `http://host:port` (or `https://`); the client adds `/v1/admin/...`. */
  readonly url: string;
  /** The admin token, sent as `Authorization: Bearer <token>`. */
  readonly token: string;
  /** Who is acting, sent as the `x-operator` header and kept in the audit trail; "admin" when absent. */
  readonly operator?: string;
  /** How long a request may wait for its answer. */
  readonly requestTimeoutMilliseconds?: number;
}

/** The options with every default applied. */
export interface AdminClientSettings {
  /** The base URL without a trailing slash. */
  readonly url: string;
  readonly token: string;
  readonly operator: string | undefined;
  readonly requestTimeoutMilliseconds: number;
}

/**
 * `PUT /v1/admin/program` answers once every shard thread computes with the new version, and a busy
 * shard is asked again for up to a second; 30 s covers a loaded server without hiding a dead one.
 */
export const ADMIN_REQUEST_TIMEOUT_DEFAULT_MILLISECONDS = 30_000;

/** Ten minutes: anything longer is a configuration mistake (a unit confusion), not a timeout. */
export const ADMIN_REQUEST_TIMEOUT_MAX_MILLISECONDS = 600_000;

/** The gateway keeps the first 100 characters of `x-operator`; a longer name would be cut silently. */
export const OPERATOR_LENGTH_MAX = 100;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(["url", "token", "operator", "requestTimeoutMilliseconds"]);

/** Header values must not break the HTTP request: visible ASCII only, no spaces. */
/** An operator's name is a header value: printable ASCII, spaces allowed inside. */
const OPERATOR_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Checks every option, one field at a time, and throws a TypeError naming the first bad field. Unknown
 * options are refused: a misspelt option would otherwise fall back to its default silently.
 */
export function readAdminClientOptions(input: unknown): AdminClientSettings {
  const reader = OptionReader.of("LoycoreAdminClient", input, KNOWN_OPTIONS);
  const { options } = reader;
  const { text: url, parsed: parsedUrl } = reader.url("url", ["http:", "https:"], "http://host:port");
  if (parsedUrl.search !== "" || parsedUrl.hash !== "") {
    throw reader.error("url", "must have no query or fragment", url);
  }
  const token = reader.token("token");

  const operator = options["operator"];
  if (operator !== undefined) {
    if (typeof operator !== "string" || operator.length > OPERATOR_LENGTH_MAX || !OPERATOR_PATTERN.test(operator)) {
      throw reader.error(
        "operator",
        `must be 1 to ${OPERATOR_LENGTH_MAX} printable ASCII characters, not starting or ending with a space`,
        operator,
      );
    }
  }

  const requestTimeoutMilliseconds = reader.integer(
    "requestTimeoutMilliseconds",
    1,
    ADMIN_REQUEST_TIMEOUT_MAX_MILLISECONDS,
    ADMIN_REQUEST_TIMEOUT_DEFAULT_MILLISECONDS,
  );

  return { url: url.replace(/\/+$/, ""), token, operator, requestTimeoutMilliseconds };
}
