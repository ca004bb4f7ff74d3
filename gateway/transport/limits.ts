/**
 * Transport limits. Each is a promise to the operator that one client cannot
 * make the gateway hold more than this. docs/protocol.md lists them.
 */

/** A 500-line receipt encodes to about 25 KiB of msgpack; 64 KiB leaves room and refuses junk. */
export const REQUEST_BYTES_MAX = 64 * 1024;

/**
 * Frames above REQUEST_BYTES_MAX but below this get TOO_LARGE and the
 * connection stays. Above this uWS drops the connection (no close frame) without
 * reading: buffering megabytes per lane to send a polite error is not worth it.
 */
export const WEBSOCKET_FRAME_BYTES_HARD_MAX = 1024 * 1024;

/** Pipelined requests per connection; a lane needs a handful, a concentrator a few hundred. */
export const CONNECTION_IN_FLIGHT_MAX = 1_024;

/** Answers queued for a client that does not read; past this the connection is closed. */
export const CONNECTION_BACKPRESSURE_BYTES_MAX = 1024 * 1024;

/** A lane idle for two minutes is gone; uWS pings idle connections automatically before that. */
export const CONNECTION_IDLE_TIMEOUT_SECONDS = 120;

/** Request ids are for correlation only: a 64-character string is plenty. */
export const REQUEST_ID_LENGTH_MAX = 64;
