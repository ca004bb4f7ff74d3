import { pack } from "msgpackr";
import { MemberWriter } from "./member-source.js";
import type { MemberSource } from "./member-source.js";
import type { EncodedBasket } from "./receipt-mix.js";

/**
 * Builds the load's request frames into one reused scratch buffer from pieces encoded once: keys,
 * operation names, the baskets; the member's card or phone is written by a MemberWriter (digits in place
 * for demo-numbered members). Only the changing parts are written per
 * request, in fixed-width forms (the request id as a msgpack uint32, the receipt id as a string of
 * fixed length, `at` as a uint64), so building a frame allocates nothing.
 */

/** Frames are at most a 500-line receipt, about 25 KiB; loycore refuses more than 64 KiB anyway. */
const SCRATCH_BYTES = 64 * 1024;

/** Digits of the receipt counter in receipt ids: ten billion receipts per worker per run. */
const RECEIPT_NUMBER_DIGITS = 10;

function encoded(value: unknown): Buffer {
  return Buffer.from(pack(value));
}

const KEY_ID = encoded("id");
const KEY_OP = encoded("op");
const KEY_CARD = encoded("card");
const KEY_PHONE = encoded("phone");
const KEY_RECEIPT = encoded("receipt");
const KEY_AT = encoded("at");
const KEY_LINES = encoded("lines");
const KEY_REDEEM = encoded("redeem");
const KEY_REFUND = encoded("refund");
const OP_IDENTIFY = encoded("identify");
const OP_CALCULATE = encoded("calculate");
const OP_COMMIT = encoded("commit");
const OP_REFUND = encoded("refund");
/** A return of one item of the receipt's first line: `lines: [{ line: 0, qty: 1 }]`. */
const REFUND_LINES = encoded([{ line: 0, qty: 1 }]);
const REFUND_SUFFIX = Buffer.from("-r", "latin1");

/** The receipt being built: which member, how identified, which basket, its number and time. */
export interface ReceiptIdentity {
  memberIndex: number;
  byPhone: boolean;
  basketIndex: number;
  receiptNumber: number;
  /** `receipt.at`, epoch milliseconds. */
  at: number;
}

export class RequestEncoder {
  readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private length = 0;
  private readonly members: MemberWriter;
  /** "<run>-<worker>-": the fixed part of every receipt id this worker makes. */
  private readonly receiptIdPrefix: Buffer;

  constructor(
    members: MemberSource,
    private readonly baskets: readonly EncodedBasket[],
    runIdentifier: string,
    workerIndex: number,
  ) {
    this.members = new MemberWriter(members);
    this.receiptIdPrefix = Buffer.from(`${runIdentifier}-${workerIndex}-`, "latin1");
  }

  /** Members the load draws from. */
  get memberCount(): number {
    return this.members.count;
  }

  /** True when the member has a phone the load may identify them by. */
  hasPhone(memberIndex: number): boolean {
    return this.members.hasPhone(memberIndex);
  }

  /** `{ id, op: "identify", card | phone }`; returns the frame's length in `scratch`. */
  identify(requestId: number, receipt: ReceiptIdentity): number {
    this.length = 0;
    this.mapHeader(3);
    this.requestId(requestId);
    this.operation(OP_IDENTIFY);
    this.member(receipt);
    return this.length;
  }

  /** `{ id, op: "calculate", card | phone, receipt }`. */
  calculate(requestId: number, receipt: ReceiptIdentity): number {
    this.length = 0;
    this.mapHeader(4);
    this.requestId(requestId);
    this.operation(OP_CALCULATE);
    this.member(receipt);
    this.receipt(receipt);
    return this.length;
  }

  /** `{ id, op: "commit", card | phone, receipt, redeem? }` (redeem only when above 0). */
  commit(requestId: number, receipt: ReceiptIdentity, redeem: number): number {
    this.length = 0;
    this.mapHeader(redeem > 0 ? 5 : 4);
    this.requestId(requestId);
    this.operation(OP_COMMIT);
    this.member(receipt);
    this.receipt(receipt);
    if (redeem > 0) {
      this.raw(KEY_REDEEM);
      this.uint32(redeem);
    }
    return this.length;
  }

  /** `{ id, op: "refund", card | phone, refund: { id: "<receipt id>-r", receipt, lines: [{ line: 0, qty: 1 }] } }`. */
  refund(requestId: number, receipt: ReceiptIdentity): number {
    this.length = 0;
    this.mapHeader(4);
    this.requestId(requestId);
    this.operation(OP_REFUND);
    this.member(receipt);
    this.raw(KEY_REFUND);
    this.mapHeader(3);
    this.raw(KEY_ID);
    this.receiptId(receipt.receiptNumber, REFUND_SUFFIX);
    this.raw(KEY_RECEIPT);
    this.receiptId(receipt.receiptNumber, undefined);
    this.raw(KEY_LINES);
    this.raw(REFUND_LINES);
    return this.length;
  }

  /** The receipt id as the server sees it (for tests and notes). */
  receiptIdText(receiptNumber: number): string {
    return `${this.receiptIdPrefix.toString("latin1")}${String(receiptNumber).padStart(RECEIPT_NUMBER_DIGITS, "0")}`;
  }

  private mapHeader(entries: number): void {
    this.scratch[this.length] = 0x80 | entries;
    this.length += 1;
  }

  private requestId(requestId: number): void {
    this.raw(KEY_ID);
    this.uint32(requestId);
  }

  private operation(name: Buffer): void {
    this.raw(KEY_OP);
    this.raw(name);
  }

  private member(receipt: ReceiptIdentity): void {
    const index = receipt.memberIndex;
    if (receipt.byPhone) {
      this.raw(KEY_PHONE);
      this.length = this.members.writePhone(index, this.scratch, this.length);
    } else {
      this.raw(KEY_CARD);
      this.length = this.members.writeCard(index, this.scratch, this.length);
    }
  }

  private receipt(receipt: ReceiptIdentity): void {
    const basket = this.baskets[receipt.basketIndex];
    if (basket === undefined) throw new Error(`no basket ${receipt.basketIndex}`);
    this.raw(KEY_RECEIPT);
    this.mapHeader(3);
    this.raw(KEY_ID);
    this.receiptId(receipt.receiptNumber, undefined);
    this.raw(KEY_AT);
    this.uint64(receipt.at);
    this.raw(KEY_LINES);
    this.raw(basket.linesBytes);
  }

  /** The receipt id "<run>-<worker>-<10 digits>" (+ suffix) as one msgpack string, digits written in place. */
  private receiptId(receiptNumber: number, suffix: Buffer | undefined): void {
    const textLength = this.receiptIdPrefix.length + RECEIPT_NUMBER_DIGITS + (suffix?.length ?? 0);
    if (textLength < 32) {
      this.scratch[this.length] = 0xa0 | textLength;
      this.length += 1;
    } else {
      this.scratch[this.length] = 0xd9;
      this.scratch[this.length + 1] = textLength;
      this.length += 2;
    }
    this.raw(this.receiptIdPrefix);
    let remaining = receiptNumber;
    for (let digit = RECEIPT_NUMBER_DIGITS - 1; digit >= 0; digit -= 1) {
      this.scratch[this.length + digit] = 0x30 + (remaining % 10);
      remaining = Math.floor(remaining / 10);
    }
    this.length += RECEIPT_NUMBER_DIGITS;
    if (suffix !== undefined) this.raw(suffix);
  }

  private uint32(value: number): void {
    this.scratch[this.length] = 0xce;
    this.scratch.writeUInt32BE(value >>> 0, this.length + 1);
    this.length += 5;
  }

  private uint64(value: number): void {
    this.scratch[this.length] = 0xcf;
    this.scratch.writeUInt32BE(Math.floor(value / 2 ** 32), this.length + 1);
    this.scratch.writeUInt32BE(value >>> 0, this.length + 5);
    this.length += 9;
  }

  private raw(bytes: Buffer): void {
    bytes.copy(this.scratch, this.length);
    this.length += bytes.length;
  }
}
