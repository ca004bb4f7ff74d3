import { parseArgs } from "node:util";

/** The operations the HTTP scenario can drive; mix is a calculate then the commit of the same receipt. */
export const HTTP_OPERATIONS = ["calculate", "commit", "mix"] as const;
export type HttpOperation = (typeof HTTP_OPERATIONS)[number];

/** autocannon runs every connection on one thread; past a few thousand it measures its own event loop. */
export const CONNECTIONS_MAX = 5_000;
/** loycore answers pipelined HTTP requests in order; deeper pipelines only queue in the kernel. */
export const PIPELINING_MAX = 256;
/** An hour covers a peak hour; anything longer is a soak test, not this kit. */
export const DURATION_MAX_SECONDS = 3_600;
/** The gateway's --demo-members bound. */
export const MEMBERS_MAX = 100_000;
/** The protocol's bound on receipt lines. */
export const RECEIPT_LINES_MAX = 500;

export interface HttpScenarioOptions {
  readonly connections: number;
  readonly pipelining: number;
  readonly durationSeconds: number;
  readonly members: number;
  readonly operation: HttpOperation;
  readonly receiptLines: number;
  /** A running loycore (http://host:port); undefined: the scenario starts its own gateway. */
  readonly url: string | undefined;
  readonly token: string | undefined;
}

export const HTTP_USAGE = `Usage: npm run bench -- http [flags]

  --connections <1-${CONNECTIONS_MAX}>        HTTP connections autocannon keeps open (default 100)
  --pipelining <1-${PIPELINING_MAX}>           requests in flight per connection (default 1)
  --duration-seconds <1-${DURATION_MAX_SECONDS}>    length of each phase, ceiling and loycore (default 10)
  --members <1-${MEMBERS_MAX}>           demo members to start the gateway with; with --url, how many
                                   demo cards (2000000000017 ...) the remote loycore has (default 2000)
  --operation calculate|commit|mix  mix: calculate, then commit of the same receipt (default mix)
  --receipt-lines <1-${RECEIPT_LINES_MAX}>       lines of every receipt (default 5)
  --url <http://host:port>          a running loycore instead of a gateway started here (needs --token)
  --token <terminal token>          the terminal's bearer token for --url
`;

export class HttpScenarioUsageError extends Error {
  override readonly name = "HttpScenarioUsageError";
}

function integerFlag(text: string | undefined, flag: string, fallback: number, minimum: number, maximum: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new HttpScenarioUsageError(`--${flag} must be an integer from ${minimum} to ${maximum}, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** Reads the HTTP scenario's flags, one by one, with every default applied and every bound checked. */
export function parseHttpScenarioOptions(argv: readonly string[]): HttpScenarioOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        connections: { type: "string" },
        pipelining: { type: "string" },
        "duration-seconds": { type: "string" },
        members: { type: "string" },
        operation: { type: "string" },
        "receipt-lines": { type: "string" },
        url: { type: "string" },
        token: { type: "string" },
      },
    }));
  } catch (error) {
    throw new HttpScenarioUsageError(`${error instanceof Error ? error.message : String(error)}\n${HTTP_USAGE}`);
  }
  const text = (flag: string): string | undefined => {
    const value = values[flag];
    return typeof value === "string" ? value : undefined;
  };

  const connections = integerFlag(text("connections"), "connections", 100, 1, CONNECTIONS_MAX);
  const pipelining = integerFlag(text("pipelining"), "pipelining", 1, 1, PIPELINING_MAX);
  const durationSeconds = integerFlag(text("duration-seconds"), "duration-seconds", 10, 1, DURATION_MAX_SECONDS);
  const members = integerFlag(text("members"), "members", 2_000, 1, MEMBERS_MAX);
  const receiptLines = integerFlag(text("receipt-lines"), "receipt-lines", 5, 1, RECEIPT_LINES_MAX);

  const operationText = text("operation") ?? "mix";
  const operation = HTTP_OPERATIONS.find((candidate) => candidate === operationText);
  if (operation === undefined) {
    throw new HttpScenarioUsageError(`--operation must be one of ${HTTP_OPERATIONS.join(", ")}, not ${JSON.stringify(operationText)}`);
  }

  const url = text("url");
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new HttpScenarioUsageError(`--url must be an http:// or https:// URL, not ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new HttpScenarioUsageError(`--url must be an http:// or https:// URL, not ${JSON.stringify(url)}`);
    }
  }
  const token = text("token");
  if (url !== undefined && token === undefined) throw new HttpScenarioUsageError("--token is required with --url (the terminal's bearer token)");
  if (url === undefined && token !== undefined) throw new HttpScenarioUsageError("--token is only used with --url");

  return { connections, pipelining, durationSeconds, members, operation, receiptLines, url: url?.replace(/\/+$/, ""), token };
}
