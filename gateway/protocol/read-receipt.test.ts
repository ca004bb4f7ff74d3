import { describe, expect, it } from "vitest";
import {
  CLIENT_IDENTIFIER_LENGTH_MAX,
  LINE_AMOUNT_MINOR_MAX,
  LINE_QUANTITY_MAX,
  RECEIPT_LINES_MAX,
  RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS,
  RECEIPT_TIME_MAX_EPOCH_MILLISECONDS,
  RECEIPT_TIME_MIN_EPOCH_MILLISECONDS,
  RECEIPT_TOTAL_MINOR_MAX,
} from "../../domain/limits.js";
import { withoutField } from "../../domain/test-support/documents.js";
import { expectBadRequest } from "../../domain/test-support/expect-bad-request.js";
import { itEach } from "../../domain/test-support/table-tests.js";
import { caught } from "../../domain/test-support/caught.js";
import { readReceipt, type ReceiptContext } from "./read-receipt.js";

const CONTEXT: ReceiptContext = { terminalStore: "store-7", now: Date.UTC(2024, 5, 1, 12, 0, 0) };
const RECEIPT_AT = Date.UTC(2024, 4, 31, 18, 30, 0);

function line(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sku: "milk-1l", qty: 2, price: 8_990, amount: 17_980, ...overrides };
}

function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "R-000123",
    store: "store-7",
    at: RECEIPT_AT,
    lines: [line(), line({ sku: "bread", qty: 1, price: 4_500, amount: 4_500 })],
    ...overrides,
  };
}

function linesWith(index: number, overrides: Record<string, unknown>): Record<string, unknown>[] {
  return [line(), line({ sku: "bread" }), line({ sku: "eggs" })].map((item, position) =>
    position === index ? { ...item, ...overrides } : item,
  );
}

describe("readReceipt", () => {
  it("reads a valid receipt into the domain shape with the terminal's store", () => {
    expect(readReceipt(document(), CONTEXT)).toEqual({
      id: "R-000123",
      store: "store-7",
      at: RECEIPT_AT,
      lines: [
        { sku: "milk-1l", qty: 2, price: 8_990, amount: 17_980 },
        { sku: "bread", qty: 1, price: 4_500, amount: 4_500 },
      ],
    });
  });

  itEach([
    { name: "defaults the receipt time to context.now when `at` is absent", input: withoutField(document(), "at") },
    { name: "defaults the receipt time to context.now when `at` is null", input: document({ at: null }) },
  ])(({ input }) => {
    expect(readReceipt(input, CONTEXT)).toMatchObject({ at: CONTEXT.now, atFromServer: true });
  });

  it("does not mark a receipt time the POS sent as the server's, even when it equals now", () => {
    expect(readReceipt(document({ at: CONTEXT.now }), CONTEXT)).not.toHaveProperty("atFromServer");
  });

  itEach([
    { name: "accepts a store equal to the terminal's store", input: document({ store: "store-7" }) },
    { name: "takes the terminal's store when the receipt names none", input: withoutField(document(), "store") },
    { name: "takes the terminal's store when the receipt's store is null", input: document({ store: null }) },
  ])(({ input }) => {
    expect(readReceipt(input, CONTEXT).store).toBe(CONTEXT.terminalStore);
  });

  itEach([
    { name: "accepts a fractional weight quantity of 0.375", input: document({ lines: [line({ qty: 0.375 })] }) },
    { name: "accepts a quantity of exactly one thousandth", input: document({ lines: [line({ qty: 0.001 })] }) },
    { name: "accepts a quantity of exactly LINE_QUANTITY_MAX", input: document({ lines: [line({ qty: LINE_QUANTITY_MAX })] }) },
    { name: "accepts zero price and zero amount", input: document({ lines: [line({ price: 0, amount: 0 })] }) },
    {
      name: "accepts exactly RECEIPT_LINES_MAX lines",
      input: document({ lines: Array.from({ length: RECEIPT_LINES_MAX }, (_, index) => line({ sku: `s${index}` })) }),
    },
    {
      name: "accepts a receipt total of exactly RECEIPT_TOTAL_MINOR_MAX",
      input: document({
        lines: [
          line({ amount: RECEIPT_TOTAL_MINOR_MAX - 1, price: 0 }),
          line({ amount: 1, price: 0 }),
        ],
      }),
    },
    {
      name: "accepts an id of exactly CLIENT_IDENTIFIER_LENGTH_MAX printable characters",
      input: document({ id: "x".repeat(CLIENT_IDENTIFIER_LENGTH_MAX) }),
    },
    { name: "accepts a receipt time at the earliest allowed instant", input: document({ at: RECEIPT_TIME_MIN_EPOCH_MILLISECONDS }) },
    {
      name: "accepts a receipt time exactly the clock-skew tolerance ahead of the server's clock",
      input: document({ at: CONTEXT.now + RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS }),
    },
  ])(({ input }) => {
    const receipt = readReceipt(input, CONTEXT);
    const lines = input["lines"] as readonly Record<string, unknown>[];
    expect(receipt.lines).toHaveLength(lines.length);
    expect(receipt.lines.map((item) => item.amount)).toEqual(lines.map((item) => item["amount"]));
    expect(receipt.lines.map((item) => item.qty)).toEqual(lines.map((item) => item["qty"]));
  });

  interface BadCase {
    readonly name: string;
    readonly input: unknown;
    readonly field: string;
  }

  itEach<BadCase>([
    { name: "refuses null input as receipt", input: null, field: "receipt" },
    { name: "refuses undefined input as receipt", input: undefined, field: "receipt" },
    { name: "refuses a string input as receipt", input: "R-1", field: "receipt" },
    { name: "refuses a number input as receipt", input: 42, field: "receipt" },
    { name: "refuses an array input as receipt", input: [document()], field: "receipt" },
    { name: "refuses a byte buffer input as receipt", input: new Uint8Array([1, 2, 3]), field: "receipt" },
    { name: "refuses an unknown top-level field by its name", input: document({ total: 22_480 }), field: "receipt.total" },
    { name: "refuses an unknown line field by its path", input: document({ lines: linesWith(1, { discount: 5 }) }), field: "receipt.lines[1].discount" },
    { name: "refuses a missing id", input: withoutField(document(), "id"), field: "receipt.id" },
    { name: "refuses an empty id", input: document({ id: "" }), field: "receipt.id" },
    { name: "refuses a numeric id", input: document({ id: 123 }), field: "receipt.id" },
    { name: "refuses an id with a space", input: document({ id: "R 1" }), field: "receipt.id" },
    { name: "refuses an id with a control character", input: document({ id: "R\n1" }), field: "receipt.id" },
    { name: "refuses an id with a non-ASCII character", input: document({ id: "чек-1" }), field: "receipt.id" },
    {
      name: "refuses an id one character over CLIENT_IDENTIFIER_LENGTH_MAX",
      input: document({ id: "x".repeat(CLIENT_IDENTIFIER_LENGTH_MAX + 1) }),
      field: "receipt.id",
    },
    { name: "refuses a store other than the terminal's store", input: document({ store: "store-8" }), field: "receipt.store" },
    { name: "refuses an empty store", input: document({ store: "" }), field: "receipt.store" },
    { name: "refuses a numeric store", input: document({ store: 7 }), field: "receipt.store" },
    { name: "refuses a receipt time before 2000", input: document({ at: RECEIPT_TIME_MIN_EPOCH_MILLISECONDS - 1 }), field: "receipt.at" },
    { name: "refuses a receipt time after 2200", input: document({ at: RECEIPT_TIME_MAX_EPOCH_MILLISECONDS + 1 }), field: "receipt.at" },
    { name: "refuses a fractional receipt time", input: document({ at: RECEIPT_AT + 0.5 }), field: "receipt.at" },
    { name: "refuses a receipt time given as an ISO string", input: document({ at: "2024-05-31T18:30:00Z" }), field: "receipt.at" },
    { name: "refuses a missing line list", input: withoutField(document(), "lines"), field: "receipt.lines" },
    { name: "refuses an empty line list", input: document({ lines: [] }), field: "receipt.lines" },
    { name: "refuses a line list that is an object", input: document({ lines: { 0: line() } }), field: "receipt.lines" },
    {
      name: "refuses one line more than RECEIPT_LINES_MAX",
      input: document({ lines: Array.from({ length: RECEIPT_LINES_MAX + 1 }, () => line()) }),
      field: "receipt.lines",
    },
    { name: "refuses a line that is not an object", input: document({ lines: [line(), "milk"] }), field: "receipt.lines[1]" },
    { name: "refuses a null line", input: document({ lines: [line(), line(), null] }), field: "receipt.lines[2]" },
    { name: "refuses an empty sku", input: document({ lines: linesWith(0, { sku: "" }) }), field: "receipt.lines[0].sku" },
    { name: "refuses a missing sku", input: document({ lines: [withoutField(line(), "sku")] }), field: "receipt.lines[0].sku" },
    { name: "refuses a negative amount", input: document({ lines: linesWith(1, { amount: -1 }) }), field: "receipt.lines[1].amount" },
    { name: "refuses a fractional amount", input: document({ lines: linesWith(1, { amount: 179.8 }) }), field: "receipt.lines[1].amount" },
    { name: "refuses an amount given as a string", input: document({ lines: linesWith(1, { amount: "17980" }) }), field: "receipt.lines[1].amount" },
    { name: "refuses a NaN amount", input: document({ lines: linesWith(2, { amount: Number.NaN }) }), field: "receipt.lines[2].amount" },
    { name: "refuses an infinite amount", input: document({ lines: linesWith(2, { amount: Number.POSITIVE_INFINITY }) }), field: "receipt.lines[2].amount" },
    { name: "refuses a bigint amount", input: document({ lines: linesWith(0, { amount: 100n }) }), field: "receipt.lines[0].amount" },
    { name: "refuses a missing amount", input: document({ lines: [withoutField(line(), "amount")] }), field: "receipt.lines[0].amount" },
    {
      name: "refuses a line amount one kopeck over LINE_AMOUNT_MINOR_MAX",
      input: document({ lines: linesWith(0, { amount: LINE_AMOUNT_MINOR_MAX + 1 }) }),
      field: "receipt.lines[0].amount",
    },
    { name: "refuses a negative price", input: document({ lines: linesWith(0, { price: -8_990 }) }), field: "receipt.lines[0].price" },
    { name: "refuses a fractional price", input: document({ lines: linesWith(0, { price: 89.9 }) }), field: "receipt.lines[0].price" },
    { name: "refuses a NaN quantity", input: document({ lines: linesWith(1, { qty: Number.NaN }) }), field: "receipt.lines[1].qty" },
    { name: "refuses a quantity below one thousandth, which no return could count", input: document({ lines: linesWith(1, { qty: 0.0004 }) }), field: "receipt.lines[1].qty" },
    { name: "refuses an infinite quantity", input: document({ lines: linesWith(1, { qty: Number.POSITIVE_INFINITY }) }), field: "receipt.lines[1].qty" },
    { name: "refuses a negative infinite quantity", input: document({ lines: linesWith(1, { qty: Number.NEGATIVE_INFINITY }) }), field: "receipt.lines[1].qty" },
    { name: "refuses a zero quantity", input: document({ lines: linesWith(1, { qty: 0 }) }), field: "receipt.lines[1].qty" },
    { name: "refuses a negative quantity", input: document({ lines: linesWith(1, { qty: -1 }) }), field: "receipt.lines[1].qty" },
    { name: "refuses a quantity given as a string", input: document({ lines: linesWith(1, { qty: "2" }) }), field: "receipt.lines[1].qty" },
    {
      name: "refuses a quantity above LINE_QUANTITY_MAX",
      input: document({ lines: linesWith(1, { qty: LINE_QUANTITY_MAX + 0.001 }) }),
      field: "receipt.lines[1].qty",
    },
    {
      name: "refuses the first bad field of the first bad line when several are bad",
      input: document({ lines: [line(), line({ qty: 0, amount: -1 }), line({ sku: "" })] }),
      field: "receipt.lines[1].qty",
    },
  ])(({ input, field }) => {
    expectBadRequest(() => readReceipt(input, CONTEXT), field);
  });

  it("refuses a total one kopeck over RECEIPT_TOTAL_MINOR_MAX although every line is within its own limit", () => {
    const input = document({
      lines: [line({ amount: LINE_AMOUNT_MINOR_MAX, price: 0 }), line({ amount: 1, price: 0 })],
    });
    const error = expectBadRequest(() => readReceipt(input, CONTEXT), "receipt.lines");
    expect(error.message).toContain(String(RECEIPT_TOTAL_MINOR_MAX));
  });

  it("names the terminal's store in the message when the receipt's store differs", () => {
    const error = expectBadRequest(() => readReceipt(document({ store: "store-8" }), CONTEXT), "receipt.store");
    expect(error.message).toContain(CONTEXT.terminalStore);
  });

  itEach([
    { name: "refuses TIME_IN_FUTURE a receipt dated one millisecond past the clock-skew tolerance", ahead: RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS + 1 },
    { name: "refuses TIME_IN_FUTURE a receipt dated a year ahead", ahead: 365 * 24 * 60 * 60 * 1000 },
  ])(({ ahead }) => {
    const error = caught(() => readReceipt(document({ at: CONTEXT.now + ahead }), CONTEXT));
    expect(error).toMatchObject({ code: "TIME_IN_FUTURE" });
    expect(String((error as Error).message)).toContain("receipt.at");
  });
});
