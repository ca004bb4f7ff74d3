import { assert } from "../../../domain/assert/assert.js";
import type { CampaignLotSettled, PeriodPaid, ReceiptPayment, ReceiptSettlement, SettledLine } from "../../../domain/engine/receipt-settlement.js";
import type { CountedPurchase } from "../../../domain/campaigns/campaign-purchases.js";
import type { CampaignDiscountSettled } from "../../../domain/campaigns/discount-budgets.js";
import type { ReceiptRecord } from "../shard-store.js";
import { readShares, writeShares } from "./account-codec.js";
import { hasExactKeys, isStorableInteger, readMap, writeMap } from "./record-packer.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * A keyed record (a receipt, refund, cancel, visit or adjustment) at rest:
 * its fingerprint, the first answer, and for a receipt what it settled. The
 * store, record id and member are in the key.
 *
 * The answer is returned as is to every repeat, so decoding must give back
 * the very object that was stored, keys in the same order. A commit's answer
 * has one known shape; an answer of exactly that shape (integers where the
 * shape has numbers) is stored field by field, leaving out the member,
 * receipt id and transaction number the key already says; so is a commit's
 * answer priced by a partner's own program, which has the partner after its
 * programVersion (written after the fields); any other answer is stored as a
 * MessagePack map. Either way read(write(record)) equals the record.
 */

const RECEIPT_RECORD_FORMAT = 1;
/** What follows the answer: nothing (not a receipt), a settlement, or a settlement and how a receipt paid in part stands. */
const SETTLEMENT_NONE = 0;
const SETTLEMENT_PAID_IN_FULL = 1;
const SETTLEMENT_PAID_IN_PART = 2;
/**
 * A settlement with parts forms 1 and 2 cannot say (campaigns'): a varint of
 * SETTLEMENT_PART_* flags follows, then the settlement, then each part
 * flagged, in flag order. Written only when a campaign part is there, so
 * every other receipt keeps its form 1 or 2 bytes.
 */
const SETTLEMENT_FLAGGED = 3;
const SETTLEMENT_PART_PAYMENT = 1;
const SETTLEMENT_PART_CAMPAIGN_PURCHASES = 2;
const SETTLEMENT_PART_CAMPAIGN_LOTS = 4;
/** The coupon the receipt presented. */
const SETTLEMENT_PART_COUPON = 8;
/** What campaigns with a discount budget gave, by line (domain/campaigns/discount-budgets.ts). */
const SETTLEMENT_PART_CAMPAIGN_DISCOUNTS = 16;
const SETTLEMENT_PARTS_KNOWN =
  SETTLEMENT_PART_PAYMENT | SETTLEMENT_PART_CAMPAIGN_PURCHASES | SETTLEMENT_PART_CAMPAIGN_LOTS | SETTLEMENT_PART_COUPON | SETTLEMENT_PART_CAMPAIGN_DISCOUNTS;
const FINGERPRINT_AS_TEXT = 0;
const FINGERPRINT_AS_SHA256 = 1;
const ANSWER_AS_MAP = 0;
const ANSWER_OF_COMMIT = 1;
/** A commit's answer with `programPartner` (docs/program.md, "Partners' own programs"): the commit's fields, then the partner. */
const ANSWER_OF_PARTNER_COMMIT = 2;
const SAME_AS_KEY = 0;
const AS_TEXT = 1;
const TRANSACTION_NUMBERED = 2;

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
/** A partner's own program's commit answer: the commit's keys with `programPartner` after `programVersion`. */
const PARTNER_COMMIT_ANSWER_KEYS = [...COMMIT_ANSWER_KEYS.slice(0, COMMIT_ANSWER_KEYS.indexOf("balance")), "programPartner", "balance", "transaction"] as const;
/** The integer fields of a commit's answer, in stored order. */
const COMMIT_ANSWER_INTEGERS = ["total", "discount", "pointsPaid", "payable", "points", "bonusPoints", "redeemable", "redeem", "discountBasisPoints", "programVersion", "balance"] as const;
const COMMIT_LINE_KEYS = ["sku", "amount", "discount", "pointsPaid", "payable", "points"] as const;
const COMMIT_LINE_INTEGERS = ["amount", "discount", "pointsPaid", "payable", "points"] as const;
const RULE_EFFECTS = ["discount", "accrual", "bonus"] as const;
const RULE_HAS_BASIS_POINTS = 4;
const RULE_HAS_POINTS = 8;
const FINGERPRINT_BYTES = 32;

type Answer = Readonly<Record<string, unknown>>;
type Where = { readonly logicalShard: number; readonly memberId: string; readonly store: string; readonly receiptId: string };

export function writeReceiptRecord(writer: RecordWriter, record: ReceiptRecord): void {
  writer.byte(RECEIPT_RECORD_FORMAT);
  writeFingerprint(writer, record.fingerprint);
  // Storage keeps any operation's answer: to the codec it is a map of fields.
  const answer = record.answer as Answer;
  if (isCommitAnswerShape(answer, COMMIT_ANSWER_KEYS)) writeCommitAnswer(writer, record.memberId, record.receiptId, answer, ANSWER_OF_COMMIT);
  else if (typeof answer["programPartner"] === "string" && isCommitAnswerShape(answer, PARTNER_COMMIT_ANSWER_KEYS)) {
    writeCommitAnswer(writer, record.memberId, record.receiptId, answer, ANSWER_OF_PARTNER_COMMIT);
    writer.string(answer["programPartner"]);
  } else {
    writer.byte(ANSWER_AS_MAP);
    writeMap(writer, answer);
  }
  if (record.settlement === undefined) writer.byte(SETTLEMENT_NONE);
  else if (!hasFlaggedPart(record.settlement)) {
    const payment = record.settlement.payment;
    writer.byte(payment === undefined ? SETTLEMENT_PAID_IN_FULL : SETTLEMENT_PAID_IN_PART);
    writeSettlement(writer, record.settlement);
    if (payment !== undefined) writePayment(writer, payment);
  } else writeFlaggedSettlement(writer, record.settlement);
}

/** Whether a settlement has a part forms 1 and 2 cannot say. */
function hasFlaggedPart(settlement: ReceiptSettlement): boolean {
  return settlement.campaignPurchases !== undefined || settlement.campaignLots !== undefined || settlement.coupon !== undefined || settlement.campaignDiscounts !== undefined;
}

function writeFlaggedSettlement(writer: RecordWriter, settlement: ReceiptSettlement): void {
  const { payment, campaignPurchases, campaignLots, coupon, campaignDiscounts } = settlement;
  writer.byte(SETTLEMENT_FLAGGED);
  writer.uint(
    (payment === undefined ? 0 : SETTLEMENT_PART_PAYMENT) |
      (campaignPurchases === undefined ? 0 : SETTLEMENT_PART_CAMPAIGN_PURCHASES) |
      (campaignLots === undefined ? 0 : SETTLEMENT_PART_CAMPAIGN_LOTS) |
      (coupon === undefined ? 0 : SETTLEMENT_PART_COUPON) |
      (campaignDiscounts === undefined ? 0 : SETTLEMENT_PART_CAMPAIGN_DISCOUNTS),
  );
  writeSettlement(writer, settlement);
  if (payment !== undefined) writePayment(writer, payment);
  if (campaignPurchases !== undefined) {
    writer.uint(campaignPurchases.length);
    for (const counted of campaignPurchases) {
      writer.string(counted.campaign);
      writer.int(counted.startsAt);
    }
  }
  if (campaignLots !== undefined) {
    writer.uint(campaignLots.length);
    for (const lot of campaignLots) {
      writer.uint(lot.lot);
      writer.uint(lot.points);
      writer.uint(lot.revoked);
      writer.string(lot.campaign);
      writer.boolean(lot.budgeted);
    }
  }
  if (coupon !== undefined) writer.string(coupon);
  if (campaignDiscounts !== undefined) writeCampaignDiscounts(writer, campaignDiscounts);
}

function writeCampaignDiscounts(writer: RecordWriter, discounts: readonly CampaignDiscountSettled[]): void {
  writer.uint(discounts.length);
  for (const { campaign, lines } of discounts) {
    writer.string(campaign);
    writer.uint(lines.length);
    for (const { line, discount } of lines) {
      writer.uint(line);
      writer.uint(discount);
    }
  }
}

function readCampaignDiscounts(reader: RecordReader): CampaignDiscountSettled[] {
  const discounts: CampaignDiscountSettled[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    const campaign = reader.string();
    const lines: { line: number; discount: number }[] = [];
    for (let lineCount = reader.uint(); lineCount > 0; lineCount -= 1) lines.push({ line: reader.uint(), discount: reader.uint() });
    discounts.push({ campaign, lines });
  }
  return discounts;
}

/** A flagged settlement's parts (SETTLEMENT_FLAGGED), keys in the order the engine builds them. */
function readFlaggedSettlement(reader: RecordReader, what: string): ReceiptSettlement {
  const parts = reader.uint();
  if ((parts & ~SETTLEMENT_PARTS_KNOWN) !== 0) assert(false, `${what}: settlement parts ${parts} are known`);
  const settled = readSettlement(reader, what);
  const payment = (parts & SETTLEMENT_PART_PAYMENT) !== 0 ? readPayment(reader) : undefined;
  let campaignPurchases: CountedPurchase[] | undefined;
  if ((parts & SETTLEMENT_PART_CAMPAIGN_PURCHASES) !== 0) {
    campaignPurchases = [];
    for (let count = reader.uint(); count > 0; count -= 1) campaignPurchases.push({ campaign: reader.string(), startsAt: reader.int() });
  }
  let campaignLots: CampaignLotSettled[] | undefined;
  if ((parts & SETTLEMENT_PART_CAMPAIGN_LOTS) !== 0) {
    campaignLots = [];
    for (let count = reader.uint(); count > 0; count -= 1) campaignLots.push({ lot: reader.uint(), points: reader.uint(), revoked: reader.uint(), campaign: reader.string(), budgeted: reader.boolean() });
  }
  const coupon = (parts & SETTLEMENT_PART_COUPON) !== 0 ? reader.string() : undefined;
  const campaignDiscounts = (parts & SETTLEMENT_PART_CAMPAIGN_DISCOUNTS) !== 0 ? readCampaignDiscounts(reader) : undefined;
  // Keys in the order the engine builds them: the coupon last (commit-receipt.ts adds it).
  return {
    ...settled,
    ...(payment === undefined ? {} : { payment }),
    ...(campaignPurchases === undefined ? {} : { campaignPurchases }),
    ...(campaignLots === undefined ? {} : { campaignLots }),
    ...(campaignDiscounts === undefined ? {} : { campaignDiscounts }),
    ...(coupon === undefined ? {} : { coupon }),
  };
}

export function readReceiptRecord(where: Where, bytes: Uint8Array): ReceiptRecord {
  const what = `record ${where.receiptId} of store ${where.store}`;
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== RECEIPT_RECORD_FORMAT) assert(false, `${what}: format ${format} is known`);
  const fingerprint = readFingerprint(reader, what);
  const answerForm = reader.byte();
  if (answerForm > ANSWER_OF_PARTNER_COMMIT) assert(false, `${what}: answer form ${answerForm} is known`);
  let answer = answerForm === ANSWER_AS_MAP ? readMap(reader) : readCommitAnswer(reader, where, what);
  if (answerForm === ANSWER_OF_PARTNER_COMMIT) answer = withProgramPartner(answer, reader.string());
  const settlementForm = reader.byte();
  if (settlementForm > SETTLEMENT_FLAGGED) assert(false, `${what}: settlement form ${settlementForm} is known`);
  const settled = settlementForm === SETTLEMENT_NONE || settlementForm === SETTLEMENT_FLAGGED ? undefined : readSettlement(reader, what);
  const settlement =
    settlementForm === SETTLEMENT_FLAGGED
      ? readFlaggedSettlement(reader, what)
      : settled !== undefined && settlementForm === SETTLEMENT_PAID_IN_PART ? { ...settled, payment: readPayment(reader) } : settled;
  assert(reader.done, `${what}: the record ends after its settlement`);
  return {
    logicalShard: where.logicalShard,
    store: where.store,
    receiptId: where.receiptId,
    memberId: where.memberId,
    fingerprint,
    answer,
    ...(settlement === undefined ? {} : { settlement }),
  };
}

function writeFingerprint(writer: RecordWriter, fingerprint: string): void {
  const bytes = sha256OfBase64url(fingerprint);
  if (bytes !== null) {
    writer.byte(FINGERPRINT_AS_SHA256);
    writer.bytes(bytes);
    return;
  }
  writer.byte(FINGERPRINT_AS_TEXT);
  writer.string(fingerprint);
}

/** One SHA-256 decoded (written for every commit: one buffer reused, no regular expression, no string made to compare). */
const decodedFingerprint = new Uint8Array(FINGERPRINT_BYTES);

/**
 * The 32 bytes `fingerprint` spells when it is exactly how base64url writes
 * a SHA-256 (43 characters of its alphabet, no padding, the last one's two
 * unused bits zero: text that decodes to 32 bytes that encode back to it),
 * else null. The bytes are valid until the next call.
 */
export function sha256OfBase64url(fingerprint: string): Uint8Array | null {
  if (fingerprint.length !== FINGERPRINT_BASE64URL_CHARACTERS) return null;
  let bits = 0;
  let bitCount = 0;
  let at = 0;
  for (let index = 0; index < FINGERPRINT_BASE64URL_CHARACTERS; index += 1) {
    const value = base64urlValue(fingerprint.charCodeAt(index));
    if (value < 0) return null;
    bits = ((bits << 6) | value) & 0xffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      decodedFingerprint[at++] = (bits >>> bitCount) & 0xff;
    }
  }
  // 43 characters are 258 bits: 256 bits of hash and two that must be zero for the text to be canonical.
  if ((bits & ((1 << bitCount) - 1)) !== 0) return null;
  return decodedFingerprint;
}

/** A SHA-256 in base64url without padding is this long. */
const FINGERPRINT_BASE64URL_CHARACTERS = 43;

/** The value of a base64url character, or -1 for any other. */
function base64urlValue(code: number): number {
  if (code >= 0x41 && code <= 0x5a) return code - 0x41; // A-Z
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 26; // a-z
  if (code >= 0x30 && code <= 0x39) return code - 0x30 + 52; // 0-9
  if (code === 0x2d) return 62; // -
  if (code === 0x5f) return 63; // _
  return -1;
}

function readFingerprint(reader: RecordReader, what: string): string {
  const form = reader.byte();
  if (form === FINGERPRINT_AS_TEXT) return reader.string();
  assert(form === FINGERPRINT_AS_SHA256, `${what}: fingerprint form ${form} is known`);
  const bytes = reader.slice(FINGERPRINT_BYTES);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** A commit answer read back, with its partner's own program in its place: after programVersion. */
function withProgramPartner(answer: Answer, programPartner: string): Answer {
  const { balance, transaction, ...fields } = answer;
  return { ...fields, programPartner, balance, transaction };
}

/** Exactly a commit answer's keys (`keys`), lines and rules of their known shapes, safe integers where numbers go. */
function isCommitAnswerShape(answer: Answer, keys: readonly string[]): boolean {
  if (!hasExactKeys(answer, keys)) return false;
  if (typeof answer["member"] !== "string" || typeof answer["receipt"] !== "string" || typeof answer["transaction"] !== "string") return false;
  for (const key of COMMIT_ANSWER_INTEGERS) if (!isStorableInteger(answer[key])) return false;
  const lines = answer["lines"];
  const rules = answer["rules"];
  if (!Array.isArray(lines) || !Array.isArray(rules)) return false;
  for (const line of lines as unknown[]) {
    if (typeof line !== "object" || line === null || !hasExactKeys(line, COMMIT_LINE_KEYS)) return false;
    const fields = line as Record<string, unknown>;
    if (typeof fields["sku"] !== "string") return false;
    for (const key of COMMIT_LINE_INTEGERS) if (!isStorableInteger(fields[key])) return false;
  }
  return (rules as unknown[]).every(isStorableRule);
}

function isStorableRule(rule: unknown): boolean {
  if (typeof rule !== "object" || rule === null) return false;
  const fields = rule as Record<string, unknown>;
  const hasBasisPoints = "basisPoints" in fields;
  const hasPoints = "points" in fields;
  const keys = hasBasisPoints ? (hasPoints ? RULE_KEYS_BOTH : RULE_KEYS_BASIS_POINTS) : hasPoints ? RULE_KEYS_POINTS : RULE_KEYS_NONE;
  return (
    hasExactKeys(fields, keys) &&
    typeof fields["rule"] === "string" &&
    RULE_EFFECTS.includes(fields["effect"] as (typeof RULE_EFFECTS)[number]) &&
    (!hasBasisPoints || isStorableInteger(fields["basisPoints"])) &&
    (!hasPoints || isStorableInteger(fields["points"]))
  );
}

const RULE_KEYS_NONE = ["rule", "effect"];
const RULE_KEYS_BASIS_POINTS = ["rule", "effect", "basisPoints"];
const RULE_KEYS_POINTS = ["rule", "effect", "points"];
const RULE_KEYS_BOTH = ["rule", "effect", "basisPoints", "points"];

function writeCommitAnswer(writer: RecordWriter, memberId: string, receiptId: string, answer: Answer, form: number): void {
  writer.byte(form);
  writeSameOrText(writer, answer["member"] as string, memberId);
  writeSameOrText(writer, answer["receipt"] as string, receiptId);
  const lines = answer["lines"] as readonly Record<string, unknown>[];
  writer.uint(lines.length);
  for (const line of lines) {
    writer.string(line["sku"] as string);
    for (const key of COMMIT_LINE_INTEGERS) writer.int(line[key] as number);
  }
  for (const key of COMMIT_ANSWER_INTEGERS) writer.int(answer[key] as number);
  const rules = answer["rules"] as readonly Record<string, unknown>[];
  writer.uint(rules.length);
  for (const rule of rules) {
    const basisPoints = rule["basisPoints"];
    const points = rule["points"];
    writer.string(rule["rule"] as string);
    const flags =
      RULE_EFFECTS.indexOf(rule["effect"] as (typeof RULE_EFFECTS)[number]) |
      (basisPoints === undefined ? 0 : RULE_HAS_BASIS_POINTS) |
      (points === undefined ? 0 : RULE_HAS_POINTS);
    writer.byte(flags);
    if (basisPoints !== undefined) writer.int(basisPoints as number);
    if (points !== undefined) writer.int(points as number);
  }
  writeTransaction(writer, answer["transaction"] as string, memberId);
}

function readCommitAnswer(reader: RecordReader, where: Where, what: string): Answer {
  const member = readSameOrText(reader, where.memberId, what);
  const receipt = readSameOrText(reader, where.receiptId, what);
  const lines: Record<string, unknown>[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    lines.push({ sku: reader.string(), amount: reader.int(), discount: reader.int(), pointsPaid: reader.int(), payable: reader.int(), points: reader.int() });
  }
  const [total, discount, pointsPaid, payable, points, bonusPoints, redeemable, redeem, discountBasisPoints, programVersion, balance] = COMMIT_ANSWER_INTEGERS.map(() =>
    reader.int(),
  );
  const rules: Record<string, unknown>[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    const rule = reader.string();
    const flags = reader.byte();
    const effect = RULE_EFFECTS[flags & 3];
    assert(effect !== undefined, `${what}: a rule's effect code is known`);
    const basisPoints = (flags & RULE_HAS_BASIS_POINTS) !== 0 ? reader.int() : undefined;
    const rulePoints = (flags & RULE_HAS_POINTS) !== 0 ? reader.int() : undefined;
    rules.push({ rule, effect, ...(basisPoints === undefined ? {} : { basisPoints }), ...(rulePoints === undefined ? {} : { points: rulePoints }) });
  }
  const transaction = readTransaction(reader, where.memberId, what);
  return { member, receipt, lines, total, discount, pointsPaid, payable, points, bonusPoints, redeemable, redeem, discountBasisPoints, rules, programVersion, balance, transaction };
}

function writeSameOrText(writer: RecordWriter, value: string, fromKey: string): void {
  if (value === fromKey) writer.byte(SAME_AS_KEY);
  else {
    writer.byte(AS_TEXT);
    writer.string(value);
  }
}

function readSameOrText(reader: RecordReader, fromKey: string, what: string): string {
  const form = reader.byte();
  if (form === SAME_AS_KEY) return fromKey;
  assert(form === AS_TEXT, `${what}: a text form is known`);
  return reader.string();
}

/** A commit's transaction is "<member>-<sequence>": stored as the sequence when it is exactly that. */
function writeTransaction(writer: RecordWriter, transaction: string, memberId: string): void {
  const prefix = `${memberId}-`;
  if (transaction.startsWith(prefix)) {
    const number = Number(transaction.slice(prefix.length));
    if (Number.isSafeInteger(number) && number >= 0 && `${prefix}${number}` === transaction) {
      writer.byte(TRANSACTION_NUMBERED);
      writer.uint(number);
      return;
    }
  }
  writer.byte(AS_TEXT);
  writer.string(transaction);
}

function readTransaction(reader: RecordReader, memberId: string, what: string): string {
  const form = reader.byte();
  if (form === TRANSACTION_NUMBERED) return `${memberId}-${reader.uint()}`;
  assert(form === AS_TEXT, `${what}: a transaction form is known`);
  return reader.string();
}

function writeSettlement(writer: RecordWriter, settlement: ReceiptSettlement): void {
  writer.int(settlement.period);
  writer.nullableUint(settlement.accruedLot);
  writeShares(writer, settlement.unreturnedShares);
  writer.boolean(settlement.cancelled);
  writer.uint(settlement.lines.length);
  for (const line of settlement.lines) {
    writer.int(line.quantity);
    writer.int(line.amount);
    writer.int(line.payable);
    writer.int(line.points);
    writer.int(line.redeemed);
    writer.int(line.returnedQuantity);
    writer.int(line.returnedAmount);
    writer.int(line.returnedPayable);
    writer.int(line.returnedPoints);
    writer.int(line.returnedRedeemed);
  }
}

function readSettlement(reader: RecordReader, what: string): ReceiptSettlement {
  const period = reader.int();
  const accruedLot = reader.nullableUint();
  const unreturnedShares = readShares(reader, what);
  const cancelled = reader.boolean();
  const lines: SettledLine[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    lines.push({
      quantity: reader.int(),
      amount: reader.int(),
      payable: reader.int(),
      points: reader.int(),
      redeemed: reader.int(),
      returnedQuantity: reader.int(),
      returnedAmount: reader.int(),
      returnedPayable: reader.int(),
      returnedPoints: reader.int(),
      returnedRedeemed: reader.int(),
    });
  }
  // Keys in the order settleReceipt builds them.
  return { period, accruedLot, unreturnedShares, cancelled, lines };
}

function writePayment(writer: RecordWriter, payment: ReceiptPayment): void {
  writer.uint(payment.unpaid);
  writer.uint(payment.paidByPeriod.length);
  for (const entry of payment.paidByPeriod) {
    writer.int(entry.period);
    writer.uint(entry.paid);
  }
}

function readPayment(reader: RecordReader): ReceiptPayment {
  const unpaid = reader.uint();
  const paidByPeriod: PeriodPaid[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) paidByPeriod.push({ period: reader.int(), paid: reader.uint() });
  return { unpaid, paidByPeriod };
}
