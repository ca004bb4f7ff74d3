import type { ErrorCode } from "../protocol/errors/error-codes.js";

/**
 * Codes only the client produces, on top of the server's codes:
 * - `DISCONNECTED`: the connection dropped while the request was pending (it may or may not have been
 *   done: retry with the same idempotency key), or the client is disconnected and does not reconnect.
 * - `CLOSED`: `close()` was called.
 * - `TIMEOUT`: no answer in time; the request may or may not have been done.
 *
 * The client also produces some of the server's own codes, with the same meaning:
 * `BUSY` (the client's `maxInFlight` is
 * reached; nothing was sent), `TOO_LARGE` (the request does not fit a frame; nothing was sent),
 * `UNAUTHORIZED` (the gateway refused the token at connection time).
 */
export type ClientOnlyErrorCode = "DISCONNECTED" | "CLOSED" | "TIMEOUT";

/**
 * Every code a `LoycoreClientError` can carry. A newer gateway may answer with codes this client does
 * not list yet (codes are only ever appended): they are passed through unchanged, hence the open
 * `string` member, which keeps editor completion for the known codes.
 */
export type LoycoreClientErrorCode = ErrorCode | ClientOnlyErrorCode | (string & Record<never, never>);

/** Where the code comes from: the gateway's answer, or the client itself (nothing from the server). */
export type LoycoreClientErrorSource = "server" | "client";

/**
 * The one error class of the client. Integrators switch on `code`, a stable string; `message` is for
 * people and may change.
 */
export class LoycoreClientError extends Error {
  readonly code: LoycoreClientErrorCode;
  readonly source: LoycoreClientErrorSource;

  constructor(code: LoycoreClientErrorCode, message: string, source: LoycoreClientErrorSource) {
    super(message);
    this.name = "LoycoreClientError";
    this.code = code;
    this.source = source;
  }
}
