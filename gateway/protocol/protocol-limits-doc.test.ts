import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CARD_NUMBER_LENGTH_MAX,
  CLIENT_IDENTIFIER_LENGTH_MAX,
  LINE_AMOUNT_MINOR_MAX,
  LINE_QUANTITY_MAX,
  MEMBER_NAME_LENGTH_MAX,
  PHONE_DIGITS_MAX,
  PHONE_DIGITS_MIN,
  POINTS_BALANCE_MAX,
  RECEIPT_LINES_MAX,
  RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS,
  RECEIPT_TIME_MIN_EPOCH_MILLISECONDS,
  RECEIPT_TOTAL_MINOR_MAX,
} from "../../domain/limits.js";
import { LINE_QUANTITY_MIN } from "../../domain/limits.js";
import {
  CONNECTION_BACKPRESSURE_BYTES_MAX,
  CONNECTION_IDLE_TIMEOUT_SECONDS,
  CONNECTION_IN_FLIGHT_MAX,
  REQUEST_BYTES_MAX,
  REQUEST_ID_LENGTH_MAX,
  WEBSOCKET_FRAME_BYTES_HARD_MAX,
} from "../transport/limits.js";

const protocolPage = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
const BYTES_PER_KIBIBYTE = 1024;
const BYTES_PER_MEBIBYTE = 1024 * 1024;

/** Numbers as the page writes them: 1,000,000. */
function formatted(value: number): string {
  return value.toLocaleString("en-US");
}

/** The second cell of the page's table row whose first cell is `firstCell`. */
function documented(firstCell: string): string {
  const start = `| ${firstCell} | `;
  const row = protocolPage.split("\n").find((line) => line.startsWith(start));
  if (row === undefined) throw new Error(`docs/protocol.md has no table row "${firstCell}"`);
  return row.slice(start.length).replace(/ \|$/, "").split(" | ")[0] ?? "";
}

describe("docs/protocol.md's limits", () => {
  it("state the field limits the request readers enforce", () => {
    expect(documented("`receipt.lines[].qty`, `refund.lines[].qty`")).toBe(`a number from ${LINE_QUANTITY_MIN} to ${formatted(LINE_QUANTITY_MAX)}`);
    expect(documented("`receipt.lines[].price`, `receipt.lines[].amount`")).toBe(
      `an integer from 0 to ${formatted(LINE_AMOUNT_MINOR_MAX)} minor units`,
    );
    expect(documented("sum of `receipt.lines[].amount`")).toBe(`at most ${formatted(RECEIPT_TOTAL_MINOR_MAX)} minor units`);
    expect(documented("`receipt.lines`")).toBe(`1 to ${RECEIPT_LINES_MAX} lines`);
    expect(documented("`refund.lines`")).toBe(`1 to ${RECEIPT_LINES_MAX} lines`);
    expect(documented("`refund.lines[].line`")).toBe(`an integer from 0 to ${RECEIPT_LINES_MAX - 1}`);
    expect(documented("`redeem` (calculate, commit)")).toBe(`an integer from 0 to ${formatted(POINTS_BALANCE_MAX)} points`);
    expect(
      documented("`receipt.id`, `receipt.store`, `receipt.lines[].sku`, `refund.id`, `refund.receipt`, `visit.id`, cancel's `receipt`"),
    ).toBe(`1 to ${CLIENT_IDENTIFIER_LENGTH_MAX} printable ASCII characters`);
    expect(documented("`card`")).toBe(`1 to ${CARD_NUMBER_LENGTH_MAX} characters from \`0-9 A-Z a-z -\``);
    expect(documented("`phone`")).toBe(`${PHONE_DIGITS_MIN} to ${PHONE_DIGITS_MAX} digits, optionally after a \`+\``);
    expect(documented("`name`")).toBe(`1 to ${MEMBER_NAME_LENGTH_MAX} characters`);
    expect(documented("request `id` (WebSocket)")).toBe(`an integer from 0 to 2^53 - 1, or 1 to ${REQUEST_ID_LENGTH_MAX} characters`);
    expect(Number.MAX_SAFE_INTEGER).toBe(2 ** 53 - 1);
    const earliest = new Date(RECEIPT_TIME_MIN_EPOCH_MILLISECONDS).toISOString().slice(0, 10);
    expect(documented("`receipt.at`, `visit.at`")).toContain(
      `from ${earliest} to ${RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS / 60_000} minutes ahead of the server's clock`,
    );
  });

  it("state the transport limits the gateway enforces", () => {
    expect(documented("WebSocket frame, request handled")).toBe(`${REQUEST_BYTES_MAX / BYTES_PER_KIBIBYTE} KiB`);
    expect(documented("WebSocket frame, hard")).toBe(`${WEBSOCKET_FRAME_BYTES_HARD_MAX / BYTES_PER_MEBIBYTE} MiB`);
    expect(documented("HTTP body")).toBe(`${REQUEST_BYTES_MAX / BYTES_PER_KIBIBYTE} KiB`);
    expect(documented("requests in flight per connection")).toBe(formatted(CONNECTION_IN_FLIGHT_MAX));
    expect(documented("queued output per connection")).toBe(`${CONNECTION_BACKPRESSURE_BYTES_MAX / BYTES_PER_MEBIBYTE} MiB`);
    expect(documented("idle connection")).toBe(`${CONNECTION_IDLE_TIMEOUT_SECONDS} s`);
    expect(documented("receipt lines")).toBe(String(RECEIPT_LINES_MAX));
    expect(documented("refund lines")).toBe(String(RECEIPT_LINES_MAX));
  });

  it("give calculate's bounds in its prose as the table does", () => {
    expect(protocolPage).toContain(`\`qty\` is a number from ${LINE_QUANTITY_MIN} to ${formatted(LINE_QUANTITY_MAX)}`);
    expect(10 ** 11).toBe(RECEIPT_TOTAL_MINOR_MAX);
    expect(protocolPage).toContain("integer minor units from 0 to\n  10^11");
    expect(10 ** 15).toBe(POINTS_BALANCE_MAX);
    expect(protocolPage).toContain("an integer from 0 (the default) to 10^15");
  });
});
