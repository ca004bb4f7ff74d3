import type { Account, MemberProfile } from "../../account/account.js";
import type { AccountCounters, PeriodTotals } from "../../account/counters.js";
import { assert } from "../../assert/assert.js";
import type { Ledger, LedgerLifetimeTotals, PrunedExpiry } from "../../ledger/ledger.js";
import type { Hold, Lot, LotShare } from "../../ledger/lot.js";
import {
  arrayAt,
  lotSourceCode,
  lotSourceOf,
  nullableNumberAt,
  nullableStringAt,
  numberAt,
  packRecord,
  stringAt,
  unpackRecord,
} from "./record-packer.js";

/**
 * An account at rest is two kinds of record: the account itself (profile,
 * counters, balances, holds: rewritten by every operation, ~150 bytes) and
 * its open point lots in chunks of LOTS_PER_CHUNK by lot id (rewritten only
 * when one of their lots changes). A commit that accrues one lot rewrites the
 * account and the last chunk, not every lot the member ever kept open.
 */

/**
 * Lots per chunk record. Lot ids only grow, so new lots fill the last chunk
 * and redemptions (earliest expiry first) touch the oldest: a commit rewrites
 * one or two chunks. 16 lots are about 1 KB encoded: small enough that a
 * rewrite costs little, large enough that a member's lots are one or two
 * LMDB entries (each entry costs a key and a node header at rest).
 */
export const LOTS_PER_CHUNK = 16;

const ACCOUNT_FORMAT = 1;
const LOT_CHUNK_FORMAT = 1;
const VISIT_STATUSES = [null, "came", "didNotCome"] as const;

/** Which chunk a lot lives in. */
export function lotChunkIndex(lotId: number): number {
  assert(Number.isSafeInteger(lotId) && lotId >= 1, "lot ids start at 1");
  return Math.floor((lotId - 1) / LOTS_PER_CHUNK);
}

export function encodeAccount(account: Account): Buffer {
  const { profile, counters, ledger } = account;
  return packRecord([
    ACCOUNT_FORMAT,
    profile.card,
    profile.phone,
    profile.name,
    profile.birthDate,
    account.balance,
    account.createdAt,
    account.sequence,
    account.categories,
    VISIT_STATUSES.indexOf(account.lastVisitStatus),
    [counters.lifetime.sold, counters.lifetime.paid, counters.lifetime.visits],
    counters.recentPeriods.flatMap((period) => [period.period, period.sold, period.paid, period.visits]),
    relativeTime(counters.firstVisitAt, account.createdAt),
    relativeTime(counters.lastVisitAt, account.createdAt),
    ledger.debt,
    ledger.nextLotId,
    totalsFields(ledger.totals),
    ledger.prunedExpiries === undefined ? null : ledger.prunedExpiries.flatMap((pruned) => [pruned.lot, pruned.expired]),
    ledger.holds.map(holdFields),
  ]);
}

/** The account from its record and its lot chunks (in chunk order). */
export function decodeAccount(logicalShard: number, memberId: string, bytes: Uint8Array, chunks: readonly Uint8Array[]): Account {
  const what = `account ${memberId}`;
  const fields = unpackRecord(bytes, what);
  assert(fields[0] === ACCOUNT_FORMAT, `${what}: format ${String(fields[0])} is known`);
  const profile: MemberProfile = {
    card: stringAt(fields, 1, what),
    phone: nullableStringAt(fields, 2, what),
    name: nullableStringAt(fields, 3, what),
    birthDate: nullableStringAt(fields, 4, what),
  };
  const lots = chunks.flatMap((chunk) => decodeLotChunk(chunk, what));
  const prunedFlat = fields[17];
  const ledger: Ledger = {
    lots,
    ...(prunedFlat === null ? {} : { prunedExpiries: pairs(prunedFlat, what).map(([lot, expired]): PrunedExpiry => ({ lot, expired })) }),
    holds: arrayAt(fields, 18, what).map((hold) => decodeHold(hold, what)),
    debt: numberAt(fields, 14, what),
    nextLotId: numberAt(fields, 15, what),
    totals: decodeTotals(arrayAt(fields, 16, what), what),
  };
  const visitStatus = VISIT_STATUSES[numberAt(fields, 9, what)];
  assert(visitStatus !== undefined, `${what}: the visit status code is known`);
  return {
    memberId,
    logicalShard,
    profile,
    balance: numberAt(fields, 5, what),
    ledger,
    counters: decodeCounters(fields, what),
    categories: arrayAt(fields, 8, what).map((category) => {
      assert(typeof category === "string", `${what}: categories are strings`);
      return category;
    }),
    lastVisitStatus: visitStatus,
    createdAt: numberAt(fields, 6, what),
    sequence: numberAt(fields, 7, what),
  };
}

/**
 * One chunk's lots, ascending id. Strings repeated across lots (partners,
 * the store of a receipt's reference) are written once per chunk and named
 * by index; a receipt lot's reference, the JSON of [store, receipt id], is
 * kept as those two parts; activation and expiry are distances from the
 * accrual (every field round-trips exactly: encodeReference checks it).
 */
export function encodeLotChunk(lots: readonly Lot[]): Buffer {
  assert(lots.length > 0 && lots.length <= LOTS_PER_CHUNK, "a chunk holds 1 to LOTS_PER_CHUNK lots");
  const strings: string[] = [];
  const indexOf = (text: string): number => {
    const found = strings.indexOf(text);
    return found >= 0 ? found : strings.push(text) - 1;
  };
  const fields: unknown[] = [LOT_CHUNK_FORMAT, strings];
  for (const lot of lots) {
    fields.push(
      lot.id,
      lotSourceCode(lot.source),
      encodeReference(lot.reference, indexOf),
      indexOf(lot.partner),
      lot.points,
      lot.accruedAt,
      lot.activatesAt - lot.accruedAt,
      lot.expiresAt === null ? null : lot.expiresAt - lot.activatesAt,
      lot.remaining,
      lot.held,
      lot.spent,
      lot.expired,
      lot.revoked,
    );
  }
  return packRecord(fields);
}

const LOT_FIELDS = 13;

export function decodeLotChunk(bytes: Uint8Array, what: string): Lot[] {
  const fields = unpackRecord(bytes, `${what} lot chunk`);
  assert(fields[0] === LOT_CHUNK_FORMAT, `${what}: lot chunk format ${String(fields[0])} is known`);
  const strings = arrayAt(fields, 1, what);
  const stringOf = (index: unknown): string => {
    const text = typeof index === "number" ? strings[index] : undefined;
    assert(typeof text === "string", `${what}: a lot's string is in its chunk's list`);
    return text;
  };
  assert((fields.length - 2) % LOT_FIELDS === 0, `${what}: a lot chunk holds whole lots`);
  const lots: Lot[] = [];
  for (let at = 2; at < fields.length; at += LOT_FIELDS) {
    const accruedAt = numberAt(fields, at + 5, what);
    const activatesAt = accruedAt + numberAt(fields, at + 6, what);
    const expiresAfter = nullableNumberAt(fields, at + 7, what);
    lots.push({
      id: numberAt(fields, at, what),
      source: lotSourceOf(fields[at + 1], what),
      reference: decodeReference(fields[at + 2], stringOf, what),
      partner: stringOf(fields[at + 3]),
      points: numberAt(fields, at + 4, what),
      accruedAt,
      activatesAt,
      expiresAt: expiresAfter === null ? null : activatesAt + expiresAfter,
      remaining: numberAt(fields, at + 8, what),
      held: numberAt(fields, at + 9, what),
      spent: numberAt(fields, at + 10, what),
      expired: numberAt(fields, at + 11, what),
      revoked: numberAt(fields, at + 12, what),
    });
  }
  return lots;
}

/**
 * A lot's reference: a receipt's is JSON.stringify([store, receipt id]),
 * stored as [index of the store in the chunk's strings, receipt id]; any
 * other reference as itself.
 */
function encodeReference(reference: string, indexOf: (text: string) => number): string | [number, string] {
  if (!reference.startsWith("[")) return reference;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reference);
  } catch {
    return reference;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "string" || typeof parsed[1] !== "string") return reference;
  if (JSON.stringify(parsed) !== reference) return reference;
  return [indexOf(parsed[0]), parsed[1]];
}

function decodeReference(value: unknown, stringOf: (index: unknown) => string, what: string): string {
  if (typeof value === "string") return value;
  assert(Array.isArray(value) && value.length === 2 && typeof value[1] === "string", `${what}: a lot's reference is a string or [store, receipt]`);
  return JSON.stringify([stringOf(value[0]), value[1]]);
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

function totalsFields(totals: LedgerLifetimeTotals): number[] {
  return [totals.accrued, totals.spent, totals.expired, totals.revoked, totals.debtIncurred, totals.debtRepaid, totals.pruned];
}

function decodeTotals(fields: readonly unknown[], what: string): LedgerLifetimeTotals {
  return {
    accrued: numberAt(fields, 0, what),
    spent: numberAt(fields, 1, what),
    expired: numberAt(fields, 2, what),
    revoked: numberAt(fields, 3, what),
    debtIncurred: numberAt(fields, 4, what),
    debtRepaid: numberAt(fields, 5, what),
    pruned: numberAt(fields, 6, what),
  };
}

/**
 * A time stored as its distance from a base time of the same record: epoch
 * milliseconds take 9 bytes in MessagePack, a distance of days 5. The
 * distance may be negative (a migrated member's first visit predates its
 * account here).
 */
function relativeTime(time: number | null, base: number): number | null {
  return time === null ? null : time - base;
}

function absoluteTime(fields: readonly unknown[], index: number, base: number, what: string): number | null {
  const distance = nullableNumberAt(fields, index, what);
  return distance === null ? null : base + distance;
}

function decodeCounters(fields: readonly unknown[], what: string): AccountCounters {
  const lifetime = arrayAt(fields, 10, what);
  const periodsFlat = arrayAt(fields, 11, what);
  assert(periodsFlat.length % 4 === 0, `${what}: period totals come in fours`);
  const recentPeriods: PeriodTotals[] = [];
  for (let at = 0; at < periodsFlat.length; at += 4) {
    recentPeriods.push({
      period: numberAt(periodsFlat, at, what),
      sold: numberAt(periodsFlat, at + 1, what),
      paid: numberAt(periodsFlat, at + 2, what),
      visits: numberAt(periodsFlat, at + 3, what),
    });
  }
  return {
    lifetime: { sold: numberAt(lifetime, 0, what), paid: numberAt(lifetime, 1, what), visits: numberAt(lifetime, 2, what) },
    recentPeriods,
    firstVisitAt: absoluteTime(fields, 12, numberAt(fields, 6, what), what),
    lastVisitAt: absoluteTime(fields, 13, numberAt(fields, 6, what), what),
  };
}

function holdFields(hold: Hold): unknown[] {
  return [hold.key, hold.points, hold.expiresAt, hold.shares.flatMap(shareFields)];
}

function decodeHold(value: unknown, what: string): Hold {
  assert(Array.isArray(value), `${what}: a hold is an array`);
  return {
    key: stringAt(value, 0, what),
    points: numberAt(value, 1, what),
    expiresAt: numberAt(value, 2, what),
    shares: decodeShares(arrayAt(value, 3, what), what),
  };
}

const SHARE_FIELDS = 8;

/** A lot share as eight fields (receipt records use it too). */
export function shareFields(share: LotShare): unknown[] {
  return [share.lot, share.points, share.expiresAt, lotSourceCode(share.source), share.partner, share.activatesAt, share.reference, share.accruedAt];
}

export function decodeShares(flat: readonly unknown[], what: string): LotShare[] {
  assert(flat.length % SHARE_FIELDS === 0, `${what}: lot shares come in eights`);
  const shares: LotShare[] = [];
  for (let at = 0; at < flat.length; at += SHARE_FIELDS) {
    shares.push({
      lot: numberAt(flat, at, what),
      points: numberAt(flat, at + 1, what),
      expiresAt: nullableNumberAt(flat, at + 2, what),
      source: lotSourceOf(flat[at + 3], what),
      partner: stringAt(flat, at + 4, what),
      activatesAt: numberAt(flat, at + 5, what),
      reference: stringAt(flat, at + 6, what),
      accruedAt: numberAt(flat, at + 7, what),
    });
  }
  return shares;
}

function pairs(value: unknown, what: string): [number, number][] {
  assert(Array.isArray(value) && value.length % 2 === 0, `${what}: pairs come in twos`);
  const result: [number, number][] = [];
  for (let at = 0; at < value.length; at += 2) result.push([numberAt(value, at, what), numberAt(value, at + 1, what)]);
  return result;
}
