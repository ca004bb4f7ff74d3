import {
  CLIENT_IDENTIFIER_LENGTH_MAX,
  CLIENT_IDENTIFIER_PATTERN,
  LINE_QUANTITY_MIN,
  LINE_AMOUNT_MINOR_MAX,
  LINE_QUANTITY_MAX,
  RECEIPT_LINES_MAX,
  RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS,
  RECEIPT_TIME_MAX_EPOCH_MILLISECONDS,
  RECEIPT_TIME_MIN_EPOCH_MILLISECONDS,
  RECEIPT_TOTAL_MINOR_MAX,
} from "../../domain/limits.js";
import {
  badRequest,
  readArray,
  readInteger,
  readObject,
  readOptionalBoolean,
  readOptionalInteger,
  readOptionalString,
  readPositiveNumber,
  readString,
  refuseUnknownFields,
} from "../../domain/validation/fields.js";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import type { Receipt, ReceiptLine } from "../../domain/receipt/receipt.js";


export function readQuantity(value: unknown, field: string): number {
  const quantity = readPositiveNumber(value, field, LINE_QUANTITY_MAX);
  if (quantity < LINE_QUANTITY_MIN) throw badRequest(field, `must be at least ${LINE_QUANTITY_MIN}`);
  return quantity;
}


const RECEIPT_FIELDS: ReadonlySet<string> = new Set(["id", "store", "at", "lines"]);
const LINE_FIELDS: ReadonlySet<string> = new Set(["sku", "qty", "price", "amount", "noDiscount", "noPoints"]);

export interface ReceiptContext {
  /** The store of the terminal that sent the receipt: the receipt's store. */
  readonly terminalStore: string;
  /** Used when the POS does not say when the receipt was made. */
  readonly now: number;
}

/**
 * Reads a receipt from untrusted input, throwing a BAD_REQUEST LoycoreError
 * that names the first bad field. Money must be integer minor units; the
 * receipt's total must stay under RECEIPT_TOTAL_MINOR_MAX.
 */
export function readReceipt(input: unknown, context: ReceiptContext): Receipt {
  const document = readObject(input, "receipt");
  refuseUnknownFields(document, "receipt", RECEIPT_FIELDS);
  const id = readString(document["id"], "receipt.id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
  const store = readOptionalString(
    document["store"],
    "receipt.store",
    CLIENT_IDENTIFIER_LENGTH_MAX,
    CLIENT_IDENTIFIER_PATTERN,
  );
  if (store !== undefined && store !== context.terminalStore) {
    throw badRequest("receipt.store", `must be the terminal's store (${context.terminalStore}) or absent: a terminal acts only for its own store`);
  }
  const time = readEventTime(document["at"], "receipt.at", context.now);
  const rawLines = readArray(document["lines"], "receipt.lines", 1, RECEIPT_LINES_MAX);
  const lines: ReceiptLine[] = [];
  let total = 0;
  for (let index = 0; index < rawLines.length; index += 1) {
    const field = `receipt.lines[${index}]`;
    const line = readObject(rawLines[index], field);
    refuseUnknownFields(line, field, LINE_FIELDS);
    const noDiscount = readOptionalBoolean(line["noDiscount"], `${field}.noDiscount`);
    const noPoints = readOptionalBoolean(line["noPoints"], `${field}.noPoints`);
    const parsed: ReceiptLine = {
      sku: readString(line["sku"], `${field}.sku`, CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
      qty: readQuantity(line["qty"], `${field}.qty`),
      price: readInteger(line["price"], `${field}.price`, 0, LINE_AMOUNT_MINOR_MAX),
      amount: readInteger(line["amount"], `${field}.amount`, 0, LINE_AMOUNT_MINOR_MAX),
      ...(noDiscount === true ? { noDiscount } : {}),
      ...(noPoints === true ? { noPoints } : {}),
    };
    total += parsed.amount;
    if (total > RECEIPT_TOTAL_MINOR_MAX) {
      throw badRequest("receipt.lines", `must sum to at most ${RECEIPT_TOTAL_MINOR_MAX} minor units`);
    }
    lines.push(parsed);
  }
  return { id, store: context.terminalStore, ...time, lines };
}

/** When a receipt or visit happened: the POS's time, or the server's when it sent none. */
export type EventTime = { readonly at: number } | { readonly at: number; readonly atFromServer: true };

/**
 * Reads an optional event time (epoch milliseconds): absent means now, from
 * the server's clock, marked so the request's fingerprint stays as sent; a
 * time further ahead of now than RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS is
 * refused TIME_IN_FUTURE.
 */
export function readEventTime(value: unknown, field: string, now: number): EventTime {
  const at = readOptionalInteger(value, field, RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS);
  if (at === undefined) return { at: now, atFromServer: true };
  if (at > now + RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS) {
    throw new LoycoreError(
      "TIME_IN_FUTURE",
      `${field} is ${Math.round((at - now) / 60_000)} minutes ahead of the server's clock; at most ${RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS / 60_000} are accepted`,
    );
  }
  return { at };
}
