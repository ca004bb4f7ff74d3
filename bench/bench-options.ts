import { parseArgs } from "node:util";
import { IN_FLIGHT_MAX } from "../client/client-options.js";

/** What `node dist/bench/main.js` was asked to do, with every default applied and every bound checked. */
export interface BenchOptions {
  /** A running gateway's WebSocket URL; undefined: the bench starts its own gateway. */
  readonly url: string | undefined;
  /** Terminal token for `url`. */
  readonly token: string | undefined;
  /** Admin token for `url`: lets the bench install a demo program when the gateway has none. */
  readonly adminToken: string | undefined;
  /** One card per line, members to use with `url` instead of enrolling new ones. */
  readonly cardsFile: string | undefined;
  readonly lanes: number;
  readonly members: number;
  readonly durationSeconds: number;
  readonly pingSeconds: number;
  readonly connections: number;
  readonly json: boolean;
}

/** A supermarket has tens of lanes, a chain's gateway a few hundred; 64 keeps a 2-core machine busy. */
export const LANES_DEFAULT = 64;
/** Lanes are async loops, cheap, but each holds a receipt in memory; 4096 is far past any store. */
export const LANES_MAX = 4096;
/** Enough members that lanes rarely hit the same one (which would serialise them on one shard actor). */
export const MEMBERS_DEFAULT = 2000;
/** A million cards is about 50 MB of strings in the bench; more measures the bench, not the gateway. */
export const MEMBERS_MAX = 1_000_000;
/** Long enough for the group commit and the JIT to settle, short enough for a quick check. */
export const DURATION_DEFAULT_SECONDS = 10;
/** Ten minutes: a soak test belongs in a different tool. */
export const DURATION_MAX_SECONDS = 600;
/** The client ceiling only needs a few seconds to be stable. */
export const PING_DEFAULT_SECONDS = 3;
export const PING_MAX_SECONDS = 60;
/** A few POS back-office servers, each with one connection, in front of the gateway. */
export const CONNECTIONS_DEFAULT = 8;
/** Past a few hundred connections the bench process measures its own socket handling. */
export const CONNECTIONS_MAX = 256;

export const USAGE = `Usage: node dist/bench/main.js [flags]

Without --url the bench starts its own gateway (node dist/gateway/main.js --demo) in a temporary
directory, benchmarks it and stops it.

  --url <ws url>            benchmark a running gateway (ws://host:port/v1/ws); needs --token
  --token <token>           terminal token for --url
  --admin-token <token>     admin token for --url: install a demo program if the gateway has none
  --cards-file <path>       cards to use with --url, one per line (else the bench enrolls --members cards)
  --lanes <n>               simulated POS lanes (default ${LANES_DEFAULT}, at most ${LANES_MAX})
  --connections <n>         WebSocket connections the lanes share (default ${CONNECTIONS_DEFAULT}, at most ${CONNECTIONS_MAX})
  --members <n>             members to spread receipts over (default ${MEMBERS_DEFAULT}, at most ${MEMBERS_MAX})
  --duration-seconds <n>    length of the checkout phase (default ${DURATION_DEFAULT_SECONDS}, at most ${DURATION_MAX_SECONDS})
  --ping-seconds <n>        length of the client-ceiling ping phase, 0 to skip (default ${PING_DEFAULT_SECONDS}, at most ${PING_MAX_SECONDS})
  --json                    print one JSON document on stdout (the table goes to stderr)
  --help                    show this text
`;

/** A mistake on the command line: main prints it with the usage and exits with status 2. */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchUsageError";
  }
}

function readIntegerFlag(
  values: Readonly<Record<string, unknown>>,
  flag: string,
  minimum: number,
  maximum: number,
  fallback: number,
): number {
  const text = values[flag];
  if (text === undefined) return fallback;
  const value = typeof text === "string" && /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new BenchUsageError(`--${flag} must be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function readStringFlag(values: Readonly<Record<string, unknown>>, flag: string): string | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) throw new BenchUsageError(`--${flag} must not be empty`);
  return value;
}

/** Parses the command line; returns "help" for --help. Throws BenchUsageError naming the bad flag. */
export function parseBenchOptions(argumentsAfterScript: readonly string[]): BenchOptions | "help" {
  let values: Readonly<Record<string, unknown>>;
  try {
    ({ values } = parseArgs({
      args: [...argumentsAfterScript],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        "admin-token": { type: "string" },
        "cards-file": { type: "string" },
        lanes: { type: "string" },
        members: { type: "string" },
        "duration-seconds": { type: "string" },
        "ping-seconds": { type: "string" },
        connections: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values["help"] === true) return "help";

  const url = readStringFlag(values, "url");
  const token = readStringFlag(values, "token");
  const adminToken = readStringFlag(values, "admin-token");
  const cardsFile = readStringFlag(values, "cards-file");
  if (url !== undefined) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new BenchUsageError(`--url must be a URL like ws://127.0.0.1:8080/v1/ws, got ${JSON.stringify(url)}`);
    }
    if (protocol !== "ws:" && protocol !== "wss:") {
      throw new BenchUsageError(`--url must start with ws:// or wss://, got ${JSON.stringify(url)}`);
    }
    if (token === undefined) throw new BenchUsageError("--url needs --token (a terminal token of that gateway)");
  } else {
    for (const flag of ["token", "admin-token", "cards-file"] as const) {
      if (values[flag] !== undefined) {
        throw new BenchUsageError(`--${flag} only applies with --url (the bench's own gateway makes its own)`);
      }
    }
  }

  const lanes = readIntegerFlag(values, "lanes", 1, LANES_MAX, LANES_DEFAULT);
  const connections = readIntegerFlag(values, "connections", 1, CONNECTIONS_MAX, CONNECTIONS_DEFAULT);
  if (connections > lanes) {
    throw new BenchUsageError(`--connections (${connections}) must be at most --lanes (${lanes}): a connection without a lane measures nothing`);
  }
  // Each lane has one request in flight; a connection carrying more lanes than the gateway's
  // in-flight limit would measure BUSY answers.
  if (Math.ceil(lanes / connections) > IN_FLIGHT_MAX) {
    throw new BenchUsageError(`--lanes / --connections must be at most ${IN_FLIGHT_MAX} (requests in flight per connection)`);
  }

  return {
    url,
    token,
    adminToken,
    cardsFile,
    lanes,
    members: readIntegerFlag(values, "members", 1, MEMBERS_MAX, MEMBERS_DEFAULT),
    durationSeconds: readIntegerFlag(values, "duration-seconds", 1, DURATION_MAX_SECONDS, DURATION_DEFAULT_SECONDS),
    pingSeconds: readIntegerFlag(values, "ping-seconds", 0, PING_MAX_SECONDS, PING_DEFAULT_SECONDS),
    connections,
    json: values["json"] === true,
  };
}
