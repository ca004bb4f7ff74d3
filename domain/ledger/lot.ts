import { assert, assertNonNegativeInteger, assertSafeInteger } from "../assert/assert.js";

/** Where an accrual came from. */
export type LotSource = "receipt" | "bonus" | "adjustment" | "campaign" | "transfer" | "survey";

export const LOT_SOURCES: readonly LotSource[] = ["receipt", "bonus", "adjustment", "campaign", "transfer", "survey"];

/**
 * One accrual of points and what became of them. Every point of a lot is in
 * exactly one state, so `points = remaining + held + spent + expired + revoked`.
 *
 * `remaining` points are pending before `activatesAt` (shown, not spendable)
 * and active from then until `expiresAt` (null: they never expire). `held`
 * points are reserved by a hold (two-phase redemption); `spent` points were
 * redeemed or used to repay debt; `expired` points passed `expiresAt` unspent;
 * `revoked` points were taken back by a reversal of the accrual.
 *
 * A lot that was pruned and later recreated by a returned share accounts only
 * for the points it got back: its `points` is then less than the accrual.
 */
export interface Lot {
  readonly id: number;
  readonly source: LotSource;
  /** What the accrual belongs to (a receipt id, a campaign id): for people and reversals. */
  readonly reference: string;
  readonly partner: string;
  readonly points: number;
  readonly accruedAt: number;
  readonly activatesAt: number;
  readonly expiresAt: number | null;
  readonly remaining: number;
  readonly held: number;
  readonly spent: number;
  readonly expired: number;
  readonly revoked: number;
}

/**
 * The points one redemption or hold took from one lot. It carries the lot's
 * identity (id, source, reference, partner, times), so that a return can
 * recreate the lot with its original expiry after the lot was pruned.
 * `accruedAt` is there for the same reason: a recreated lot keeps it.
 */
export interface LotShare {
  readonly lot: number;
  readonly points: number;
  readonly expiresAt: number | null;
  readonly source: LotSource;
  readonly partner: string;
  readonly activatesAt: number;
  readonly reference: string;
  readonly accruedAt: number;
}

/** Points reserved for a redemption that is not committed yet; gone at `expiresAt`. */
export interface Hold {
  readonly key: string;
  readonly points: number;
  readonly expiresAt: number;
  /** Where the held points sit, one share per lot, in the order they were taken. */
  readonly shares: readonly LotShare[];
}

/** True once the lot's points can no longer be spent: expiry is inclusive of `expiresAt`. */
export function lotHasExpired(lot: { readonly expiresAt: number | null }, now: number): boolean {
  return lot.expiresAt !== null && lot.expiresAt <= now;
}

/** A closed lot has nothing left that can change state by itself: it may be pruned. */
export function lotIsClosed(lot: Lot): boolean {
  return lot.remaining === 0 && lot.held === 0;
}

/**
 * The order points are taken in (spending, holding, repaying debt): earliest
 * expiry first, points that never expire last, the older lot (lower id) first
 * on a tie. Spending the points closest to expiry first is what the member
 * would do; the id makes the order total.
 */
export function compareSpendingOrder(a: { readonly id: number; readonly expiresAt: number | null }, b: { readonly id: number; readonly expiresAt: number | null }): number {
  const aExpiry = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const bExpiry = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (aExpiry !== bExpiry) return aExpiry < bExpiry ? -1 : 1;
  return a.id - b.id;
}

/** The share of `points` points of `lot`. */
export function shareOfLot(lot: Lot, points: number): LotShare {
  return {
    lot: lot.id,
    points,
    expiresAt: lot.expiresAt,
    source: lot.source,
    partner: lot.partner,
    activatesAt: lot.activatesAt,
    reference: lot.reference,
    accruedAt: lot.accruedAt,
  };
}

/** True when the share describes this lot (same id and the same identity fields). */
export function shareMatchesLot(share: LotShare, lot: Lot): boolean {
  return (
    share.lot === lot.id &&
    share.expiresAt === lot.expiresAt &&
    share.source === lot.source &&
    share.partner === lot.partner &&
    share.activatesAt === lot.activatesAt &&
    share.reference === lot.reference &&
    share.accruedAt === lot.accruedAt
  );
}

/** Times of a lot: accrued, then active (possibly at once), then expired (possibly never). */
export function checkLotTimes(times: { readonly accruedAt: number; readonly activatesAt: number; readonly expiresAt: number | null }, what: string): void {
  if (!lotTimesHold(times)) explainLotTimes(times, what);
}

/**
 * Asserts a lot's own invariants: states are non-negative integers that add
 * up to its points. Checked on every read of a ledger, so the check itself
 * formats nothing: only a lot that fails it is checked again, assertion by
 * assertion, for the message that names what is wrong.
 */
export function checkLotInvariants(lot: Lot): void {
  if (lotStatesHold(lot) && lotTimesHold(lot)) return;
  const what = `lot ${String(lot.id)}`;
  assert(Number.isSafeInteger(lot.id) && lot.id > 0, `${what}: id is a positive integer`);
  assert(LOT_SOURCES.includes(lot.source), `${what}: source is a known LotSource`);
  assert(Number.isSafeInteger(lot.points) && lot.points > 0, `${what}: points is a positive integer`);
  assertNonNegativeInteger(lot.remaining, `${what} remaining`);
  assertNonNegativeInteger(lot.held, `${what} held`);
  assertNonNegativeInteger(lot.spent, `${what} spent`);
  assertNonNegativeInteger(lot.expired, `${what} expired`);
  assertNonNegativeInteger(lot.revoked, `${what} revoked`);
  assert(
    lot.points === lot.remaining + lot.held + lot.spent + lot.expired + lot.revoked,
    `${what}: points ${String(lot.points)} = remaining + held + spent + expired + revoked`,
  );
  explainLotTimes(lot, what);
  assert(lotStatesHold(lot), `${what}: its states hold`);
}

/** checkLotInvariants's conditions on the lot's id, source and states, as one predicate. */
function lotStatesHold(lot: Lot): boolean {
  return (
    Number.isSafeInteger(lot.id) &&
    lot.id > 0 &&
    LOT_SOURCES.includes(lot.source) &&
    Number.isSafeInteger(lot.points) &&
    lot.points > 0 &&
    isNonNegativeSafeInteger(lot.remaining) &&
    isNonNegativeSafeInteger(lot.held) &&
    isNonNegativeSafeInteger(lot.spent) &&
    isNonNegativeSafeInteger(lot.expired) &&
    isNonNegativeSafeInteger(lot.revoked) &&
    lot.points === lot.remaining + lot.held + lot.spent + lot.expired + lot.revoked
  );
}

/** checkLotTimes's conditions as one predicate. */
function lotTimesHold(times: { readonly accruedAt: number; readonly activatesAt: number; readonly expiresAt: number | null }): boolean {
  return (
    Number.isSafeInteger(times.accruedAt) &&
    Number.isSafeInteger(times.activatesAt) &&
    times.activatesAt >= times.accruedAt &&
    (times.expiresAt === null || (Number.isSafeInteger(times.expiresAt) && times.expiresAt > times.activatesAt))
  );
}

/** The assertions of checkLotTimes one by one, each with its message: throws at the first that fails. */
function explainLotTimes(times: { readonly accruedAt: number; readonly activatesAt: number; readonly expiresAt: number | null }, what: string): void {
  assertSafeInteger(times.accruedAt, `${what} accruedAt`);
  assertSafeInteger(times.activatesAt, `${what} activatesAt`);
  assert(times.activatesAt >= times.accruedAt, `${what} activates at or after it is accrued`);
  if (times.expiresAt !== null) {
    assertSafeInteger(times.expiresAt, `${what} expiresAt`);
    assert(times.expiresAt > times.activatesAt, `${what} expires after it activates`);
  }
  assert(lotTimesHold(times), `${what}: its times hold`);
}

function isNonNegativeSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
