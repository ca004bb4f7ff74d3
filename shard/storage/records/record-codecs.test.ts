import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { readString } from "../../../domain/validation/fields.js";
import { describe, expect, it } from "vitest";
import { openAccount, profileConsent, profileEmail, withContact, type Account, type MemberProfile } from "../../../domain/account/account.js";
import type { AccountCounters, PeriodTotals } from "../../../domain/account/counters.js";
import { InvariantError } from "../../../domain/assert/assert.js";
import { settleReceipt, type ReceiptSettlement, type SettledLine } from "../../../domain/engine/receipt-settlement.js";
import { accrueLot, EMPTY_LEDGER, settleLedger, type Ledger, type PrunedExpiry } from "../../../domain/ledger/ledger.js";
import { LOT_SOURCES, type Hold, type Lot, type LotShare } from "../../../domain/ledger/lot.js";
import { decodeMutations } from "../mutation-payload.js";
import type { Mutation } from "../mutation.js";
import { encodeOperation, writeMutations } from "../mutations.js";
import {
  ACCOUNT_KIND,
  accountKey,
  afterMember,
  decodeKey,
  HISTORY_KIND,
  historyKey,
  keyString,
  LOT_CHUNK_KIND,
  lotChunkKey,
  logicalShardRange,
  memberKindRange,
  RECORD_KIND,
  recordKey,
} from "../record-keys.js";
import type { ActivityRecord, ReceiptRecord, ShardWrite } from "../shard-store.js";
import {
  LOTS_PER_CHUNK,
  lotsByChunk,
  readAccount,
  readLotChunk,
  readShares,
  receiptReferenceStore,
  writeAccount,
  writeLotChunk,
  writeShares,
} from "./account-codec.js";
import { readHistory, writeHistory } from "./history-codec.js";
import { readReceiptRecord, sha256OfBase64url, writeReceiptRecord } from "./receipt-record-codec.js";
import { hasExactKeys } from "./record-packer.js";
import { RecordReader, RecordWriter } from "./record-writer.js";

/**
 * Property tests of the stored-record codecs: what a codec writes, it reads
 * back deep-equal and with every object's keys in the same order (a stored
 * answer is re-sent to clients byte for byte), for every value the domain
 * can produce and for any free-form answer or history detail (the map
 * fallback). Cases that do not hold today are `it.fails`, each with the
 * smallest input that shows it.
 */

/** fast-check runs per property: a few hundred, the whole file within a few seconds. */
const RUNS = 300;
/** Runs for the properties that build whole accounts and operations (each run is larger). */
const HEAVY_RUNS = 200;

// ---------------------------------------------------------------------------
// Helpers

/** Deep-equal and the same JSON text (JSON.stringify follows key order, so this also checks it). */
function expectSameValue(actual: unknown, expected: unknown): void {
  expect(actual).toEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

function written(write: (writer: RecordWriter) => void): Buffer {
  const writer = new RecordWriter();
  write(writer);
  return Buffer.from(writer.finish());
}

/** The account's record and its lot chunks (chunk order), as the store keeps them. */
function accountRecords(account: Account): { core: Buffer; chunks: Buffer[] } {
  const core = written((writer) => writeAccount(writer, account));
  const chunks = [...lotsByChunk(account.ledger.lots).entries()]
    .sort((left, right) => left[0] - right[0])
    .map(([, lots]) => written((writer) => writeLotChunk(writer, lots)));
  return { core, chunks };
}

function accountRoundTrip(account: Account): Account {
  const { core, chunks } = accountRecords(account);
  return readAccount(account.logicalShard, account.memberId, core, chunks);
}

function receiptRoundTrip(record: ReceiptRecord): ReceiptRecord {
  const bytes = written((writer) => writeReceiptRecord(writer, record));
  return readReceiptRecord(record, bytes);
}


/** The answer form a receipt record was stored in: 1 positional (a commit's shape), 0 a MessagePack map. */
function storedAnswerForm(bytes: Uint8Array): number {
  const reader = new RecordReader(bytes, "test");
  reader.byte();
  if (reader.byte() === 1) reader.slice(32);
  else reader.string();
  return reader.byte();
}

/** The detail form a history entry was stored in: 1 positional (a committed receipt's), 0 a map. */
function storedDetailForm(bytes: Uint8Array): number {
  const reader = new RecordReader(bytes, "test");
  reader.byte();
  reader.int();
  reader.string();
  return reader.byte();
}

/** Bytes of an LEB128 varint of `value`. */
function varintLength(value: number): number {
  let length = 1;
  for (let rest = BigInt(value); rest >= 128n; rest >>= 7n) length += 1;
  return length;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

// ---------------------------------------------------------------------------
// Arbitraries: primitives

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** The integers zigzag encoding can take: 2 * |n| must stay a safe integer (see the it.fails cases below). */
const ZIGZAG_MIN = -(2 ** 52 - 1);
const ZIGZAG_MAX = 2 ** 52 - 1;

const boundaryNaturals = [0, 1, 127, 128, 255, 256, 16_383, 16_384, 2 ** 21, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35, 2 ** 42, 2 ** 49, 2 ** 52 - 1];

const uintArb = fc.oneof(fc.constantFrom(...boundaryNaturals, 2 ** 52, 2 ** 53 - 2, MAX_SAFE), fc.nat(300), fc.maxSafeNat());
/** Every integer int() takes: [-2^52, 2^52 - 1]. */
const intArb = fc.oneof(
  fc.constantFrom(...boundaryNaturals, ...boundaryNaturals.map((value) => -value - 1), -(2 ** 31), -(2 ** 32), ZIGZAG_MIN, ZIGZAG_MAX),
  fc.integer({ min: -300, max: 300 }),
  fc.integer({ min: ZIGZAG_MIN, max: ZIGZAG_MAX }),
).filter((value) => Math.abs(value) <= ZIGZAG_MAX);
/** Every integer nullableUint() takes: [0, 2^53 - 2]. */
const nullableUintArb = fc.option(
  fc.oneof(fc.constantFrom(...boundaryNaturals), fc.nat(300), fc.integer({ min: 0, max: ZIGZAG_MAX })),
  { nil: null },
);
/** Every integer nullableInt() takes: [-2^52 + 1, 2^52 - 1]. */
const nullableIntArb = fc.option(
  fc.oneof(
    fc.constantFrom(...boundaryNaturals, ...boundaryNaturals.map((value) => -value - 1), ZIGZAG_MIN + 1, ZIGZAG_MAX),
    fc.integer({ min: -300, max: 300 }),
    fc.integer({ min: ZIGZAG_MIN + 1, max: ZIGZAG_MAX }),
  ).filter((value) => value > ZIGZAG_MIN),
  { nil: null },
);

/** Well-formed strings of any Unicode: graphemes (emoji sequences), any code point, and a few chosen ones. */
const textArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.string({ maxLength: 10 }),
  fc.constantFrom("", "😀", "👨‍👩‍👧‍👦", "🇷🇺", "Анна Петрова", "日本語", "\u0000", "\u001f\u007f", "\u2028\u2029", "\ufeff", 'a"b\\c', '["a", "b"]', "\ud83d\ude00"),
);

const printableAscii = (min: number) => fc.integer({ min, max: 0x7e }).map((code) => String.fromCharCode(code));
/** Client ids (receipt, store, SKU): printable ASCII without space, 1-64 (gateway/protocol/read-receipt.ts). */
const clientIdArb = fc.oneof(
  fc.string({ unit: printableAscii(0x21), minLength: 1, maxLength: 12 }),
  fc.constantFrom("s1", "r-1", "a\"b", "back\\slash", '["x","y"]', "x".repeat(64)),
);
/** Member ids: 1-64 printable ASCII (a key part; record-keys.ts takes up to 255). */
const memberIdArb = fc.oneof(fc.string({ unit: printableAscii(0x20), minLength: 1, maxLength: 20 }), fc.constantFrom("m-1", "m", "2000000000015", " ", "m-1-2"));
const logicalShardArb = fc.integer({ min: 0, max: 255 });

/** Epoch milliseconds: the receipts' window, and a few outside it. */
const timeArb = fc.oneof(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.constantFrom(0, 1, -1, Date.UTC(1969, 0, 1), 2 ** 44));
/** Points and money: small, and up to POINTS_BALANCE_MAX (1e15). */
// At most 9 * 10^14: a lot's points are the sum of five amounts, and stored integers stop at 2^52 - 1 (about 4.5 * 10^15).
const amountArb = fc.oneof(fc.nat(1_000), fc.integer({ min: 0, max: 900_000_000_000_000 }));
const countArb = fc.oneof(fc.nat(20), fc.nat(1_000_000_000));
const DAY = 86_400_000;

// ---------------------------------------------------------------------------
// Arbitraries: accounts

const partnerArb = fc.oneof(fc.constantFrom("", "p1", "partner-2", "s1", "магазин"), textArb);
const storeArb = fc.oneof(fc.constantFrom("p1", "s1", "магазин", "store 1"), clientIdArb, textArb);
/** A lot's reference: a receipt's JSON [store, id] (the form stored as two parts), and other texts, some that look like it. */
const referenceArb = fc.oneof(
  fc.tuple(storeArb, fc.oneof(clientIdArb, textArb)).map(([store, id]) => JSON.stringify([store, id])),
  fc.constantFrom(
    '["a", "b"]',
    '["a","b"',
    '["a","b","c"]',
    '["a\\"b","c"]',
    '["a","b"] ',
    ' ["a","b"]',
    '["",""]',
    "[\"a\",'b']",
    '["a\\u0041","b"]',
    "opening-balance",
    "",
    '"quoted"',
    "back\\slash",
    "campaign:spring",
  ),
  textArb,
);

function lotArb(id: number): fc.Arbitrary<Lot> {
  return fc
    .record({
      source: fc.constantFrom(...LOT_SOURCES),
      reference: referenceArb,
      partner: partnerArb,
      accruedAt: timeArb,
      pending: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 * DAY })),
      lifetime: fc.option(fc.integer({ min: 1, max: 800 * DAY }), { nil: null }),
      remaining: amountArb,
      held: fc.oneof(fc.constant(0), amountArb),
      spent: fc.oneof(fc.constant(0), amountArb),
      expired: fc.oneof(fc.constant(0), amountArb),
      revoked: fc.oneof(fc.constant(0), amountArb),
    })
    .map((parts): Lot => {
      const activatesAt = parts.accruedAt + parts.pending;
      return {
        id,
        source: parts.source,
        reference: parts.reference,
        partner: parts.partner,
        points: parts.remaining + parts.held + parts.spent + parts.expired + parts.revoked,
        accruedAt: parts.accruedAt,
        activatesAt,
        expiresAt: parts.lifetime === null ? null : activatesAt + parts.lifetime,
        remaining: parts.remaining,
        held: parts.held,
        spent: parts.spent,
        expired: parts.expired,
        revoked: parts.revoked,
      };
    });
}

/** 0-40 open lots, ascending ids with gaps, over up to 10 chunks. */
const lotsArb: fc.Arbitrary<Lot[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 10 * LOTS_PER_CHUNK }), { maxLength: 40 })
  .chain((ids) => fc.tuple(...[...ids].sort((left, right) => left - right).map(lotArb)));

const shareArb: fc.Arbitrary<LotShare> = fc
  .record({
    lot: fc.integer({ min: 1, max: 200 }),
    points: amountArb,
    expiresAt: fc.option(timeArb, { nil: null }),
    source: fc.constantFrom(...LOT_SOURCES),
    partner: partnerArb,
    activatesAt: timeArb,
    reference: referenceArb,
    accruedAt: timeArb,
  })
  .map((share) => ({
    lot: share.lot,
    points: share.points,
    expiresAt: share.expiresAt,
    source: share.source,
    partner: share.partner,
    activatesAt: share.activatesAt,
    reference: share.reference,
    accruedAt: share.accruedAt,
  }));

const holdArb: fc.Arbitrary<Hold> = fc
  .record({ key: textArb, points: amountArb, expiresAt: timeArb, shares: fc.array(shareArb, { maxLength: 3 }) })
  .map((hold) => ({ key: hold.key, points: hold.points, expiresAt: hold.expiresAt, shares: hold.shares }));

const prunedExpiryArb: fc.Arbitrary<PrunedExpiry> = fc
  .record({ lot: fc.integer({ min: 1, max: 300 }), expired: amountArb })
  .map((pruned) => ({ lot: pruned.lot, expired: pruned.expired }));

function ledgerArb(lots: fc.Arbitrary<Lot[]>): fc.Arbitrary<Ledger> {
  return fc
    .record({
      lots,
      prunedExpiries: fc.option(fc.array(prunedExpiryArb, { maxLength: 5 }), { nil: undefined }),
      holds: fc.array(holdArb, { maxLength: 3 }),
      debt: fc.oneof(fc.constant(0), amountArb),
      idGap: fc.nat(50),
      totals: fc.tuple(amountArb, amountArb, amountArb, amountArb, amountArb, amountArb, amountArb),
    })
    .map((parts): Ledger => {
      const highest = Math.max(0, ...parts.lots.map((lot) => lot.id), ...(parts.prunedExpiries ?? []).map((pruned) => pruned.lot));
      const [accrued, spent, expired, revoked, debtIncurred, debtRepaid, pruned] = parts.totals;
      // Key order as LedgerDraft.finish writes a ledger: remembered expiries, if any, last.
      return {
        lots: parts.lots,
        holds: parts.holds,
        debt: parts.debt,
        nextLotId: highest + 1 + parts.idGap,
        totals: { accrued, spent, expired, revoked, debtIncurred, debtRepaid, pruned },
        ...(parts.prunedExpiries === undefined ? {} : { prunedExpiries: parts.prunedExpiries }),
      };
    });
}

const totalsArb = fc.record({ sold: amountArb, paid: amountArb, visits: countArb }).map((totals) => ({ sold: totals.sold, paid: totals.paid, visits: totals.visits }));
const periodTotalsArb: fc.Arbitrary<PeriodTotals> = fc
  .record({ period: fc.integer({ min: -5, max: 5_000 }), totals: totalsArb })
  .map(({ period, totals }) => ({ period, ...totals }));

const profileArb: fc.Arbitrary<MemberProfile> = fc
  .record({
    card: fc.oneof(fc.stringMatching(/^\d{6,32}$/), textArb),
    phone: fc.option(fc.oneof(fc.stringMatching(/^\+?\d{5,15}$/), textArb), { nil: null }),
    name: fc.option(textArb, { nil: null }),
    birthDate: fc.option(fc.oneof(fc.constantFrom("1990-05-01", "2000-02-29"), textArb), { nil: null }),
    email: fc.option(fc.oneof(fc.constantFrom("anna@example.com", "Анна@пример.рф"), textArb), { nil: undefined }),
    consent: fc.option(fc.record({ sms: fc.boolean(), email: fc.boolean() }), { nil: undefined }),
  })
  .map((profile) => ({
    card: profile.card,
    phone: profile.phone,
    name: profile.name,
    birthDate: profile.birthDate,
    ...(profile.email === undefined ? {} : { email: profile.email }),
    ...(profile.consent === undefined ? {} : { consent: { sms: profile.consent.sms, email: profile.consent.email } }),
  }));

/** A visit time: before the account's creation (an imported member), at it, or after. */
const visitDistanceArb = fc.option(fc.oneof(fc.integer({ min: -20 * 365 * DAY, max: 20 * 365 * DAY }), fc.constant(0)), { nil: null });

function accountArbWith(lots: fc.Arbitrary<Lot[]>): fc.Arbitrary<Account> {
  return fc
    .record({
      memberId: memberIdArb,
      logicalShard: logicalShardArb,
      profile: profileArb,
      balance: amountArb,
      ledger: ledgerArb(lots),
      lifetime: totalsArb,
      recentPeriods: fc.array(periodTotalsArb, { maxLength: 3 }),
      firstVisit: visitDistanceArb,
      lastVisit: visitDistanceArb,
      categories: fc.array(textArb, { maxLength: 4 }),
      lastVisitStatus: fc.constantFrom(null, "came" as const, "didNotCome" as const),
      createdAt: timeArb,
      sequence: fc.oneof(fc.nat(100), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
      // A level by active points held (formats 3 and 4), or none (formats 1 and 2).
      pointLevel: fc.option(fc.record({ id: textArb, reachedAt: timeArb, expiresAt: fc.option(timeArb, { nil: null }) }), { nil: undefined }),
      // The family the member belongs to (formats 5 to 8), or none.
      family: fc.option(textArb, { nil: undefined }),
      // Purchases counted in campaigns' own periods (the flagged format 9), or none (formats 1 to 8).
      campaignPurchases: fc.option(
        fc.array(fc.record({ campaign: textArb, startsAt: timeArb, length: fc.integer({ min: 1, max: 2 ** 40 }), count: fc.nat(10_000) }), { minLength: 1, maxLength: 4 }),
        { nil: undefined },
      ),
    })
    .map((parts): Account => {
      const counters: AccountCounters = {
        lifetime: parts.lifetime,
        recentPeriods: parts.recentPeriods,
        firstVisitAt: parts.firstVisit === null ? null : parts.createdAt + parts.firstVisit,
        lastVisitAt: parts.lastVisit === null ? null : parts.createdAt + parts.lastVisit,
      };
      // Key order as openAccount and the Account type have it.
      return {
        memberId: parts.memberId,
        logicalShard: parts.logicalShard,
        profile: parts.profile,
        balance: parts.balance,
        ledger: parts.ledger,
        counters,
        categories: parts.categories,
        lastVisitStatus: parts.lastVisitStatus,
        createdAt: parts.createdAt,
        sequence: parts.sequence,
        ...(parts.pointLevel === undefined ? {} : { pointLevel: parts.pointLevel }),
        ...(parts.family === undefined ? {} : { family: parts.family }),
        ...(parts.campaignPurchases === undefined
          ? {}
          : { campaignPurchases: parts.campaignPurchases.map(({ campaign, startsAt, length, count }) => ({ campaign, startsAt, endsAt: startsAt + length, count })) }),
      };
    });
}

const accountArb = accountArbWith(lotsArb);

// ---------------------------------------------------------------------------
// Arbitraries: free-form JSON maps (the fallback)

/**
 * JSON-compatible values as a client would see them (JSON.parse of
 * JSON.stringify: no -0, no undefined). Keys never "__proto__": that one
 * key does not survive the map fallback, see its it.fails case.
 */
function isFreeOfProtoKeys(value: unknown): boolean {
  return !JSON.stringify(value).includes('"__proto__":');
}
const jsonValueArb = fc
  .jsonValue({ maxDepth: 3, stringUnit: "grapheme" })
  .map((value) => JSON.parse(JSON.stringify(value)) as unknown)
  .filter(isFreeOfProtoKeys);
const mapArb: fc.Arbitrary<Record<string, unknown>> = fc
  .dictionary(fc.oneof(textArb, fc.constantFrom("member", "receipt", "transaction", "lines", "1", "0", "")), jsonValueArb, { maxKeys: 8 })
  .map((map) => JSON.parse(JSON.stringify(map)) as Record<string, unknown>)
  .filter(isFreeOfProtoKeys);

// ---------------------------------------------------------------------------
// Arbitraries: receipt records

const COMMIT_INTEGER_KEYS = ["total", "discount", "pointsPaid", "payable", "points", "bonusPoints", "redeemable", "redeem", "discountBasisPoints", "programVersion", "balance"] as const;
const COMMIT_KEYS = [
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

/** Integers a commit answer holds: the engine's (non-negative, bounded), and any the positional form takes. */
const answerIntegerArb = fc.oneof({ weight: 3, arbitrary: amountArb }, { weight: 1, arbitrary: intArb });

const commitLineArb = fc
  .record({ sku: fc.oneof(clientIdArb, textArb), amount: answerIntegerArb, discount: answerIntegerArb, pointsPaid: answerIntegerArb, payable: answerIntegerArb, points: answerIntegerArb })
  .map((line) => ({ sku: line.sku, amount: line.amount, discount: line.discount, pointsPaid: line.pointsPaid, payable: line.payable, points: line.points }));

const appliedRuleArb = fc
  .record({
    rule: fc.oneof(fc.constantFrom("program", "status:gold", "rule:r1", "class:c", "category:vip"), textArb),
    effect: fc.constantFrom("discount", "accrual", "bonus"),
    basisPoints: fc.option(answerIntegerArb, { nil: undefined }),
    points: fc.option(answerIntegerArb, { nil: undefined }),
  })
  .map((rule) => ({
    rule: rule.rule,
    effect: rule.effect,
    ...(rule.basisPoints === undefined ? {} : { basisPoints: rule.basisPoints }),
    ...(rule.points === undefined ? {} : { points: rule.points }),
  }));

/** A transaction id: "<member>-<n>" (stored as n), and texts that only look like it. */
function transactionArb(memberId: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.oneof(fc.nat(1_000), fc.maxSafeNat()).map((sequence) => `${memberId}-${sequence}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `${memberId}-007`,
        `${memberId}-1e3`,
        `${memberId}-0x10`,
        `${memberId}--1`,
        `${memberId}--0`,
        `${memberId}- 5`,
        `${memberId}-5 `,
        `${memberId}-1.0`,
        `${memberId}-`,
        `${memberId}-${2 ** 53}`,
        `${memberId}-Infinity`,
        `${memberId}1`,
        `x${memberId}-1`,
        memberId,
        "",
      ),
    },
    { weight: 1, arbitrary: fc.tuple(memberIdArb, fc.nat(1_000)).map(([other, sequence]) => `${other}-${sequence}`) },
    { weight: 1, arbitrary: textArb },
  );
}

/** An answer of exactly the shape commitReceipt gives (calculationAnswer + transaction). */
function commitAnswerArb(memberId: string, receiptId: string): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      member: fc.oneof({ weight: 4, arbitrary: fc.constant(memberId) }, { weight: 1, arbitrary: memberIdArb }),
      receipt: fc.oneof({ weight: 4, arbitrary: fc.constant(receiptId) }, { weight: 1, arbitrary: clientIdArb }),
      lines: fc.array(commitLineArb, { maxLength: 5 }),
      integers: fc.tuple(...COMMIT_INTEGER_KEYS.map(() => answerIntegerArb)),
      rules: fc.array(appliedRuleArb, { maxLength: 4 }),
      transaction: transactionArb(memberId),
    })
    .map((parts) => {
      const integer = (key: (typeof COMMIT_INTEGER_KEYS)[number]): number => parts.integers[COMMIT_INTEGER_KEYS.indexOf(key)] as number;
      return {
        member: parts.member,
        receipt: parts.receipt,
        lines: parts.lines,
        total: integer("total"),
        discount: integer("discount"),
        pointsPaid: integer("pointsPaid"),
        payable: integer("payable"),
        points: integer("points"),
        bonusPoints: integer("bonusPoints"),
        redeemable: integer("redeemable"),
        redeem: integer("redeem"),
        discountBasisPoints: integer("discountBasisPoints"),
        rules: parts.rules,
        programVersion: integer("programVersion"),
        balance: integer("balance"),
        transaction: parts.transaction,
      };
    });
}

/** Ways to make an answer not quite a commit's: each one leaves the exact shape, so the map fallback must carry it. */
const PERTURBATIONS = [
  "extraKeyAtEnd",
  "extraKeyInside",
  "missingKey",
  "keysReordered",
  "fractionInInteger",
  "unsafeInteger",
  "stringInInteger",
  "nullMember",
  "numericTransaction",
  "lineExtraKey",
  "lineFraction",
  "lineSkuNumber",
  "lineKeysReordered",
  "lineIsNull",
  "ruleUnknownEffect",
  "ruleFractionPoints",
  "rulePointsBeforeBasisPoints",
  "ruleExtraKey",
  "linesNotArray",
] as const;
type Perturbation = (typeof PERTURBATIONS)[number];

function perturb(answer: Record<string, unknown>, how: Perturbation, pick: number, extra: unknown): Record<string, unknown> {
  const entries = Object.entries(answer);
  const at = pick % entries.length;
  const integerKey = COMMIT_INTEGER_KEYS[pick % COMMIT_INTEGER_KEYS.length] as string;
  const lines = answer["lines"] as Record<string, unknown>[];
  const rules = answer["rules"] as Record<string, unknown>[];
  const withLine = (line: unknown): Record<string, unknown> => ({ ...answer, lines: [...lines.slice(0, pick % (lines.length + 1)), line, ...lines.slice(pick % (lines.length + 1))] });
  const withRule = (rule: unknown): Record<string, unknown> => ({ ...answer, rules: [...rules, rule] });
  const goodLine = { sku: "sku", amount: 100, discount: 0, pointsPaid: 0, payable: 100, points: 1 };
  switch (how) {
    case "extraKeyAtEnd":
      return { ...answer, extra };
    case "extraKeyInside":
      return Object.fromEntries([...entries.slice(0, at), ["note", extra], ...entries.slice(at)]);
    case "missingKey":
      return Object.fromEntries(entries.filter((_, index) => index !== at));
    case "keysReordered": {
      const moved = entries[at] as [string, unknown];
      const rest = entries.filter((_, index) => index !== at);
      const to = (at + 1 + (pick % (entries.length - 1))) % entries.length;
      return Object.fromEntries([...rest.slice(0, to), moved, ...rest.slice(to)]);
    }
    case "fractionInInteger":
      return { ...answer, [integerKey]: [1.5, 0.1, -2.25, 1e-7, 1e21 + 0.5][pick % 5] };
    case "unsafeInteger":
      return { ...answer, [integerKey]: [2 ** 53, -(2 ** 53), 1e300][pick % 3] };
    case "stringInInteger":
      return { ...answer, [integerKey]: "100" };
    case "nullMember":
      return { ...answer, member: null };
    case "numericTransaction":
      return { ...answer, transaction: 12 };
    case "lineExtraKey":
      return withLine({ ...goodLine, name: "milk" });
    case "lineFraction":
      return withLine({ ...goodLine, amount: 99.5 });
    case "lineSkuNumber":
      return withLine({ ...goodLine, sku: 42 });
    case "lineKeysReordered":
      return withLine({ amount: 100, sku: "sku", discount: 0, pointsPaid: 0, payable: 100, points: 1 });
    case "lineIsNull":
      return withLine(null);
    case "ruleUnknownEffect":
      return withRule({ rule: "program", effect: "cashback" });
    case "ruleFractionPoints":
      return withRule({ rule: "program", effect: "accrual", basisPoints: 0.5 });
    case "rulePointsBeforeBasisPoints":
      return withRule({ rule: "program", effect: "bonus", points: 5, basisPoints: 100 });
    case "ruleExtraKey":
      return withRule({ rule: "program", effect: "discount", basisPoints: 500, why: "status" });
    case "linesNotArray":
      return { ...answer, lines: {} };
  }
}

/** A SHA-256 in base64url (43 characters), as commitFingerprint makes them, and other texts. */
const fingerprintArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("base64url")),
  fc.string().map((text) => createHash("sha256").update(text).digest("base64url")),
  // 43 characters of the alphabet: most are not a canonical encoding (the last character carries 2 spare bits).
  fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => `${Buffer.from(bytes).toString("base64url")}=`),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("base64")),
  textArb,
);

const settledLineArb: fc.Arbitrary<SettledLine> = fc
  .record({
    quantity: amountArb,
    amount: amountArb,
    payable: amountArb,
    points: amountArb,
    redeemed: amountArb,
    returnedQuantity: amountArb,
    returnedAmount: amountArb,
    returnedPayable: amountArb,
    returnedPoints: amountArb,
    returnedRedeemed: amountArb,
  })
  .map((line) => ({
    quantity: line.quantity,
    amount: line.amount,
    payable: line.payable,
    points: line.points,
    redeemed: line.redeemed,
    returnedQuantity: line.returnedQuantity,
    returnedAmount: line.returnedAmount,
    returnedPayable: line.returnedPayable,
    returnedPoints: line.returnedPoints,
    returnedRedeemed: line.returnedRedeemed,
  }));

/** A settlement, keys in the ReceiptSettlement type's order. */
const settlementArb: fc.Arbitrary<ReceiptSettlement> = fc
  .record({
    period: fc.integer({ min: -5, max: 5_000 }),
    accruedLot: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: null }),
    unreturnedShares: fc.array(shareArb, { maxLength: 4 }),
    lines: fc.array(settledLineArb, { maxLength: 5 }),
    cancelled: fc.boolean(),
    // A receipt paid in part: what it owes and what was paid in which period.
    payment: fc.option(
      fc.record({
        unpaid: fc.integer({ min: 0, max: 2 ** 40 }),
        paidByPeriod: fc.array(fc.record({ period: fc.integer({ min: -5, max: 5_000 }), paid: fc.integer({ min: 1, max: 2 ** 40 }) }), { maxLength: 4 }),
      }),
      { nil: undefined },
    ),
    // Campaigns' parts (the flagged form): the purchase counters it added to, the campaigns' own lots.
    campaignPurchases: fc.option(fc.array(fc.record({ campaign: textArb, startsAt: timeArb }), { maxLength: 3 }), { nil: undefined }),
    campaignLots: fc.option(
      fc.array(fc.record({ lot: fc.integer({ min: 1, max: 2 ** 40 }), points: fc.nat(2 ** 40), revoked: fc.nat(2 ** 40), campaign: textArb, budgeted: fc.boolean() }), { maxLength: 3 }),
      { nil: undefined },
    ),
    coupon: fc.option(textArb, { nil: undefined }),
    campaignDiscounts: fc.option(
      fc.array(fc.record({ campaign: textArb, lines: fc.array(fc.record({ line: fc.nat(499), discount: fc.integer({ min: 1, max: 2 ** 40 }) }), { maxLength: 3 }) }), { maxLength: 3 }),
      { nil: undefined },
    ),
  })
  .map((settlement) => ({
    // Key order as settleReceipt builds a settlement.
    period: settlement.period,
    accruedLot: settlement.accruedLot,
    unreturnedShares: settlement.unreturnedShares,
    cancelled: settlement.cancelled,
    lines: settlement.lines,
    ...(settlement.payment === undefined ? {} : { payment: settlement.payment }),
    ...(settlement.campaignPurchases === undefined ? {} : { campaignPurchases: settlement.campaignPurchases }),
    ...(settlement.campaignLots === undefined ? {} : { campaignLots: settlement.campaignLots }),
    ...(settlement.campaignDiscounts === undefined ? {} : { campaignDiscounts: settlement.campaignDiscounts }),
    ...(settlement.coupon === undefined ? {} : { coupon: settlement.coupon }),
  }));

const recordWhereArb = fc.record({ logicalShard: logicalShardArb, memberId: memberIdArb, store: clientIdArb, receiptId: clientIdArb });

function receiptRecordArb(answer: (memberId: string, receiptId: string) => fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<ReceiptRecord> {
  return recordWhereArb.chain((where) =>
    fc
      .record({ fingerprint: fingerprintArb, answer: answer(where.memberId, where.receiptId), settlement: fc.option(settlementArb, { nil: undefined }) })
      .map((parts): ReceiptRecord => ({
        logicalShard: where.logicalShard,
        store: where.store,
        receiptId: where.receiptId,
        memberId: where.memberId,
        fingerprint: parts.fingerprint,
        answer: parts.answer,
        ...(parts.settlement === undefined ? {} : { settlement: parts.settlement }),
      })),
  );
}

// ---------------------------------------------------------------------------
// Arbitraries: history

const historyWhereArb = fc.record({
  logicalShard: logicalShardArb,
  memberId: memberIdArb,
  sequence: fc.oneof(fc.nat(1_000), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
  at: timeArb,
});

const statusChangeArb = fc
  .record({ from: fc.option(fc.oneof(fc.constantFrom("silver", "gold", ""), textArb), { nil: null }), to: fc.option(fc.oneof(fc.constantFrom("silver", "gold"), textArb), { nil: null }) })
  .map((change) => ({ from: change.from, to: change.to }));

/** A committed receipt's entry (receiptActivityDetail): positional when its transaction is "<member>-<sequence>". */
function receiptDetailArb(transaction: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      receipt: clientIdArb,
      store: fc.oneof(clientIdArb, textArb),
      integers: fc.tuple(answerIntegerArb, answerIntegerArb, answerIntegerArb, answerIntegerArb),
      transaction,
      statusChange: fc.option(statusChangeArb, { nil: undefined }),
    })
    .map((parts) => ({
      receipt: parts.receipt,
      store: parts.store,
      total: parts.integers[0],
      payable: parts.integers[1],
      points: parts.integers[2],
      redeem: parts.integers[3],
      transaction: parts.transaction,
      ...(parts.statusChange === undefined ? {} : { statusChange: parts.statusChange }),
    }));
}

function activity(where: { logicalShard: number; memberId: string; sequence: number; at: number }, kind: string, detail: Record<string, unknown>): ActivityRecord {
  return { logicalShard: where.logicalShard, memberId: where.memberId, sequence: where.sequence, at: where.at, kind, detail };
}

const receiptEntryArb: fc.Arbitrary<ActivityRecord> = historyWhereArb.chain((where) =>
  receiptDetailArb(fc.constant(`${where.memberId}-${where.sequence}`)).map((detail) => activity(where, "receipt", detail)),
);

/** Receipt entries that are not quite a commit's (the fallback carries them) and every other kind of entry. */
const otherEntryArb: fc.Arbitrary<ActivityRecord> = historyWhereArb.chain((where) => {
  const own = `${where.memberId}-${where.sequence}`;
  const strayTransaction = fc.oneof(
    fc.constantFrom(`${where.memberId}-${where.sequence + 1}`, `${where.memberId}-0${where.sequence}`, `x${own}`, `${own} `, "", 7, null),
    textArb,
  );
  const offShape = receiptDetailArb(fc.constant(own)).chain((detail) =>
    fc.constantFrom(
      { ...detail, extra: 1 },
      { ...detail, total: 1.5 },
      { ...detail, store: 5 },
      { ...detail, statusChange: { from: "silver", to: "gold", at: 1 } },
      { ...detail, statusChange: { to: "gold", from: "silver" } },
      { ...detail, statusChange: { from: 1, to: "gold" } },
      { ...detail, statusChange: null },
      Object.fromEntries(Object.entries(detail).reverse()),
    ),
  );
  return fc.oneof(
    receiptDetailArb(strayTransaction).map((detail) => activity(where, "receipt", detail)),
    offShape.map((detail) => activity(where, "receipt", detail)),
    receiptDetailArb(fc.constant(own)).map((detail) => activity(where, "receipt-copy", detail)),
    fc
      .tuple(fc.oneof(fc.constantFrom("cancel", "refund", "adjustment", "visit", "expiry", "import", "hold-released", "receipt", ""), textArb), mapArb)
      .map(([kind, detail]) => activity(where, kind, detail)),
  );
});

// ---------------------------------------------------------------------------
// 1. RecordWriter / RecordReader

type WriterOp =
  | { readonly kind: "uint"; readonly value: number }
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "nullableUint"; readonly value: number | null }
  | { readonly kind: "nullableInt"; readonly value: number | null }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "nullableString"; readonly value: string | null }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "byte"; readonly value: number };

const writerOpArb: fc.Arbitrary<WriterOp> = fc.oneof(
  uintArb.map((value) => ({ kind: "uint" as const, value })),
  intArb.map((value) => ({ kind: "int" as const, value })),
  nullableUintArb.map((value) => ({ kind: "nullableUint" as const, value })),
  nullableIntArb.map((value) => ({ kind: "nullableInt" as const, value })),
  fc.oneof(textArb, fc.string({ unit: "binary", maxLength: 300 })).map((value) => ({ kind: "string" as const, value })),
  fc.option(textArb, { nil: null }).map((value) => ({ kind: "nullableString" as const, value })),
  fc.boolean().map((value) => ({ kind: "boolean" as const, value })),
  fc.integer({ min: 0, max: 255 }).map((value) => ({ kind: "byte" as const, value })),
);

function writeOp(writer: RecordWriter, op: WriterOp): void {
  switch (op.kind) {
    case "uint":
      return writer.uint(op.value);
    case "int":
      return writer.int(op.value);
    case "nullableUint":
      return writer.nullableUint(op.value);
    case "nullableInt":
      return writer.nullableInt(op.value);
    case "string":
      return writer.string(op.value);
    case "nullableString":
      return writer.nullableString(op.value);
    case "boolean":
      return writer.boolean(op.value);
    case "byte":
      return writer.byte(op.value);
  }
}

function readOp(reader: RecordReader, kind: WriterOp["kind"]): unknown {
  switch (kind) {
    case "uint":
      return reader.uint();
    case "int":
      return reader.int();
    case "nullableUint":
      return reader.nullableUint();
    case "nullableInt":
      return reader.nullableInt();
    case "string":
      return reader.string();
    case "nullableString":
      return reader.nullableString();
    case "boolean":
      return reader.boolean();
    case "byte":
      return reader.byte();
  }
}

function roundTripOne(op: WriterOp): unknown {
  const writer = new RecordWriter(1);
  writeOp(writer, op);
  const reader = new RecordReader(writer.finish(), "test");
  const value = readOp(reader, op.kind);
  expect(reader.done).toBe(true);
  return value;
}

describe("RecordWriter and RecordReader", () => {
  it("read back every uint, int, nullable integer, string, boolean and byte in the order written, one buffer growing from any initial size", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(writerOpArb, { maxLength: 60 }), (initialBytes, ops) => {
        const writer = new RecordWriter(initialBytes);
        for (const op of ops) writeOp(writer, op);
        const bytes = writer.finish();
        expect(bytes.length).toBe(writer.position);
        const reader = new RecordReader(bytes, "test");
        for (const op of ops) expect(readOp(reader, op.kind)).toStrictEqual(op.value);
        expect(reader.done).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("round-trips every non-negative safe integer as an unsigned varint of ceil(bits / 7) bytes, 2^53 - 1 included", () => {
    fc.assert(
      fc.property(uintArb, (value) => {
        const writer = new RecordWriter(1);
        writer.uint(value);
        expect(writer.position).toBe(varintLength(value));
        expect(roundTripOne({ kind: "uint", value })).toBe(value);
      }),
      { numRuns: RUNS },
    );
    for (const value of [0, 2 ** 31, 2 ** 32, MAX_SAFE]) expect(roundTripOne({ kind: "uint", value })).toBe(value);
  });

  it("round-trips signed integers from -2^52 to 2^52 - 1, zigzag-encoded so that small magnitudes take one byte", () => {
    fc.assert(
      fc.property(intArb, (value) => {
        expect(roundTripOne({ kind: "int", value })).toBe(value);
        expect(roundTripOne({ kind: "nullableInt", value: value === ZIGZAG_MIN ? null : value })).toBe(value === ZIGZAG_MIN ? null : value);
      }),
      { numRuns: RUNS },
    );
    for (const value of [0, -1, 1, -64, 63, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32), ZIGZAG_MAX, ZIGZAG_MIN]) expect(roundTripOne({ kind: "int", value })).toBe(value);
    for (const value of [-64, 63]) {
      const writer = new RecordWriter();
      writer.int(value);
      expect(writer.position).toBe(1);
    }
  });

  it("keeps null apart from zero in nullable integers and strings", () => {
    fc.assert(
      fc.property(nullableUintArb, nullableIntArb, fc.option(textArb, { nil: null }), (unsigned, signed, text) => {
        expect(roundTripOne({ kind: "nullableUint", value: unsigned })).toBe(unsigned);
        expect(roundTripOne({ kind: "nullableInt", value: signed })).toBe(signed);
        expect(roundTripOne({ kind: "nullableString", value: text })).toBe(text);
      }),
      { numRuns: RUNS },
    );
    expect(roundTripOne({ kind: "nullableUint", value: 0 })).toBe(0);
    expect(roundTripOne({ kind: "nullableInt", value: 0 })).toBe(0);
    expect(roundTripOne({ kind: "nullableString", value: "" })).toBe("");
    expect(roundTripOne({ kind: "nullableString", value: null })).toBe(null);
  });

  it("round-trips strings of any Unicode (emoji, astral code points, NUL, the empty string) as their UTF-8 bytes after a length", () => {
    fc.assert(
      fc.property(fc.oneof(textArb, fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "grapheme", maxLength: 50 })), (value) => {
        const writer = new RecordWriter(1);
        writer.string(value);
        const byteLength = Buffer.byteLength(value, "utf8");
        expect(writer.position).toBe(varintLength(byteLength) + byteLength);
        expect(roundTripOne({ kind: "string", value })).toBe(value);
      }),
      { numRuns: RUNS },
    );
  });

  it("grows past its initial size without losing what it wrote: a one-byte writer takes 64 KB of strings and varints", () => {
    const writer = new RecordWriter(1);
    const long = "ж😀".repeat(5_000);
    writer.string(long);
    for (let value = 0; value < 5_000; value += 1) writer.uint(value * 1_000_003);
    writer.string(long);
    const reader = new RecordReader(writer.finish(), "test");
    expect(reader.string()).toBe(long);
    for (let value = 0; value < 5_000; value += 1) expect(reader.uint()).toBe(value * 1_000_003);
    expect(reader.string()).toBe(long);
    expect(reader.done).toBe(true);
  });

  it("refuses, as an InvariantError, an unsigned write of a negative, fractional, unsafe or non-finite number and a signed write of a non-integer", () => {
    const refused = (write: (writer: RecordWriter) => void): void => expect(() => write(new RecordWriter())).toThrow(InvariantError);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -MAX_SAFE, max: -1 }),
          fc.double({ noNaN: true }).filter((value) => !Number.isInteger(value)),
          fc.constantFrom(-0.5, 0.5, 1.5, 2 ** 53, 2 ** 64, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
        ),
        (value) => {
          refused((writer) => writer.uint(value));
        },
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.double().filter((value) => !Number.isSafeInteger(value)), (value) => {
        refused((writer) => writer.int(value));
        refused((writer) => writer.nullableInt(value));
        // nullableUint writes uint(value + 1): -1 and fractions that vanish when 1 is added are the it.fails cases below.
        if (!Number.isSafeInteger(value + 1)) refused((writer) => writer.nullableUint(value));
      }),
      { numRuns: RUNS },
    );
    for (const value of [-2, -1.5, 0.5, 1.5, 2 ** 53]) refused((writer) => writer.nullableUint(value));
  });

  // Found by this suite (nullableUint wrote uint(value + 1) unchecked): -1 was read back as null.
  it("refuses a nullableUint of -1", () => {
    expect(() => new RecordWriter().nullableUint(-1)).toThrow(InvariantError);
  });

  // Found by this suite (same cause): a fraction too small to survive "+ 1" was read back as 0.
  it("refuses a nullableUint of 5e-324", () => {
    expect(() => new RecordWriter().nullableUint(5e-324)).toThrow(InvariantError);
  });

  // Found by this suite: zigzag doubles a signed integer, so the stored magnitude is bounded
  // (STORED_INTEGER_MAGNITUDE_MAX = 2^52 - 1); beyond it a write is refused, never stored wrong.
  it("round-trips signed integers of magnitude 2^52 - 1 and refuses larger ones", () => {
    for (const value of [2 ** 52 - 1, -(2 ** 52) + 1]) expect(roundTripOne({ kind: "int", value })).toBe(value);
    for (const value of [2 ** 52, -(2 ** 52) - 1, MAX_SAFE, -MAX_SAFE]) expect(() => new RecordWriter().int(value)).toThrow(InvariantError);
    expect(() => new RecordWriter().nullableUint(MAX_SAFE)).toThrow(InvariantError);
    expect(() => new RecordWriter().nullableInt(-(2 ** 52))).toThrow(InvariantError);
  });

  // Found by this suite: UTF-8 has no form for a lone surrogate, so the codec cannot keep one. Input that
  // could carry one (JSON over HTTP) is refused at the gateway instead (domain/validation/fields.ts).
  it("refuses a string with a lone surrogate as input, since a stored record could not keep it", () => {
    expect(() => readString("a\ud800b", "name", 200)).toThrow(/well-formed Unicode/);
    expect(() => readString("\udc00", "name", 200)).toThrow(/well-formed Unicode/);
    expect(readString("ok \ud83d\ude00", "name", 200)).toBe("ok \ud83d\ude00");
  });
});

// ---------------------------------------------------------------------------
// 2. Accounts

describe("hasExactKeys", () => {
  /** The definition: exactly the keys a for-in loop sees, own ones only, in order. */
  function byForIn(value: object, keys: readonly string[]): boolean {
    const seen: string[] = [];
    for (const key in value) {
      if (!Object.hasOwn(value, key)) return false;
      seen.push(key);
    }
    return isDeepStrictEqual(seen, keys);
  }

  it("says what a for-in loop over the value says, for plain, null-prototype and inheriting objects, keys in or out of order", () => {
    const keyArb = fc.constantFrom("a", "b", "c", "1", "0", "__proto__x", "lines");
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 5 }), fc.array(keyArb, { maxLength: 5 }), fc.constantFrom("plain", "null", "inherits"), (own, keys, kind) => {
        const value: Record<string, unknown> = kind === "plain" ? {} : kind === "null" ? Object.create(null) : Object.create({ inherited: 1 });
        for (const key of own) value[key] = 1;
        expect(hasExactKeys(value, keys)).toBe(byForIn(value, keys));
        expect(hasExactKeys(value, Object.keys(value))).toBe(kind !== "inherits");
      }),
      { numRuns: RUNS },
    );
  });

  it("says false while Object.prototype itself has an enumerable key, as a for-in loop would", () => {
    const value = { a: 1 };
    Object.defineProperty(Object.prototype, "polluted", { value: 1, enumerable: true, configurable: true, writable: true });
    try {
      expect(hasExactKeys(value, ["a"])).toBe(false);
    } finally {
      delete (Object.prototype as Record<string, unknown>)["polluted"];
    }
    expect(hasExactKeys(value, ["a"])).toBe(true);
  });
});

describe("the account codec", () => {
  it("reads back every account (profile, counters, categories, ledger of lots in chunks, holds, pruned expiries) deep-equal and with its keys in order", () => {
    fc.assert(
      fc.property(accountArb, (account) => {
        expectSameValue(accountRoundTrip(account), account);
      }),
      { numRuns: HEAVY_RUNS },
    );
  });

  it("reads an account record of format 1, written before profiles had an e-mail and consent, as a profile with neither", () => {
    // Written by the build before format 2 (card, phone, name "Анна", birth date; no lots).
    const format1 = Buffer.from(
      "01000d323030303030303030303031350d2b373930303132333435363709d090d0bdd0bdd0b00b313939302d30352d30310080a0d5edee660300000000000000000001000000000000000000",
      "hex",
    );
    const account = readAccount(7, "m00000000000000a1", format1, []);
    expectSameValue(account.profile, { card: "2000000000015", phone: "+79001234567", name: "Анна", birthDate: "1990-05-01" });
    expect(profileEmail(account.profile)).toBeNull();
    expect(profileConsent(account.profile)).toEqual({ sms: false, email: false });
    // Written again without contact details, it is format 1 byte for byte: payloads of members who gave none do not change.
    expect(written((writer) => writeAccount(writer, account)).toString("hex")).toBe(format1.toString("hex"));
  });

  it("writes an account whose profile has an e-mail or a consent as format 2, and reads both back", () => {
    const base = openAccount("m00000000000000a1", 7, { card: "1", phone: null, name: null, birthDate: null }, Date.UTC(2026, 0, 1));
    const profile = withContact(base.profile, "Anna@Example.com", { sms: true, email: false });
    const account: Account = { ...base, profile };
    const bytes = written((writer) => writeAccount(writer, account));
    expect(bytes[0]).toBe(2);
    expectSameValue(readAccount(7, base.memberId, bytes, []).profile, { card: "1", phone: null, name: null, birthDate: null, email: "Anna@Example.com", consent: { sms: true, email: false } });
    expect(written((writer) => writeAccount(writer, { ...base, profile: withContact(profile, null, { sms: false, email: false }) }))[0]).toBe(1);
  });

  it("writes an account with campaign purchase counters as the flagged format 9, with its other parts, and reads them back; without counters, formats 1 to 8", () => {
    const base = openAccount("m00000000000000a1", 7, { card: "1", phone: null, name: null, birthDate: null }, Date.UTC(2026, 0, 1));
    const campaignPurchases = [{ campaign: "third", startsAt: Date.UTC(2026, 2, 1), endsAt: Date.UTC(2026, 3, 1), count: 2 }];
    const pointLevel = { id: "gold", reachedAt: Date.UTC(2026, 1, 1), expiresAt: null };
    const account: Account = { ...base, profile: withContact(base.profile, "a@example.com", { sms: false, email: true }), pointLevel, campaignPurchases };
    const bytes = written((writer) => writeAccount(writer, account));
    expect([bytes[0], bytes[1]]).toEqual([9, 1 | 2 | 4]);
    expectSameValue(readAccount(7, base.memberId, bytes, []), account);
    const { campaignPurchases: _dropped, ...without } = account;
    expect(written((writer) => writeAccount(writer, without))[0]).toBe(4);
  });

  it("reads back each chunk's lots exactly, receipt references stored as their two parts or as text", () => {
    fc.assert(
      fc.property(lotsArb, (lots) => {
        for (const [index, chunk] of lotsByChunk(lots)) {
          expect(chunk.every((lot) => Math.floor((lot.id - 1) / LOTS_PER_CHUNK) === index)).toBe(true);
          expectSameValue(readLotChunk(written((writer) => writeLotChunk(writer, chunk)), "test"), chunk);
        }
        expect([...lotsByChunk(lots).values()].flat()).toEqual(lots);
      }),
      { numRuns: RUNS },
    );
  });

  it("tells a receipt's reference from other text exactly as the regular expression of the format's first build did", () => {
    // The format's definition: JSON of [store, receipt id], both written by JSON as they are.
    const receiptReference = /^\["([^"\\\u0000-\u001f\ud800-\udfff]*)","([^"\\\u0000-\u001f\ud800-\udfff]*)"\]$/;
    const pieces = fc.constantFrom('["', '"]', '","', '"', ",", "[", "]", "\\", "\u0001", "\u001f", " ", "a", "7", "😀", "\ud800", "\udfff", "ж", "\u2028");
    const text = fc.oneof(
      fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")),
      fc.tuple(fc.string({ unit: "binary", maxLength: 8 }), fc.string({ unit: "binary", maxLength: 8 })).map((pair) => JSON.stringify(pair)),
      fc.tuple(fc.array(pieces, { maxLength: 4 }), fc.array(pieces, { maxLength: 4 })).map(([store, id]) => `["${store.join("")}","${id.join("")}"]`),
    );
    fc.assert(
      fc.property(text, (reference) => {
        expect(receiptReferenceStore(reference)).toBe(receiptReference.exec(reference)?.[1] ?? null);
      }),
      // Each run is a few microseconds: many, for the corners of quoting.
      { numRuns: 5_000 },
    );
  });

  it("keeps references that only look like a receipt's JSON (spaces, escapes, three parts, emoji) exactly as they were", () => {
    const references = [
      '["a", "b"]',
      '["a","b"',
      '["a","b","c"]',
      '["a\\"b","c"]',
      '["a\\u0041","b"]',
      '["a","b"] ',
      "[\"a\",'b']",
      '["",""]',
      JSON.stringify(["s1", 'r"1']),
      JSON.stringify(["s\\1", "r1"]),
      JSON.stringify(["😀", "r1"]),
      JSON.stringify(["s1", "\u0001"]),
      JSON.stringify(["s1", "\u2028"]),
      JSON.stringify(["магазин", "чек-1"]),
    ];
    const lots = references.map((reference, index): Lot => ({
      id: index + 1,
      source: "receipt",
      reference,
      partner: "s1",
      points: 1,
      accruedAt: 0,
      activatesAt: 0,
      expiresAt: null,
      remaining: 1,
      held: 0,
      spent: 0,
      expired: 0,
      revoked: 0,
    }));
    expectSameValue(readLotChunk(written((writer) => writeLotChunk(writer, lots)), "test"), lots);
  });

  it("reads back lot shares exactly", () => {
    fc.assert(
      fc.property(fc.array(shareArb, { maxLength: 6 }), (shares) => {
        const reader = new RecordReader(written((writer) => writeShares(writer, shares)), "test");
        expectSameValue(readShares(reader, "test"), shares);
        expect(reader.done).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads back accounts the ledger itself built: accrued, spent, held, settled", () => {
    const at = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(
        fc.array(fc.record({ points: fc.integer({ min: 1, max: 1_000 }), reference: referenceArb, partner: partnerArb, expires: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        (accruals) => {
          let ledger: Ledger = EMPTY_LEDGER;
          accruals.forEach((accrual, index) => {
            const outcome = accrueLot(ledger, {
              points: accrual.points,
              source: LOT_SOURCES[index % LOT_SOURCES.length] ?? "receipt",
              reference: accrual.reference,
              partner: accrual.partner,
              at: at + index * 1_000,
              activatesAt: at + index * 1_000,
              expiresAt: accrual.expires ? at + 10 * DAY : null,
            });
            if (!outcome.ok) throw new Error(outcome.code);
            ledger = outcome.ledger;
          });
          const account: Account = { ...openAccount("m-1", 7, { card: "2000000000015", phone: null, name: "Anna", birthDate: null }, at), ledger, sequence: accruals.length };
          expectSameValue(accountRoundTrip(account), account);
        },
      ),
      { numRuns: 100 },
    );
  });

  // Found by this suite: readLedger put prunedExpiries between lots and holds; LedgerDraft.finish puts it last.
  it("keeps the key order of a ledger that remembers a pruned lot's expired points, as the ledger builds it", () => {
    const at = Date.UTC(2026, 0, 1);
    const accrued = accrueLot(EMPTY_LEDGER, { points: 10, source: "receipt", reference: '["s1","r1"]', partner: "s1", at, activatesAt: at, expiresAt: at + 1 });
    if (!accrued.ok) throw new Error(accrued.code);
    const ledger = settleLedger(accrued.ledger, at + 2).ledger;
    expect(ledger.prunedExpiries).toEqual([{ lot: 1, expired: 10 }]);
    const account: Account = { ...openAccount("m-1", 7, { card: "1", phone: null, name: null, birthDate: null }, at), ledger };
    expectSameValue(accountRoundTrip(account), account);
  });
});

// ---------------------------------------------------------------------------
// 3. Receipt records

describe("the receipt record codec", () => {
  it("reads back commit answers of the engine's shape positionally, deep-equal and with keys in order", () => {
    fc.assert(
      fc.property(receiptRecordArb(commitAnswerArb), (record) => {
        expect(Object.keys(record.answer)).toEqual(COMMIT_KEYS);
        const bytes = written((writer) => writeReceiptRecord(writer, record));
        expect(storedAnswerForm(bytes)).toBe(1);
        expectSameValue(readReceiptRecord(record, bytes), record);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads back answers that leave the commit's shape (a key more or less, keys reordered, a fraction where an integer goes) through the map", () => {
    const offShape = (memberId: string, receiptId: string) =>
      fc
        .tuple(commitAnswerArb(memberId, receiptId), fc.constantFrom(...PERTURBATIONS), fc.nat(1_000), jsonValueArb)
        .map(([answer, how, pick, extra]) => perturb(answer, how, pick, extra));
    fc.assert(
      fc.property(receiptRecordArb(offShape), (record) => {
        const bytes = written((writer) => writeReceiptRecord(writer, record));
        expect(storedAnswerForm(bytes)).toBe(0);
        expectSameValue(readReceiptRecord(record, bytes), record);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads back any JSON-compatible answer map exactly", () => {
    fc.assert(
      fc.property(receiptRecordArb(() => mapArb), (record) => {
        expectSameValue(receiptRoundTrip(record), record);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads back the answers keyed operations give (member first, fractional quantities) and an empty answer", () => {
    const answers = [
      { member: "m-1", lines: [{ line: 0, qty: 0.375, amount: 100, points: 1, pointsReturned: 0 }], pointsRevoked: 1, pointsReturned: 0, debtAdded: 0, balance: 5 },
      { member: "m-1", adjustment: "adj-1", points: -50, balance: 0 },
      { member: "m-1", visit: "v1", store: "s1", status: "came" },
      {},
      { "2": "two", "1": "one", b: [], a: {} },
    ];
    for (const answer of answers) {
      const record: ReceiptRecord = { logicalShard: 1, store: "s1", receiptId: "r1", memberId: "m-1", fingerprint: "f", answer };
      expectSameValue(receiptRoundTrip(record), record);
    }
  });

  it("stores as 32 bytes exactly the fingerprints the format's first build did: 43 base64url characters that decode and encode back to themselves", () => {
    const firstBuild = (text: string): Buffer | null => {
      if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return null;
      const bytes = Buffer.from(text, "base64url");
      return bytes.length === 32 && bytes.toString("base64url") === text ? bytes : null;
    };
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ";
    const textArb = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("base64url")),
      fc.string({ unit: fc.constantFrom(...alphabet), minLength: 42, maxLength: 44 }),
      fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), minLength: 43, maxLength: 43 }),
      fc.string({ unit: "binary", maxLength: 50 }),
    );
    fc.assert(
      fc.property(textArb, (text) => {
        const expected = firstBuild(text);
        const decoded = sha256OfBase64url(text);
        expect(decoded === null ? null : Buffer.from(decoded)).toEqual(expected);
      }),
      { numRuns: 5_000 },
    );
  });

  it("reads back fingerprints, SHA-256 in base64url or any other text, exactly", () => {
    fc.assert(
      fc.property(fingerprintArb, (fingerprint) => {
        const record: ReceiptRecord = { logicalShard: 0, store: "s", receiptId: "r", memberId: "m", fingerprint, answer: {} };
        expect(receiptRoundTrip(record).fingerprint).toBe(fingerprint);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads back settlements (shares, lines, cancelled) deep-equal and with keys in order", () => {
    fc.assert(
      fc.property(settlementArb, fc.oneof(mapArb, commitAnswerArb("m", "r")), (settlement, answer) => {
        const record: ReceiptRecord = { logicalShard: 3, store: "s", receiptId: "r", memberId: "m", fingerprint: "f", answer, settlement };
        expectSameValue(receiptRoundTrip(record), record);
      }),
      { numRuns: RUNS },
    );
  });

  // BUG: a commit answer of the positional shape holding an integer beyond ±2^52 passes isStorableInteger,
  // then writer.int throws an InvariantError instead of storing it (or falling back to the map). Minimal
  // input: a commit-shaped answer with total: 2 ** 52 (other fields 0, no lines or rules, transaction "m-1").
  // The engine's amounts stay far below (RECEIPT_TOTAL_MINOR_MAX 1e11, POINTS_BALANCE_MAX 1e15).
  // Found by this suite: such an answer now falls back to the map form (isStorableInteger bounds the positional form).
  it("stores a commit-shaped answer holding a safe integer above 2^52", () => {
    const answer = { member: "m", receipt: "r", lines: [], total: 2 ** 52, discount: 0, pointsPaid: 0, payable: 0, points: 0, bonusPoints: 0, redeemable: 0, redeem: 0, discountBasisPoints: 0, rules: [], programVersion: 1, balance: 0, transaction: "m-1" };
    const record: ReceiptRecord = { logicalShard: 0, store: "s", receiptId: "r", memberId: "m", fingerprint: "f", answer };
    expectSameValue(receiptRoundTrip(record), record);
  });

  // Found by this suite: readSettlement put lines before cancelled; settleReceipt builds cancelled first.
  it("keeps the key order of a settlement as settleReceipt builds it", () => {
    const settlement = settleReceipt(
      { id: "r", store: "s", at: 0, lines: [{ sku: "a", qty: 1, price: 100, amount: 100 }] },
      {
        lines: [{ sku: "a", amount: 100, discount: 0, pointsPaid: 0, payable: 100, points: 0 }],
        total: 100,
        discount: 0,
        pointsPaid: 0,
        payable: 100,
        points: 0,
        bonusPoints: 0,
        redeemable: 0,
        redeem: 0,
        discountBasisPoints: 0,
        rules: [],
        programVersion: 1,
      },
      0,
      null,
      [],
    );
    const record: ReceiptRecord = { logicalShard: 0, store: "s", receiptId: "r", memberId: "m", fingerprint: "f", answer: {}, settlement };
    expectSameValue(receiptRoundTrip(record), record);
  });

  // BUG: msgpackr (mapsAsObjects) renames a "__proto__" key to "__proto_" when it decodes a map, so an
  // answer or detail map holding that key (JSON.parse makes it an own property) does not come back.
  // Minimal input: answer JSON.parse('{"__proto__":1}') -> read back {"__proto_":1}. No engine answer or
  // detail has that key today; the generated maps above leave it out.
  it.fails('reads back an answer map with a "__proto__" key', () => {
    const answer = JSON.parse('{"__proto__":1}') as Record<string, unknown>;
    const record: ReceiptRecord = { logicalShard: 0, store: "s", receiptId: "r", memberId: "m", fingerprint: "f", answer };
    expectSameValue(receiptRoundTrip(record), record);
  });
});

// ---------------------------------------------------------------------------
// 4. History

describe("the history codec", () => {
  it("reads back a committed receipt's entry (with and without a status change) positionally, deep-equal and with keys in order", () => {
    fc.assert(
      fc.property(receiptEntryArb, (entry) => {
        const bytes = written((writer) => writeHistory(writer, entry));
        expect(storedDetailForm(bytes)).toBe(1);
        expectSameValue(readHistory(entry, bytes), entry);
      }),
      { numRuns: RUNS },
    );
  });

  it("reads back receipt entries of another transaction or shape and entries of every other kind through the map", () => {
    fc.assert(
      fc.property(otherEntryArb, (entry) => {
        const bytes = written((writer) => writeHistory(writer, entry));
        expect(storedDetailForm(bytes)).toBe(0);
        expectSameValue(readHistory(entry, bytes), entry);
      }),
      { numRuns: RUNS },
    );
  });

});

// ---------------------------------------------------------------------------
// 5. Operations: encodeOperation and decodeMutations

type Edit = "same" | "copy" | "change" | "drop";

function changedLot(lot: Lot, how: number): Lot {
  switch (how % 5) {
    case 0:
      return lot.remaining > 0 ? { ...lot, remaining: lot.remaining - 1, spent: lot.spent + 1 } : { ...lot, points: lot.points + 1, remaining: 1 };
    case 1:
      return { ...lot, held: lot.held + 1, points: lot.points + 1 };
    case 2:
      return { ...lot, reference: `${lot.reference}'` };
    case 3:
      return { ...lot, expiresAt: lot.expiresAt === null ? lot.activatesAt + DAY : null };
    default:
      return { ...lot, partner: `${lot.partner}+` };
  }
}

/** An account before an operation and after it: lots kept (the same object or a copy), changed, dropped, added. */
const accountChangeArb: fc.Arbitrary<{ before: Account | undefined; after: Account }> = accountArb.chain((before) =>
  fc
    .record({
      enrolment: fc.boolean().map((value) => value && before.ledger.lots.length % 3 === 0),
      shareLots: fc.boolean(),
      edits: fc.array(fc.tuple(fc.constantFrom<Edit>("same", "same", "copy", "change", "drop"), fc.nat(4)), {
        minLength: before.ledger.lots.length,
        maxLength: before.ledger.lots.length,
      }),
      addedGaps: fc.array(fc.nat(3), { maxLength: 20 }),
      balance: amountArb,
    })
    .chain((plan) => {
      let nextId = before.ledger.nextLotId;
      const addedIds = plan.addedGaps.map((gap) => {
        nextId += gap;
        const id = nextId;
        nextId += 1;
        return id;
      });
      return fc.tuple(...addedIds.map(lotArb)).map((added) => {
        const lots =
          plan.shareLots
            ? before.ledger.lots
            : [
                ...before.ledger.lots.flatMap((lot, index): Lot[] => {
                  const [edit, how] = plan.edits[index] ?? ["same", 0];
                  if (edit === "same") return [lot];
                  if (edit === "copy") return [{ ...lot }];
                  if (edit === "change") return [changedLot(lot, how)];
                  return [];
                }),
                ...added,
              ];
        const after: Account = {
          ...before,
          balance: plan.balance,
          sequence: before.sequence + 1,
          ledger: { ...before.ledger, lots, nextLotId: Math.max(before.ledger.nextLotId, nextId) },
        };
        return { before: plan.enrolment ? undefined : before, after };
      });
    }),
);

function recordsOf(mutations: readonly Mutation[], into = new Map<string, string>()): Map<string, string> {
  for (const { key, value } of mutations) {
    if (value === null) into.delete(keyString(key));
    else into.set(keyString(key), hex(value));
  }
  return into;
}

function sortedEntries(map: Map<string, string>): [string, string][] {
  return [...map.entries()].sort((left, right) => (left[0] < right[0] ? -1 : left[0] > right[0] ? 1 : 0));
}

describe("encodeOperation and decodeMutations", () => {
  it("decode an operation's payload to exactly the mutations it returned, each key naming its member and kind, each value reading back its write", () => {
    const operationArb = accountChangeArb.chain(({ before, after }) => {
      const own = { logicalShard: after.logicalShard, memberId: after.memberId };
      const receipts = fc.array(
        fc.tuple(clientIdArb, clientIdArb, fingerprintArb, fc.oneof(commitAnswerArb(own.memberId, "r"), mapArb), fc.option(settlementArb, { nil: undefined })).map(
          ([store, receiptId, fingerprint, answer, settlement]): ShardWrite => ({
            kind: "receipt",
            receipt: { logicalShard: own.logicalShard, store, receiptId, memberId: own.memberId, fingerprint, answer, ...(settlement === undefined ? {} : { settlement }) },
          }),
        ),
        { maxLength: 2 },
      );
      const history = fc.array(
        fc.oneof(receiptEntryArb, otherEntryArb).map((entry): ShardWrite => ({ kind: "activity", activity: entry })),
        { maxLength: 2 },
      );
      return fc.tuple(fc.boolean(), receipts, history).map(([withAccount, receiptWrites, historyWrites]) => ({
        before,
        writes: [...(withAccount || (receiptWrites.length === 0 && historyWrites.length === 0) ? [{ kind: "account" as const, account: after }] : []), ...receiptWrites, ...historyWrites],
      }));
    });
    fc.assert(
      fc.property(operationArb, ({ before, writes }) => {
        const { payload, mutations } = encodeOperation(before, writes);
        const decoded = decodeMutations(payload);
        expect(decoded.length).toBe(mutations.length);
        decoded.forEach((mutation, index) => {
          const returned = mutations[index] as Mutation;
          expect(hex(mutation.key)).toBe(hex(returned.key));
          expect(mutation.value === null ? null : hex(mutation.value)).toBe(returned.value === null ? null : hex(returned.value));
        });
        // A plain Uint8Array copy of the payload decodes the same.
        expect(decodeMutations(new Uint8Array(payload)).map((mutation) => [hex(mutation.key), mutation.value === null ? null : hex(mutation.value)])).toEqual(
          mutations.map((mutation) => [hex(mutation.key), mutation.value === null ? null : hex(mutation.value)]),
        );
        let mutationIndex = 0;
        for (const write of writes) {
          if (write.kind === "account") {
            const { logicalShard, memberId } = write.account;
            // The account first, then its chunk puts and deletes.
            const first = decodeKey(decoded[mutationIndex]?.key as Buffer);
            expect(first).toEqual({ logicalShard, memberId, kind: ACCOUNT_KIND });
            mutationIndex += 1;
            while (mutationIndex < decoded.length && decodeKey((decoded[mutationIndex] as Mutation).key).kind === LOT_CHUNK_KIND) {
              const key = decodeKey((decoded[mutationIndex] as Mutation).key);
              expect({ logicalShard: key.logicalShard, memberId: key.memberId }).toEqual({ logicalShard, memberId });
              mutationIndex += 1;
            }
          } else if (write.kind === "receipt") {
            const mutation = decoded[mutationIndex] as Mutation;
            const key = decodeKey(mutation.key);
            const { logicalShard, memberId, store, receiptId } = write.receipt;
            expect(key).toEqual({ logicalShard, memberId, kind: RECORD_KIND, store, recordId: receiptId });
            expectSameValue(readReceiptRecord({ logicalShard, memberId, store, receiptId }, mutation.value as Uint8Array), write.receipt);
            mutationIndex += 1;
          } else if (write.kind === "activity") {
            const mutation = decoded[mutationIndex] as Mutation;
            const key = decodeKey(mutation.key);
            const { logicalShard, memberId, sequence } = write.activity;
            expect(key).toEqual({ logicalShard, memberId, kind: HISTORY_KIND, number: sequence });
            expectSameValue(readHistory({ logicalShard, memberId, sequence }, mutation.value as Uint8Array), write.activity);
            mutationIndex += 1;
          }
        }
        expect(mutationIndex).toBe(decoded.length);
      }),
      { numRuns: HEAVY_RUNS },
    );
  });

  it("turn the records of the account before into exactly those of the account after, rewriting only the chunks whose lots changed", () => {
    fc.assert(
      fc.property(accountChangeArb, ({ before, after }) => {
        const { mutations } = encodeOperation(before, [{ kind: "account", account: after }]);
        const state = before === undefined ? new Map<string, string>() : recordsOf(writeMutations(undefined, [{ kind: "account", account: before }]));
        recordsOf(mutations, state);
        const expected = recordsOf(writeMutations(undefined, [{ kind: "account", account: after }]));
        expect(sortedEntries(state)).toEqual(sortedEntries(expected));

        // The state reads back as the account after.
        const chunkEntries = [...state.entries()]
          .map(([key, value]) => ({ key: decodeKey(Buffer.from(key, "latin1")), value: Buffer.from(value, "hex") }))
          .filter((entry) => entry.key.kind === LOT_CHUNK_KIND)
          .sort((left, right) => (left.key.number ?? 0) - (right.key.number ?? 0));
        const core = Buffer.from(state.get(keyString(accountKey(after.logicalShard, after.memberId))) ?? "", "hex");
        expectSameValue(
          readAccount(
            after.logicalShard,
            after.memberId,
            core,
            chunkEntries.map((entry) => entry.value),
          ),
          after,
        );

        // Only changed chunks are written; only emptied chunks are deleted.
        const beforeChunks = before === undefined ? new Map<number, Lot[]>() : lotsByChunk(before.ledger.lots);
        const afterChunks = lotsByChunk(after.ledger.lots);
        for (const mutation of mutations) {
          const key = decodeKey(mutation.key);
          if (key.kind !== LOT_CHUNK_KIND) continue;
          const index = key.number as number;
          if (mutation.value === null) {
            expect(beforeChunks.has(index)).toBe(true);
            expect(afterChunks.has(index)).toBe(false);
          } else {
            expect(isDeepStrictEqual(beforeChunks.get(index), afterChunks.get(index))).toBe(false);
          }
        }
        if (before !== undefined && before.ledger.lots === after.ledger.lots) expect(mutations.length).toBe(1);
      }),
      { numRuns: HEAVY_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------
// 6. Keys

const keyMemberIdArb = fc.oneof(memberIdArb, fc.string({ unit: printableAscii(0x20), minLength: 1, maxLength: 255 }));
/** Stores and record ids: any well-formed text of at most 255 UTF-8 bytes. */
const keyPartArb = fc.oneof(clientIdArb, textArb, fc.string({ unit: "binary", maxLength: 80 })).filter((text) => Buffer.byteLength(text, "utf8") <= 255);
const sequenceArb = fc.oneof(fc.nat(1_000), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.constantFrom(0, 2 ** 48 - 1));
const chunkIndexArb = fc.oneof(fc.nat(20), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 2 ** 32 - 1));

describe("record keys", () => {
  it("decode back to their logical shard, member, kind and parts", () => {
    fc.assert(
      fc.property(logicalShardArb, keyMemberIdArb, keyPartArb, keyPartArb, sequenceArb, chunkIndexArb, (logicalShard, memberId, store, recordId, sequence, chunk) => {
        expect(decodeKey(accountKey(logicalShard, memberId))).toEqual({ logicalShard, memberId, kind: ACCOUNT_KIND });
        expect(decodeKey(lotChunkKey(logicalShard, memberId, chunk))).toEqual({ logicalShard, memberId, kind: LOT_CHUNK_KIND, number: chunk });
        expect(decodeKey(historyKey(logicalShard, memberId, sequence))).toEqual({ logicalShard, memberId, kind: HISTORY_KIND, number: sequence });
        expect(decodeKey(recordKey(logicalShard, memberId, store, recordId))).toEqual({ logicalShard, memberId, kind: RECORD_KIND, store, recordId });
      }),
      { numRuns: RUNS },
    );
  });

  it("sort one member's history newest first, as bytes", () => {
    fc.assert(
      fc.property(logicalShardArb, keyMemberIdArb, fc.uniqueArray(sequenceArb, { minLength: 2, maxLength: 20 }), (logicalShard, memberId, sequences) => {
        const keys = sequences.map((sequence) => historyKey(logicalShard, memberId, sequence)).sort(Buffer.compare);
        const newestFirst = [...sequences].sort((left, right) => right - left);
        expect(keys.map((key) => decodeKey(key).number)).toEqual(newestFirst);
      }),
      { numRuns: RUNS },
    );
  });

  it("keep each of a member's keys within its kind's range, the kinds in the order account, chunks, history, records, all before the next member", () => {
    fc.assert(
      fc.property(
        logicalShardArb,
        keyMemberIdArb,
        keyMemberIdArb,
        keyPartArb,
        keyPartArb,
        sequenceArb,
        chunkIndexArb,
        (logicalShard, memberId, otherMember, store, recordId, sequence, chunk) => {
          const keys: [number, Buffer][] = [
            [ACCOUNT_KIND, accountKey(logicalShard, memberId)],
            [LOT_CHUNK_KIND, lotChunkKey(logicalShard, memberId, chunk)],
            [HISTORY_KIND, historyKey(logicalShard, memberId, sequence)],
            [RECORD_KIND, recordKey(logicalShard, memberId, store, recordId)],
          ];
          const first = memberKindRange(logicalShard, memberId, ACCOUNT_KIND).start;
          const end = afterMember(logicalShard, memberId);
          for (const [kind, key] of keys) {
            const range = memberKindRange(logicalShard, memberId, kind);
            expect(Buffer.compare(range.start, key)).toBeLessThanOrEqual(0);
            expect(Buffer.compare(key, range.end)).toBeLessThan(0);
            expect(Buffer.compare(first, key)).toBeLessThanOrEqual(0);
            expect(Buffer.compare(key, end)).toBeLessThan(0);
          }
          const sorted = keys.map(([, key]) => key).sort(Buffer.compare);
          expect(sorted.map((key) => decodeKey(key).kind)).toEqual([ACCOUNT_KIND, LOT_CHUNK_KIND, HISTORY_KIND, RECORD_KIND]);
          // Another member's keys never fall inside this member's range.
          if (otherMember !== memberId) {
            for (const key of [
              accountKey(logicalShard, otherMember),
              lotChunkKey(logicalShard, otherMember, chunk),
              historyKey(logicalShard, otherMember, sequence),
              recordKey(logicalShard, otherMember, store, recordId),
            ]) {
              expect(Buffer.compare(key, first) < 0 || Buffer.compare(key, end) >= 0).toBe(true);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("keep every member key of a logical shard within that shard's range and outside every other's", () => {
    fc.assert(
      fc.property(logicalShardArb, logicalShardArb, keyMemberIdArb, keyPartArb, sequenceArb, chunkIndexArb, (logicalShard, otherShard, memberId, store, sequence, chunk) => {
        const range = logicalShardRange(logicalShard);
        const other = logicalShardRange(otherShard);
        for (const key of [
          accountKey(logicalShard, memberId),
          lotChunkKey(logicalShard, memberId, chunk),
          historyKey(logicalShard, memberId, sequence),
          recordKey(logicalShard, memberId, store, store),
          afterMember(logicalShard, memberId),
        ]) {
          expect(Buffer.compare(range.start, key)).toBeLessThanOrEqual(0);
          expect(Buffer.compare(key, range.end)).toBeLessThan(0);
          if (otherShard !== logicalShard) expect(Buffer.compare(key, other.start) < 0 || Buffer.compare(key, other.end) >= 0).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
