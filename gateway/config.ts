import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LOGICAL_SHARD_COUNT } from "../domain/placement/shard-function.js";

/**
 * Everything a loycore server can be told, with its default. Each option can
 * come from a command-line flag or an environment variable (the flag wins).
 */
export interface ServerConfig {
  /** --host, LOYCORE_HOST. Default 127.0.0.1: listen beyond loopback only on purpose (Docker sets 0.0.0.0). */
  readonly host: string;
  /** --port, LOYCORE_PORT. Default 8080; 0 picks a free port (tests). */
  readonly port: number;
  /** --data-dir, LOYCORE_DATA_DIR. Default ./data: control, directory and one LMDB environment per shard. */
  readonly dataDirectory: string;
  /**
   * --shards, LOYCORE_SHARDS. Shard worker threads. Default: what the data
   * directory was created with, else one per core less one for the gateway
   * thread (at least 1).
   */
  readonly shardThreads: number | undefined;
  /** --admin-token, LOYCORE_ADMIN_TOKEN. Sets the admin token; without it one is generated once. */
  readonly adminToken: string | undefined;
  /** --demo: create a demo program, partner, store, terminal and members if missing. */
  readonly demo: boolean;
  /** --demo-members: how many demo members (default 5, at most 100,000). */
  readonly demoMembers: number;
  /**
   * --terminal-requests-per-second, LOYCORE_TERMINAL_REQUESTS_PER_SECOND.
   * Each terminal's rate limit (and burst). Default 20,000: far above a lane
   * or a store concentrator, a cap on one runaway or stolen token.
   */
  readonly terminalRequestsPerSecond: number;
  /**
   * --checkpoint-interval-milliseconds, LOYCORE_CHECKPOINT_INTERVAL_MILLISECONDS.
   * How often each shard writes what its log holds to LMDB (and may drop log
   * segments): the log a restart replays. Default: CHECKPOINT_DEFAULTS (2 s).
   */
  readonly checkpointIntervalMilliseconds: number | undefined;
  /**
   * --checkpoint-trigger-megabytes, LOYCORE_CHECKPOINT_TRIGGER_MEGABYTES.
   * A checkpoint starts once a shard's overlay holds this much, whatever the
   * interval. Default: CHECKPOINT_DEFAULTS (32 MiB).
   */
  readonly checkpointTriggerMegabytes: number | undefined;
}

/** A demo of more members takes minutes to seed; the bench needs a few thousand. */
const DEMO_MEMBERS_MAX = 100_000;
const ADMIN_TOKEN_LENGTH_MIN = 16;
const TERMINAL_REQUESTS_PER_SECOND_DEFAULT = 20_000;
/** A checkpoint at most every 10 ms (tests), at least once an hour (a longer log makes restarts slow). */
const CHECKPOINT_INTERVAL_MILLISECONDS_MIN = 10;
const CHECKPOINT_INTERVAL_MILLISECONDS_MAX = 3_600_000;
/** The trigger stays below the overlay's limit (256 MiB by default), so a checkpoint starts before BUSY. */
const CHECKPOINT_TRIGGER_MEGABYTES_MAX = 128;
/** A million a second is more than a node answers: the limit would never bite. */
const TERMINAL_REQUESTS_PER_SECOND_MAX = 1_000_000;

export class ConfigError extends Error {
  constructor(field: string, expectation: string) {
    super(`configuration ${field} ${expectation}`);
    this.name = "ConfigError";
  }
}

export function defaultShardThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

function readIntegerOption(text: string | undefined, field: string, minimum: number, maximum: number): number | undefined {
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text)) throw new ConfigError(field, `must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < minimum || value > maximum) throw new ConfigError(field, `must be between ${minimum} and ${maximum}, got ${value}`);
  return value;
}

/** Reads the configuration from flags and environment, validating each option by name. */
export function readServerConfig(argv: readonly string[], environment: NodeJS.ProcessEnv): ServerConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      shards: { type: "string" },
      "admin-token": { type: "string" },
      demo: { type: "boolean", default: false },
      "demo-members": { type: "string" },
      "terminal-requests-per-second": { type: "string" },
      "checkpoint-interval-milliseconds": { type: "string" },
      "checkpoint-trigger-megabytes": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const host = values.host ?? environment["LOYCORE_HOST"] ?? "127.0.0.1";
  if (host.length === 0) throw new ConfigError("host", "must not be empty");
  const adminToken = values["admin-token"] ?? environment["LOYCORE_ADMIN_TOKEN"];
  if (adminToken !== undefined && adminToken.length < ADMIN_TOKEN_LENGTH_MIN) {
    throw new ConfigError("admin-token", `must be at least ${ADMIN_TOKEN_LENGTH_MIN} characters`);
  }
  return {
    host,
    port: readIntegerOption(values.port ?? environment["LOYCORE_PORT"], "port", 0, 65_535) ?? 8080,
    dataDirectory: resolve(values["data-dir"] ?? environment["LOYCORE_DATA_DIR"] ?? "data"),
    shardThreads: readIntegerOption(values.shards ?? environment["LOYCORE_SHARDS"], "shards", 1, LOGICAL_SHARD_COUNT),
    adminToken,
    demo: values.demo === true || environment["LOYCORE_DEMO"] === "1",
    demoMembers: readIntegerOption(values["demo-members"], "demo-members", 1, DEMO_MEMBERS_MAX) ?? 5,
    terminalRequestsPerSecond:
      readIntegerOption(
        values["terminal-requests-per-second"] ?? environment["LOYCORE_TERMINAL_REQUESTS_PER_SECOND"],
        "terminal-requests-per-second",
        1,
        TERMINAL_REQUESTS_PER_SECOND_MAX,
      ) ?? TERMINAL_REQUESTS_PER_SECOND_DEFAULT,
    checkpointIntervalMilliseconds: readIntegerOption(
      values["checkpoint-interval-milliseconds"] ?? environment["LOYCORE_CHECKPOINT_INTERVAL_MILLISECONDS"],
      "checkpoint-interval-milliseconds",
      CHECKPOINT_INTERVAL_MILLISECONDS_MIN,
      CHECKPOINT_INTERVAL_MILLISECONDS_MAX,
    ),
    checkpointTriggerMegabytes: readIntegerOption(
      values["checkpoint-trigger-megabytes"] ?? environment["LOYCORE_CHECKPOINT_TRIGGER_MEGABYTES"],
      "checkpoint-trigger-megabytes",
      1,
      CHECKPOINT_TRIGGER_MEGABYTES_MAX,
    ),
  };
}
