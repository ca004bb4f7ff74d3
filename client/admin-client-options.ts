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
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** An operator's name is a header value: printable ASCII, spaces allowed inside. */
const OPERATOR_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

function optionError(field: string, expectation: string, value: unknown): TypeError {
  return new TypeError(`LoycoreAdminClient option "${field}" ${expectation}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

/**
 * Checks every option, one field at a time, and throws a TypeError naming the first bad field. Unknown
 * options are refused: a misspelt option would otherwise fall back to its default silently.
 */
export function readAdminClientOptions(input: unknown): AdminClientSettings {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TypeError(`LoycoreAdminClient options must be an object, got ${describe(input)}`);
  }
  const options = input as Readonly<Record<string, unknown>>;
  for (const field of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(field)) throw optionError(field, "is not a known option", options[field]);
  }

  const url = options["url"];
  if (typeof url !== "string") throw optionError("url", "must be a string like http://host:port", url);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw optionError("url", "must be a valid URL like http://host:port", url);
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") {
    throw optionError("url", "must start with http:// or https://", url);
  }
  if (parsedUrl.search !== "" || parsedUrl.hash !== "") {
    throw optionError("url", "must have no query or fragment", url);
  }

  const token = options["token"];
  if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) {
    throw optionError("token", "must be a non-empty string of visible ASCII characters", token);
  }

  const operator = options["operator"];
  if (operator !== undefined) {
    if (typeof operator !== "string" || operator.length > OPERATOR_LENGTH_MAX || !OPERATOR_PATTERN.test(operator)) {
      throw optionError(
        "operator",
        `must be 1 to ${OPERATOR_LENGTH_MAX} printable ASCII characters, not starting or ending with a space`,
        operator,
      );
    }
  }

  const timeout = options["requestTimeoutMilliseconds"];
  let requestTimeoutMilliseconds = ADMIN_REQUEST_TIMEOUT_DEFAULT_MILLISECONDS;
  if (timeout !== undefined) {
    if (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 1 || timeout > ADMIN_REQUEST_TIMEOUT_MAX_MILLISECONDS) {
      throw optionError("requestTimeoutMilliseconds", `must be an integer from 1 to ${ADMIN_REQUEST_TIMEOUT_MAX_MILLISECONDS}`, timeout);
    }
    requestTimeoutMilliseconds = timeout;
  }

  return { url: url.replace(/\/+$/, ""), token, operator, requestTimeoutMilliseconds };
}
