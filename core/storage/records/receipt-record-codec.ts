import { assert } from "../../assert/assert.js";
import type { ReceiptSettlement, SettledLine } from "../../engine/receipt-settlement.js";
import type { ReceiptRecord } from "../shard-store.js";
import { decodeShares, shareFields } from "./account-codec.js";
import { arrayAt, hasExactKeys, nullableNumberAt, numberAt, packRecord, stringAt, unpackRecord } from "./record-packer.js";

/**
 * A keyed record (a receipt, refund, cancel, visit or adjustment) at rest:
 * its fingerprint, the first answer, and for a receipt what it settled.
 *
 * The answer is returned as is to every repeat, so decoding must give back
 * the very object that was stored, keys in the same order. A commit's answer
 * has one known shape; when an answer has exactly that shape it is stored by
 * position (no field names; the member, receipt id and transaction number
 * the key already says are left out), any other answer is stored as a map.
 * Either way decode(encode(record)) equals the record.
 */

const RECEIPT_RECORD_FORMAT = 1;
const ANSWER_AS_MAP = 0;
const ANSWER_OF_COMMIT = 1;

const COMMIT_ANSWER_KEYS = [
  "member",
  "receipt",
  "lines",
  "total",
  "discount",
  "pointsPaid",
  "payable",
  "points",
  "bonusPoints",
  "redeemable",
  "redeem",
  "discountBasisPoints",
  "rules",
  "programVersion",
  "balance",
  "transaction",
] as const;
const COMMIT_LINE_KEYS = ["sku", "amount", "discount", "pointsPaid", "payable", "points"] as const;
const RULE_EFFECTS = ["discount", "accrual", "bonus"] as const;
const SETTLED_LINE_FIELDS = 10;
/** A SHA-256 in base64url without padding. */
const FINGERPRINT_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function encodeReceiptRecord(record: ReceiptRecord): Buffer {
  return packRecord([
    RECEIPT_RECORD_FORMAT,
    encodeFingerprint(record.fingerprint),
    encodeAnswer(record),
    record.settlement === undefined ? null : settlementFields(record.settlement),
  ]);
}

export function decodeReceiptRecord(
  where: { readonly logicalShard: number; readonly memberId: string; readonly store: string; readonly receiptId: string },
  bytes: Uint8Array,
): ReceiptRecord {
  const what = `record ${where.receiptId} of store ${where.store}`;
  const fields = unpackRecord(bytes, what);
  assert(fields[0] === RECEIPT_RECORD_FORMAT, `${what}: format ${String(fields[0])} is known`);
  const settlement = fields[3];
  return {
    logicalShard: where.logicalShard,
    store: where.store,
    receiptId: where.receiptId,
    memberId: where.memberId,
    fingerprint: decodeFingerprint(fields[1], what),
    answer: decodeAnswer(arrayAt(fields, 2, what), where, what),
    ...(settlement === null ? {} : { settlement: decodeSettlement(settlement, what) }),
  };
}

function encodeFingerprint(fingerprint: string): string | Buffer {
  if (!FINGERPRINT_PATTERN.test(fingerprint)) return fingerprint;
  const bytes = Buffer.from(fingerprint, "base64url");
  return bytes.toString("base64url") === fingerprint ? bytes : fingerprint;
}

function decodeFingerprint(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  assert(value instanceof Uint8Array, `${what}: a fingerprint is a string or bytes`);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64url");
}

function encodeAnswer(record: ReceiptRecord): unknown[] {
  const answer = record.answer;
  if (!isCommitAnswerShape(answer)) return [ANSWER_AS_MAP, answer];
  const transaction = answer["transaction"];
  const transactionPrefix = `${record.memberId}-`;
  const transactionNumber =
    typeof transaction === "string" && transaction.startsWith(transactionPrefix) ? Number(transaction.slice(transactionPrefix.length)) : Number.NaN;
  const numbered = Number.isSafeInteger(transactionNumber) && `${transactionPrefix}${transactionNumber}` === transaction;
  return [
    ANSWER_OF_COMMIT,
    answer["member"] === record.memberId ? null : answer["member"],
    answer["receipt"] === record.receiptId ? null : answer["receipt"],
    (answer["lines"] as readonly Record<string, unknown>[]).flatMap((line) => COMMIT_LINE_KEYS.map((key) => line[key])),
    answer["total"],
    answer["discount"],
    answer["pointsPaid"],
    answer["payable"],
    answer["points"],
    answer["bonusPoints"],
    answer["redeemable"],
    answer["redeem"],
    answer["discountBasisPoints"],
    (answer["rules"] as readonly Record<string, unknown>[]).map((rule) => [
      rule["rule"],
      RULE_EFFECTS.indexOf(rule["effect"] as (typeof RULE_EFFECTS)[number]),
      "basisPoints" in rule ? rule["basisPoints"] : null,
      "points" in rule ? rule["points"] : null,
    ]),
    answer["programVersion"],
    answer["balance"],
    numbered ? transactionNumber : transaction,
  ];
}

/** Exactly a commit answer's keys, lines and rules of their known shapes, numbers where numbers go. */
function isCommitAnswerShape(answer: Readonly<Record<string, unknown>>): boolean {
  if (!hasExactKeys(answer, COMMIT_ANSWER_KEYS)) return false;
  const lines = answer["lines"];
  const rules = answer["rules"];
  if (!Array.isArray(lines) || !Array.isArray(rules)) return false;
  const linesFit = lines.every(
    (line: unknown) =>
      typeof line === "object" && line !== null && hasExactKeys(line, COMMIT_LINE_KEYS) && typeof (line as { sku: unknown }).sku === "string",
  );
  return linesFit && rules.every(isStorableRule);
}

function isStorableRule(rule: unknown): boolean {
  if (typeof rule !== "object" || rule === null) return false;
  const record = rule as Record<string, unknown>;
  const keys = ["rule", "effect", ...("basisPoints" in record ? ["basisPoints"] : []), ...("points" in record ? ["points"] : [])];
  return (
    hasExactKeys(record, keys) &&
    typeof record["rule"] === "string" &&
    RULE_EFFECTS.includes(record["effect"] as (typeof RULE_EFFECTS)[number]) &&
    (record["basisPoints"] === undefined || typeof record["basisPoints"] === "number") &&
    (record["points"] === undefined || typeof record["points"] === "number")
  );
}

function decodeAnswer(
  fields: readonly unknown[],
  where: { readonly memberId: string; readonly receiptId: string },
  what: string,
): Readonly<Record<string, unknown>> {
  if (fields[0] === ANSWER_AS_MAP) {
    const answer = fields[1];
    assert(typeof answer === "object" && answer !== null && !Array.isArray(answer), `${what}: a stored answer is a map`);
    return answer as Record<string, unknown>;
  }
  assert(fields[0] === ANSWER_OF_COMMIT, `${what}: answer form ${String(fields[0])} is known`);
  const flatLines = arrayAt(fields, 3, what);
  assert(flatLines.length % COMMIT_LINE_KEYS.length === 0, `${what}: answer lines come whole`);
  const lines: Record<string, unknown>[] = [];
  for (let at = 0; at < flatLines.length; at += COMMIT_LINE_KEYS.length) {
    const line: Record<string, unknown> = {};
    COMMIT_LINE_KEYS.forEach((key, index) => (line[key] = flatLines[at + index]));
    lines.push(line);
  }
  const transaction = fields[16];
  return {
    member: fields[1] === null ? where.memberId : fields[1],
    receipt: fields[2] === null ? where.receiptId : fields[2],
    lines,
    total: fields[4],
    discount: fields[5],
    pointsPaid: fields[6],
    payable: fields[7],
    points: fields[8],
    bonusPoints: fields[9],
    redeemable: fields[10],
    redeem: fields[11],
    discountBasisPoints: fields[12],
    rules: arrayAt(fields, 13, what).map((rule) => decodeRule(rule, what)),
    programVersion: fields[14],
    balance: fields[15],
    transaction: typeof transaction === "number" ? `${where.memberId}-${transaction}` : transaction,
  };
}

function decodeRule(value: unknown, what: string): Record<string, unknown> {
  assert(Array.isArray(value), `${what}: a rule is an array`);
  const effect = RULE_EFFECTS[numberAt(value, 1, what)];
  assert(effect !== undefined, `${what}: a rule's effect code is known`);
  const basisPoints = nullableNumberAt(value, 2, what);
  const points = nullableNumberAt(value, 3, what);
  return {
    rule: stringAt(value, 0, what),
    effect,
    ...(basisPoints === null ? {} : { basisPoints }),
    ...(points === null ? {} : { points }),
  };
}

function settlementFields(settlement: ReceiptSettlement): unknown[] {
  return [
    settlement.period,
    settlement.accruedLot,
    settlement.unreturnedShares.flatMap(shareFields),
    settlement.cancelled,
    settlement.lines.flatMap((line) => [
      line.quantity,
      line.amount,
      line.payable,
      line.points,
      line.redeemed,
      line.returnedQuantity,
      line.returnedAmount,
      line.returnedPayable,
      line.returnedPoints,
      line.returnedRedeemed,
    ]),
  ];
}

function decodeSettlement(value: unknown, what: string): ReceiptSettlement {
  assert(Array.isArray(value), `${what}: a settlement is an array`);
  const flatLines = arrayAt(value, 4, what);
  assert(flatLines.length % SETTLED_LINE_FIELDS === 0, `${what}: settled lines come whole`);
  const lines: SettledLine[] = [];
  for (let at = 0; at < flatLines.length; at += SETTLED_LINE_FIELDS) {
    lines.push({
      quantity: numberAt(flatLines, at, what),
      amount: numberAt(flatLines, at + 1, what),
      payable: numberAt(flatLines, at + 2, what),
      points: numberAt(flatLines, at + 3, what),
      redeemed: numberAt(flatLines, at + 4, what),
      returnedQuantity: numberAt(flatLines, at + 5, what),
      returnedAmount: numberAt(flatLines, at + 6, what),
      returnedPayable: numberAt(flatLines, at + 7, what),
      returnedPoints: numberAt(flatLines, at + 8, what),
      returnedRedeemed: numberAt(flatLines, at + 9, what),
    });
  }
  const cancelled = value[3];
  assert(typeof cancelled === "boolean", `${what}: cancelled is a boolean`);
  return {
    period: numberAt(value, 0, what),
    accruedLot: nullableNumberAt(value, 1, what),
    unreturnedShares: decodeShares(arrayAt(value, 2, what), what),
    lines,
    cancelled,
  };
}
