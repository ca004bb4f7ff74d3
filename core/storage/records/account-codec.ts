import type { Account, MemberProfile } from "../../account/account.js";
import type { AccountCounters, CounterTotals, PeriodTotals } from "../../account/counters.js";
import { assert } from "../../assert/assert.js";
import type { Ledger, LedgerLifetimeTotals, PrunedExpiry } from "../../ledger/ledger.js";
import type { Hold, Lot, LotShare } from "../../ledger/lot.js";
import { lotSourceCode, lotSourceOf } from "./record-packer.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * An account at rest is two kinds of record: the account itself (profile,
 * counters, balances, holds: rewritten by every operation, ~100 bytes) and
 * its open point lots in chunks of LOTS_PER_CHUNK by lot id (rewritten only
 * when one of their lots changes). A commit that accrues one lot rewrites the
 * account and the last chunk, not every lot the member ever kept open.
 *
 * Both are written field by field in a fixed order (record-writer.ts), after
 * a format byte; a newer build keeps reading every older format. The member
 * id and logical shard are in the key, not in the record.
 */

/**
 * Lots per chunk record. Lot ids only grow, so new lots fill the last chunk
 * and redemptions (earliest expiry first) touch the oldest: a commit rewrites
 * one or two chunks. 16 lots are about 0.6 KB: small enough that a rewrite
 * costs little, large enough that a member's lots are one or two LMDB
 * entries (each entry costs a key and a node header at rest).
 */
export const LOTS_PER_CHUNK = 16;

const ACCOUNT_FORMAT = 1;
const LOT_CHUNK_FORMAT = 1;
const VISIT_STATUSES = [null, "came", "didNotCome"] as const;
const REFERENCE_AS_TEXT = 0;
const REFERENCE_OF_RECEIPT = 1;
/**
 * JSON.stringify([store, receipt id]) for ids JSON writes as they are (no
 * quote, backslash, control character or lone surrogate): a receipt lot's
 * reference, stored as its two parts.
 */
const RECEIPT_REFERENCE = /^\["([^"\\\u0000-\u001f\ud800-\udfff]*)","([^"\\\u0000-\u001f\ud800-\udfff]*)"\]$/;

/** Which chunk a lot lives in. */
export function lotChunkIndex(lotId: number): number {
  assert(Number.isSafeInteger(lotId) && lotId >= 1, "lot ids start at 1");
  return Math.floor((lotId - 1) / LOTS_PER_CHUNK);
}

export function writeAccount(writer: RecordWriter, account: Account): void {
  const { profile, counters, ledger } = account;
  writer.byte(ACCOUNT_FORMAT);
  // Which lot chunks exist, first: a read fetches exactly those keys, no range scan.
  const chunkIndices = lotChunkIndices(ledger.lots);
  writer.uint(chunkIndices.length);
  for (const index of chunkIndices) writer.uint(index);
  writer.string(profile.card);
  writer.nullableString(profile.phone);
  writer.nullableString(profile.name);
  writer.nullableString(profile.birthDate);
  writer.int(account.balance);
  writer.int(account.createdAt);
  writer.uint(account.sequence);
  writer.uint(account.categories.length);
  for (const category of account.categories) writer.string(category);
  writer.byte(VISIT_STATUSES.indexOf(account.lastVisitStatus));
  writeTotals(writer, counters.lifetime);
  writer.uint(counters.recentPeriods.length);
  for (const period of counters.recentPeriods) {
    writer.int(period.period);
    writeTotals(writer, period);
  }
  // Visit times as distances from the account's creation: 3-4 bytes instead of 6.
  writer.nullableInt(counters.firstVisitAt === null ? null : counters.firstVisitAt - account.createdAt);
  writer.nullableInt(counters.lastVisitAt === null ? null : counters.lastVisitAt - account.createdAt);
  writeLedger(writer, ledger);
}

/** The account from its record and its lot chunks (in chunk order). */
export function readAccount(logicalShard: number, memberId: string, bytes: Uint8Array, chunks: readonly Uint8Array[]): Account {
  const what = `account ${memberId}`;
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  assert(format === ACCOUNT_FORMAT, `${what}: format ${format} is known`);
  const chunkCount = reader.uint();
  assert(chunkCount === chunks.length, `${what}: its ${chunkCount} lot chunks are given`);
  for (let count = chunkCount; count > 0; count -= 1) reader.uint();
  const profile: MemberProfile = { card: reader.string(), phone: reader.nullableString(), name: reader.nullableString(), birthDate: reader.nullableString() };
  const balance = reader.int();
  const createdAt = reader.int();
  const sequence = reader.uint();
  const categories: string[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) categories.push(reader.string());
  const lastVisitStatus = VISIT_STATUSES[reader.byte()];
  assert(lastVisitStatus !== undefined, `${what}: the visit status code is known`);
  const lifetime = readTotals(reader);
  const recentPeriods: PeriodTotals[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) recentPeriods.push({ period: reader.int(), ...readTotals(reader) });
  const firstVisit = reader.nullableInt();
  const lastVisit = reader.nullableInt();
  const counters: AccountCounters = {
    lifetime,
    recentPeriods,
    firstVisitAt: firstVisit === null ? null : createdAt + firstVisit,
    lastVisitAt: lastVisit === null ? null : createdAt + lastVisit,
  };
  const lots = chunks.length === 1 ? readLotChunk(chunks[0] as Uint8Array, what) : chunks.flatMap((chunk) => readLotChunk(chunk, what));
  const ledger = readLedger(reader, lots, what);
  assert(reader.done, `${what}: the record ends after its ledger`);
  return { memberId, logicalShard, profile, balance, ledger, counters, categories, lastVisitStatus, createdAt, sequence };
}

function writeTotals(writer: RecordWriter, totals: CounterTotals): void {
  writer.int(totals.sold);
  writer.int(totals.paid);
  writer.int(totals.visits);
}

function readTotals(reader: RecordReader): CounterTotals {
  return { sold: reader.int(), paid: reader.int(), visits: reader.int() };
}

function writeLedger(writer: RecordWriter, ledger: Ledger): void {
  writer.int(ledger.debt);
  writer.uint(ledger.nextLotId);
  const totals = ledger.totals;
  for (const value of [totals.accrued, totals.spent, totals.expired, totals.revoked, totals.debtIncurred, totals.debtRepaid, totals.pruned]) writer.int(value);
  if (ledger.prunedExpiries === undefined) writer.byte(0);
  else {
    writer.byte(1);
    writer.uint(ledger.prunedExpiries.length);
    for (const pruned of ledger.prunedExpiries) {
      writer.uint(pruned.lot);
      writer.int(pruned.expired);
    }
  }
  writer.uint(ledger.holds.length);
  for (const hold of ledger.holds) {
    writer.string(hold.key);
    writer.int(hold.points);
    writer.int(hold.expiresAt);
    writeShares(writer, hold.shares);
  }
}

function readLedger(reader: RecordReader, lots: readonly Lot[], what: string): Ledger {
  const debt = reader.int();
  const nextLotId = reader.uint();
  const totals: LedgerLifetimeTotals = {
    accrued: reader.int(),
    spent: reader.int(),
    expired: reader.int(),
    revoked: reader.int(),
    debtIncurred: reader.int(),
    debtRepaid: reader.int(),
    pruned: reader.int(),
  };
  let prunedExpiries: PrunedExpiry[] | undefined;
  if (reader.byte() === 1) {
    prunedExpiries = [];
    for (let count = reader.uint(); count > 0; count -= 1) prunedExpiries.push({ lot: reader.uint(), expired: reader.int() });
  }
  const holds: Hold[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    holds.push({ key: reader.string(), points: reader.int(), expiresAt: reader.int(), shares: readShares(reader, what) });
  }
  // Keys in the order the ledger builds them (LedgerDraft.finish): a read account equals a computed one, key order included.
  return { lots, holds, debt, nextLotId, totals, ...(prunedExpiries === undefined ? {} : { prunedExpiries }) };
}

/**
 * One chunk's lots, ascending id. Strings repeated across lots (partners,
 * the store of a receipt's reference) are written once per chunk and named
 * by index; a receipt lot's reference, the JSON of [store, receipt id], is
 * kept as those two parts; activation and expiry are distances from the
 * accrual. Every field round-trips exactly.
 */
export function writeLotChunk(writer: RecordWriter, lots: readonly Lot[]): void {
  assert(lots.length > 0 && lots.length <= LOTS_PER_CHUNK, "a chunk holds 1 to LOTS_PER_CHUNK lots");
  const strings: string[] = [];
  const references: (RegExpExecArray | null)[] = [];
  const indexOf = (text: string): number => {
    const found = strings.indexOf(text);
    return found >= 0 ? found : strings.push(text) - 1;
  };
  const partners = lots.map((lot) => {
    const match = RECEIPT_REFERENCE.exec(lot.reference);
    references.push(match);
    if (match !== null) indexOf(match[1] as string);
    return indexOf(lot.partner);
  });
  writer.byte(LOT_CHUNK_FORMAT);
  writer.uint(strings.length);
  for (const text of strings) writer.string(text);
  writer.uint(lots.length);
  lots.forEach((lot, index) => {
    writer.uint(lot.id);
    writer.byte(lotSourceCode(lot.source));
    const reference = references[index];
    if (reference === null || reference === undefined) {
      writer.byte(REFERENCE_AS_TEXT);
      writer.string(lot.reference);
    } else {
      writer.byte(REFERENCE_OF_RECEIPT);
      writer.uint(strings.indexOf(reference[1] as string));
      writer.string(reference[2] as string);
    }
    writer.uint(partners[index] as number);
    writer.int(lot.points);
    writer.int(lot.accruedAt);
    writer.int(lot.activatesAt - lot.accruedAt);
    writer.nullableInt(lot.expiresAt === null ? null : lot.expiresAt - lot.activatesAt);
    for (const value of [lot.remaining, lot.held, lot.spent, lot.expired, lot.revoked]) writer.int(value);
  });
}

export function readLotChunk(bytes: Uint8Array, what: string): Lot[] {
  const reader = new RecordReader(bytes, `${what} lot chunk`);
  const format = reader.byte();
  assert(format === LOT_CHUNK_FORMAT, `${what}: lot chunk format ${format} is known`);
  const strings: string[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) strings.push(reader.string());
  const stringAt = (index: number): string => {
    const text = strings[index];
    assert(text !== undefined, `${what}: a lot's string is in its chunk's list`);
    return text;
  };
  const lots: Lot[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    const id = reader.uint();
    const source = lotSourceOf(reader.byte(), what);
    const referenceForm = reader.byte();
    assert(referenceForm === REFERENCE_AS_TEXT || referenceForm === REFERENCE_OF_RECEIPT, `${what}: a lot's reference form is known`);
    const reference = referenceForm === REFERENCE_AS_TEXT ? reader.string() : JSON.stringify([stringAt(reader.uint()), reader.string()]);
    const partner = stringAt(reader.uint());
    const points = reader.int();
    const accruedAt = reader.int();
    const activatesAt = accruedAt + reader.int();
    const expiresAfter = reader.nullableInt();
    lots.push({
      id,
      source,
      reference,
      partner,
      points,
      accruedAt,
      activatesAt,
      expiresAt: expiresAfter === null ? null : activatesAt + expiresAfter,
      remaining: reader.int(),
      held: reader.int(),
      spent: reader.int(),
      expired: reader.int(),
      revoked: reader.int(),
    });
  }
  assert(reader.done, `${what}: a lot chunk ends after its lots`);
  return lots;
}

/** The chunk indices an account record names: which lot chunks to read with it, in order. */
export function accountChunkIndices(bytes: Uint8Array, what: string): number[] {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  assert(format === ACCOUNT_FORMAT, `${what}: format ${format} is known`);
  const indices: number[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) indices.push(reader.uint());
  return indices;
}

/** The chunk indices of `lots` (ascending id), ascending. */
function lotChunkIndices(lots: readonly Lot[]): number[] {
  const indices: number[] = [];
  for (const lot of lots) {
    const index = lotChunkIndex(lot.id);
    if (indices[indices.length - 1] !== index) indices.push(index);
  }
  return indices;
}

/** The lots of `lots` (ascending id) grouped by chunk index. */
export function lotsByChunk(lots: readonly Lot[]): Map<number, Lot[]> {
  const chunks = new Map<number, Lot[]>();
  for (const lot of lots) {
    const index = lotChunkIndex(lot.id);
    const chunk = chunks.get(index);
    if (chunk === undefined) chunks.set(index, [lot]);
    else chunk.push(lot);
  }
  return chunks;
}

export function sameLot(left: Lot, right: Lot): boolean {
  return (
    left === right ||
    (left.id === right.id &&
      left.source === right.source &&
      left.reference === right.reference &&
      left.partner === right.partner &&
      left.points === right.points &&
      left.accruedAt === right.accruedAt &&
      left.activatesAt === right.activatesAt &&
      left.expiresAt === right.expiresAt &&
      left.remaining === right.remaining &&
      left.held === right.held &&
      left.spent === right.spent &&
      left.expired === right.expired &&
      left.revoked === right.revoked)
  );
}

/** Lot shares (holds and receipt records keep them): the lot's identity and the points. */
export function writeShares(writer: RecordWriter, shares: readonly LotShare[]): void {
  writer.uint(shares.length);
  for (const share of shares) {
    writer.uint(share.lot);
    writer.int(share.points);
    writer.nullableInt(share.expiresAt);
    writer.byte(lotSourceCode(share.source));
    writer.string(share.partner);
    writer.int(share.activatesAt);
    writer.string(share.reference);
    writer.int(share.accruedAt);
  }
}

export function readShares(reader: RecordReader, what: string): LotShare[] {
  const shares: LotShare[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    shares.push({
      lot: reader.uint(),
      points: reader.int(),
      expiresAt: reader.nullableInt(),
      source: lotSourceOf(reader.byte(), what),
      partner: reader.string(),
      activatesAt: reader.int(),
      reference: reader.string(),
      accruedAt: reader.int(),
    });
  }
  return shares;
}
