import { OptionReader } from "./option-readers.js";

/** The connection state the client reports through `onStateChange` and `state`. */
export type ConnectionState = "connecting" | "connected" | "disconnected" | "closed";

export interface ConnectionStateChange {
  readonly state: ConnectionState;
  /** Why the connection went down or could not be opened, when known. */
  readonly reason?: string;
}

export interface LoycoreClientOptions {
  /** `ws://host:port/v1/ws` (or `wss://`). */
  readonly url: string;
  /** The terminal's bearer token, sent as `Authorization: Bearer <token>` with the upgrade. */
  readonly token: string;
  /** How long a request may wait for its answer, including time spent waiting for a connection. */
  readonly requestTimeoutMilliseconds?: number;
  /** Requests pending at once (sent or waiting for a connection); one more rejects with `BUSY`. */
  readonly maxInFlight?: number;
  /** Reconnect after the connection drops (the first connection must succeed either way). */
  readonly reconnect?: boolean;
  /** First delay before reconnecting; doubles on each failed attempt. */
  readonly reconnectDelayMinimumMilliseconds?: number;
  /** Ceiling of the reconnect delay. */
  readonly reconnectDelayMaximumMilliseconds?: number;
  /** Called on every change of connection state. Exceptions thrown here are not caught. */
  readonly onStateChange?: (change: ConnectionStateChange) => void;
}

/** The options with every default applied. */
export interface ClientSettings {
  readonly url: string;
  readonly token: string;
  readonly requestTimeoutMilliseconds: number;
  readonly maxInFlight: number;
  readonly reconnect: boolean;
  readonly reconnectDelayMinimumMilliseconds: number;
  readonly reconnectDelayMaximumMilliseconds: number;
  readonly onStateChange: ((change: ConnectionStateChange) => void) | undefined;
}

/** A POS lane waits for an answer before printing the receipt; 10 s is as long as a cashier waits. */
export const REQUEST_TIMEOUT_DEFAULT_MILLISECONDS = 10_000;

/** Ten minutes: anything longer is a configuration mistake (a unit confusion), not a timeout. */
export const REQUEST_TIMEOUT_MAX_MILLISECONDS = 600_000;

/** The gateway accepts 1,024 requests in flight per connection (docs/protocol.md, Limits). */
export const IN_FLIGHT_MAX = 1024;

/** Fast enough that a restarted gateway is found again within a blink. */
export const RECONNECT_DELAY_MINIMUM_DEFAULT_MILLISECONDS = 100;

/** Slow enough that a fleet of lanes does not hammer a gateway that is down. */
export const RECONNECT_DELAY_MAXIMUM_DEFAULT_MILLISECONDS = 5_000;

/** A reconnect delay over ten minutes leaves a lane offline for no reason. */
export const RECONNECT_DELAY_CEILING_MILLISECONDS = 600_000;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  "url",
  "token",
  "requestTimeoutMilliseconds",
  "maxInFlight",
  "reconnect",
  "reconnectDelayMinimumMilliseconds",
  "reconnectDelayMaximumMilliseconds",
  "onStateChange",
]);

/**
 * Checks every option, one field at a time, and throws a TypeError naming the first bad field, so that
 * an integrator sees exactly what to fix. Unknown options are refused: a misspelt option would
 * otherwise fall back to its default silently.
 */
export function readClientOptions(input: unknown): ClientSettings {
  const reader = OptionReader.of("LoycoreClient", input, KNOWN_OPTIONS);
  const { options } = reader;
  const url = reader.url("url", ["ws:", "wss:"], "ws://host:port/v1/ws").text;
  const token = reader.token("token");
  const requestTimeoutMilliseconds = reader.integer(
    "requestTimeoutMilliseconds",
    1,
    REQUEST_TIMEOUT_MAX_MILLISECONDS,
    REQUEST_TIMEOUT_DEFAULT_MILLISECONDS,
  );
  const maxInFlight = reader.integer("maxInFlight", 1, IN_FLIGHT_MAX, IN_FLIGHT_MAX);

  const reconnect = options["reconnect"] ?? true;
  if (typeof reconnect !== "boolean") throw reader.error("reconnect", "must be a boolean", reconnect);

  const reconnectDelayMinimumMilliseconds = reader.integer(
    "reconnectDelayMinimumMilliseconds",
    1,
    RECONNECT_DELAY_CEILING_MILLISECONDS,
    RECONNECT_DELAY_MINIMUM_DEFAULT_MILLISECONDS,
  );
  const reconnectDelayMaximumMilliseconds = reader.integer(
    "reconnectDelayMaximumMilliseconds",
    1,
    RECONNECT_DELAY_CEILING_MILLISECONDS,
    Math.max(RECONNECT_DELAY_MAXIMUM_DEFAULT_MILLISECONDS, reconnectDelayMinimumMilliseconds),
  );
  if (reconnectDelayMaximumMilliseconds < reconnectDelayMinimumMilliseconds) {
    throw reader.error(
      "reconnectDelayMaximumMilliseconds",
      `must be at least reconnectDelayMinimumMilliseconds (${reconnectDelayMinimumMilliseconds})`,
      reconnectDelayMaximumMilliseconds,
    );
  }

  const onStateChange = options["onStateChange"];
  if (onStateChange !== undefined && typeof onStateChange !== "function") {
    throw reader.error("onStateChange", "must be a function", onStateChange);
  }

  return {
    url,
    token,
    requestTimeoutMilliseconds,
    maxInFlight,
    reconnect,
    reconnectDelayMinimumMilliseconds,
    reconnectDelayMaximumMilliseconds,
    onStateChange: onStateChange as ((change: ConnectionStateChange) => void) | undefined,
  };
}
