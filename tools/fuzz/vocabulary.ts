// The contract's vocabulary: operations, fields, expectations, violations, tallies; runs in the fuzzer's own process, not in the gateway.
import { ERROR_CODES } from "../../protocol/errors/error-codes.js";
import type { ErrorCode } from "../../protocol/errors/error-codes.js";
import { RECEIPT_LINES_MAX } from "../../domain/limits.js";

/** The operations of docs/protocol.md. */
export const OPERATIONS = ["ping", "identify", "balance", "calculate", "commit", "enroll", "reportVisit", "cancel", "refund", "payment", "issueCard", "blockCard", "replaceCard"] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isOperation(value: unknown): value is Operation {
  return typeof value === "string" && (OPERATIONS as readonly string[]).includes(value);
}

/** Fields each operation knows (docs/protocol.md), besides the WebSocket envelope's `id` and `op`. */
export const FIELDS: Readonly<Record<Operation, readonly string[]>> = {
  ping: [],
  identify: ["card", "phone"],
  balance: ["card", "phone", "detail"],
  calculate: ["card", "phone", "receipt", "redeem", "hold"],
  commit: ["card", "phone", "receipt", "redeem", "paid"],
  enroll: ["card", "phone", "name", "birthDate", "email", "consent"],
  reportVisit: ["card", "phone", "visit"],
  cancel: ["card", "phone", "receipt"],
  refund: ["card", "phone", "refund"],
  payment: ["card", "phone", "payment"],
  issueCard: ["card", "phone", "issue"],
  blockCard: ["card", "phone", "block"],
  replaceCard: ["card", "phone", "replace"],
};
export const RECEIPT_FIELDS = ["id", "store", "at", "lines"];
export const LINE_FIELDS = ["sku", "qty", "price", "amount", "noDiscount", "noPoints"];
export const VISIT_FIELDS = ["id", "status", "at"];
export const REFUND_FIELDS = ["id", "receipt", "lines"];
export const REFUND_LINE_FIELDS = ["line", "qty"];
export const PAYMENT_FIELDS = ["id", "receipt", "amount", "at"];
/** A payment's largest amount (gateway/protocol/read-operation-request.ts). */
export const PAYMENT_AMOUNT_MAX_MINOR = 100_000_000_000;
/** Field names a client might misspell or put at the wrong level. */
export const NEAR_MISS_KEYS = [
  "Card", "CARD", "card ", " card", "cardNumber", "Phone", "phoneNumber", "receiptId", "Receipt", "lines", "redeem", "hold",
  "detail", "visit", "refund", "name", "birthDate", "store", "at", "id", "op", "sku", "qty", "price", "amount", "noDiscount",
  "noPoints", "line", "status", "points", "member", "token", "discount", "receipt", "__proto__", "constructor", "toString",
  "hasOwnProperty", "valueOf", "",
];

/** The smallest quantity (docs/protocol.md: `qty` is a number of at least 0.001). */
export const LINE_QUANTITY_MIN = 0.001;
/** A refund line's `line` is an index into a receipt of at most RECEIPT_LINES_MAX lines. */
export const REFUND_LINE_INDEX_MAX = RECEIPT_LINES_MAX - 1;
/** "A string up to ~60 KB": long enough to matter, short enough to fit a 64 KiB frame with the rest. */
export const LONG_STRING_LENGTH_MAX = 60_000;
/** Nesting "up to a few hundred levels" inside requests; deeper only as a whole frame. */
export const NESTING_DEPTH_MAX = 400;

/** The codes a well-behaved gateway may answer to anything: all but INTERNAL, which docs/errors.md calls a bug. */
const NON_INTERNAL_CODES: readonly ErrorCode[] = ERROR_CODES.filter((code) => code !== "INTERNAL");

/** What an answer may be: refused with one of `codes`, or, when `okAllowed`, accepted. */
export interface Expectation {
  readonly codes: readonly ErrorCode[];
  readonly okAllowed: boolean;
}

export const ANY_ANSWER: Expectation = { codes: NON_INTERNAL_CODES, okAllowed: true };

export function refusedWith(...codes: ErrorCode[]): Expectation {
  return { codes, okAllowed: false };
}

/**
 * docs/protocol.md, WebSocket request: an `op` that is a string naming no operation is NOT_FOUND
 * (as over HTTP), refused before the other fields are read; a missing or non-string `op` is BAD_REQUEST.
 */
export function refusalOfOtherThanAnOperation(op: unknown): Expectation {
  return typeof op === "string" ? refusedWith("NOT_FOUND") : refusedWith("BAD_REQUEST");
}

/** A broken property: the message says what the gateway did and what the contract says. */
export class FuzzViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FuzzViolation";
  }
}

/** Answers counted by code ("OK" for accepted), for the report. */
export type Tally = Map<string, number>;

export function count(tally: Tally, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A short, printable description of a value for violation messages (binary as length and leading hex). */
export function describe(value: unknown, maxLength = 300): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, function (this: unknown, key: string, item: unknown): unknown {
        const original = (this as Record<string, unknown> | undefined)?.[key] ?? item;
        if (original instanceof Uint8Array) return `<${original.length} bytes ${Buffer.from(original.subarray(0, 48)).toString("hex")}${original.length > 48 ? "..." : ""}>`;
        if (typeof item === "bigint") return `${item}n`;
        if (typeof item === "number" && !Number.isFinite(item)) return String(item);
        return item;
      }) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}... (${text.length} characters)` : text;
}
