/**
 * Stable error codes of the loycore protocol.
 *
 * These strings are part of the public contract: integrators switch on them.
 * Append new codes at the end; never rename or remove one (TigerBeetle's rule
 * for result codes). docs/errors.md lists every code with its meaning, and a
 * test keeps that page and this list in step.
 */
export const ERROR_CODES = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "UNSUPPORTED_MEDIA_TYPE",
  "TOO_LARGE",
  "BUSY",
  "INTERNAL",
  "UNKNOWN_CARD",
  "UNKNOWN_PHONE",
  "UNKNOWN_MEMBER",
  "PHONE_TAKEN",
  "INSUFFICIENT_POINTS",
  "REDEEM_LIMIT_EXCEEDED",
  "CONFLICT",
  "NO_PROGRAM",
  "SHUTTING_DOWN",
  "UNKNOWN_RECEIPT",
  "RECEIPT_CANCELLED",
  "RETURN_EXCEEDS_PURCHASE",
  "ACCRUED_POINTS_SPENT",
  "LEDGER_LIMIT",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "STORAGE_FULL",
  "TIME_IN_FUTURE",
  "CARD_BLOCKED",
  "CARD_EXPIRED",
  "CARD_TAKEN",
  "CARD_LIMIT",
  "REDEEM_NOT_ALLOWED",
  "FORBIDDEN",
  "PAYMENT_EXCEEDS_UNPAID",
  "POINTS_NOT_ACCEPTED_HERE",
  "IN_FAMILY",
  "NOT_IN_FAMILY",
  "FAMILY_POINTS_OPEN",
  "FAMILY_HOLD_REQUIRED",
  "FAMILY_HOLD_ABORTED",
  "COUPON_UNKNOWN",
  "COUPON_USED_UP",
  "COUPON_EXPIRED",
  "COUPON_NOT_MEMBERS",
  "SURVEY_UNKNOWN",
  "SURVEY_CLOSED",
  "SURVEY_ALREADY_ANSWERED",
  "SURVEY_TOKEN_INVALID",
  "SURVEY_NO_ENDPOINT",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const ERROR_CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && ERROR_CODE_SET.has(value);
}

/** The HTTP status the gateway answers with for each code. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_LARGE: 413,
  BUSY: 503,
  INTERNAL: 500,
  UNKNOWN_CARD: 404,
  UNKNOWN_PHONE: 404,
  UNKNOWN_MEMBER: 404,
  PHONE_TAKEN: 409,
  INSUFFICIENT_POINTS: 422,
  REDEEM_LIMIT_EXCEEDED: 422,
  CONFLICT: 409,
  NO_PROGRAM: 503,
  SHUTTING_DOWN: 503,
  UNKNOWN_RECEIPT: 404,
  RECEIPT_CANCELLED: 409,
  RETURN_EXCEEDS_PURCHASE: 422,
  ACCRUED_POINTS_SPENT: 422,
  LEDGER_LIMIT: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  // 507 Insufficient Storage: the request was fine; the server's disk is not.
  STORAGE_FULL: 507,
  TIME_IN_FUTURE: 422,
  // The card is known and the request well-formed; this card may not be used (403, as a refused credential).
  CARD_BLOCKED: 403,
  CARD_EXPIRED: 403,
  CARD_TAKEN: 409,
  CARD_LIMIT: 422,
  REDEEM_NOT_ALLOWED: 422,
  FORBIDDEN: 403,
  PAYMENT_EXCEEDS_UNPAID: 422,
  POINTS_NOT_ACCEPTED_HERE: 422,
  IN_FAMILY: 409,
  NOT_IN_FAMILY: 409,
  FAMILY_POINTS_OPEN: 409,
  // Between the gateway and a shard only: the gateway holds the pool's points and commits again.
  FAMILY_HOLD_REQUIRED: 409,
  FAMILY_HOLD_ABORTED: 409,
  COUPON_UNKNOWN: 404,
  COUPON_USED_UP: 409,
  COUPON_EXPIRED: 422,
  // The coupon is real and usable, by another member: refused as a credential that is not this member's.
  COUPON_NOT_MEMBERS: 403,
  SURVEY_UNKNOWN: 404,
  // The survey exists but takes no answers now (closed, not started, ended): 409, as a state that refuses the request.
  SURVEY_CLOSED: 409,
  SURVEY_ALREADY_ANSWERED: 409,
  // A link that is not one of ours (malformed, forged): refused as a credential.
  SURVEY_TOKEN_INVALID: 403,
  SURVEY_NO_ENDPOINT: 409,
};
