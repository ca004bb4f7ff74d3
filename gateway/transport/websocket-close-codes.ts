/**
 * How a `/v1/ws` connection can end, from the server's side. docs/protocol.md
 * lists these for client writers; a test keeps that page naming each one.
 */

/** RFC 6455 "going away": the server is shutting down. Reconnect to another node, or to this one after its restart. */
export const WEBSOCKET_CLOSE_SHUTTING_DOWN = 1001;

/**
 * Application range (4000-4999): the terminal's token was revoked or replaced
 * by the admin API. Reconnecting with the same token is refused (401).
 */
export const WEBSOCKET_CLOSE_CREDENTIALS_WITHDRAWN = 4001;

/**
 * Never sent: RFC 6455 reserves 1006 for what a client reports when the
 * connection ends without a close frame. uWS ends a connection that way
 * (checked against this build) when it stays silent through the idle timeout
 * and the ping sent before it, when its client leaves more than
 * CONNECTION_BACKPRESSURE_BYTES_MAX of answers unread, and when a frame is
 * larger than WEBSOCKET_FRAME_BYTES_HARD_MAX.
 */
export const WEBSOCKET_CLOSE_ABNORMAL = 1006;
