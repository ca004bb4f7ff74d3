import { assert, assertNonNegativeInteger, assertSafeInteger } from "../assert/assert.js";
import type { ErrorCode } from "../../protocol/errors/error-codes.js";
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import {
  checkLotInvariants,
  checkLotTimes,
  compareSpendingOrder,
  lotHasExpired,
  lotIsClosed,
  shareMatchesLot,
  shareOfLot,
  type Hold,
  type Lot,
  type LotShare,
  type LotSource,
} from "./lot.js";

/**
 * The points ledger of one account: every accrual is a lot; redemptions take
 * points from lots (earliest expiry first) and say which; holds reserve points
 * for a two-phase redemption; reversals put points back or take them back.
 *
 * Pure: every function takes the ledger and the time (epoch ms) and returns a
 * new ledger, never touching its input. Expiry is lazy: each function first
 * settles the ledger at `now` (expires lots, drops holds past their TTL,
 * prunes closed lots), so expired points are never spendable whether or not
 * anyone settled before. Every function asserts the invariants on the ledger
 * it gets and on the one it returns; domain refusals are coded results.
 *
 * Arguments that only a bug can make wrong (a non-integer or non-positive
 * amount, times out of order, an empty hold key) are assertions: the gateway
 * and the engine validate input before it gets here.
 */

/**
 * Open lots per account. A lot stays open while it has points left or held;
 * a member buying every day with points that live a year has about 365. Every
 * operation is linear in the open lots (settling, invariants), and 10,000
 * keeps one well under a millisecond while leaving room for 27 purchases a day.
 */
export const OPEN_LOTS_MAX = 10_000;

/**
 * Holds per account. A redemption in flight holds once per lane; 64 covers a
 * family sharing one card across a hypermarket's lanes, and stops a POS stuck
 * in a retry loop from reserving without end (each hold lives until its TTL).
 */
export const HOLDS_MAX = 64;

/** What the account has done with every point it was ever given, lots open or pruned. */
export interface LedgerLifetimeTotals {
  /** Every point ever accrued. */
  readonly accrued: number;
  /**
   * Points in the spent state now, over all lots ever (open or pruned):
   * redeemed, captured or used to repay debt, net of points returned.
   */
  readonly spent: number;
  /** Points in the expired state now, over all lots ever (a revocation may record expired points as revoked). */
  readonly expired: number;
  /** Points in the revoked state now, over all lots ever. */
  readonly revoked: number;
  /** Debt ever incurred by revocations of points already spent; debt = debtIncurred - debtRepaid. */
  readonly debtIncurred: number;
  /** Debt ever repaid (by accruals, returned and released points, the member's other lots). */
  readonly debtRepaid: number;
  /**
   * Points that pruned lots took with them (their spent, expired and revoked
   * points): accrued = sum of the open lots' points + pruned. A lot recreated
   * by a returned share takes its points back out of here.
   */
  readonly pruned: number;
}

/** What a recently pruned lot still had expired, so that revoking it later is not taken for spent points. */
export interface PrunedExpiry {
  readonly lot: number;
  readonly expired: number;
}

/**
 * Pruned lots whose expired points are remembered: a return usually comes
 * within weeks of its receipt, so the last 256 lots that closed with expired
 * points cover it, and the account record stays bounded.
 */
export const PRUNED_EXPIRIES_REMEMBERED = 256;

export interface Ledger {
  /** Open lots (some points remaining or held), ascending id. */
  readonly lots: readonly Lot[];
  /**
   * Expired points of recently pruned lots, oldest first: a revocation of
   * such a lot takes them as expired (no debt) before counting a shortfall.
   * Absent in ledgers stored before it existed.
   */
  readonly prunedExpiries?: readonly PrunedExpiry[];
  /** Holds not yet captured or released; some may be past their TTL until the next settle. */
  readonly holds: readonly Hold[];
  /** Points owed because a revocation found its points already spent; while above zero, no lot has points remaining. */
  readonly debt: number;
  /** The id the next accrual gets; ids start at 1 and are never reused. */
  readonly nextLotId: number;
  readonly totals: LedgerLifetimeTotals;
}

export const EMPTY_LEDGER: Ledger = Object.freeze({
  lots: Object.freeze([]),
  holds: Object.freeze([]),
  debt: 0,
  nextLotId: 1,
  totals: Object.freeze({ accrued: 0, spent: 0, expired: 0, revoked: 0, debtIncurred: 0, debtRepaid: 0, pruned: 0 }),
});

/** What to do when a revocation finds the accrued points already spent. */
export type DebtPolicy = "debt" | "refuse";

/**
 * The protocol codes the ledger refuses with (protocol/errors/error-codes.ts):
 * INSUFFICIENT_POINTS and CONFLICT (a hold key reused for other points) as
 * the member sees them; ACCRUED_POINTS_SPENT (a revocation under the "refuse"
 * policy); LEDGER_LIMIT (as many open lots or holds as an account may keep);
 * NOT_FOUND (no such hold: never made, captured, released or past its TTL);
 * INTERNAL (shares or lots the account never had: a caller's bug).
 */
export type LedgerErrorCode = Extract<
  ErrorCode,
  "INSUFFICIENT_POINTS" | "CONFLICT" | "ACCRUED_POINTS_SPENT" | "LEDGER_LIMIT" | "NOT_FOUND" | "INTERNAL"
>;

/** What a ledger operation answers: its own fields, or a failure with one of the ledger's codes. */
type LedgerOutcome<Success extends object, Code extends LedgerErrorCode> = Outcome<Success, Code>;

/** The balances a member sees at a moment. */
export interface LedgerBalances {
  /** Points that can be spent now. */
  readonly active: number;
  /** Points accrued but not active yet (inside their pending window). */
  readonly pending: number;
  /** Points reserved by holds still within their TTL. */
  readonly held: number;
  readonly debt: number;
  /** What a redemption may take now: equal to `active` (while there is debt, there are no active points). */
  readonly available: number;
}

export interface Accrual {
  readonly points: number;
  readonly source: LotSource;
  readonly reference: string;
  readonly partner: string;
  /** When the points were earned: the receipt's time. The ledger is settled at this time first. */
  readonly at: number;
  /** From this time on the points can be spent; before it they are pending. At or after `at`. */
  readonly activatesAt: number;
  /** From this time on the points are expired; null: never. After `activatesAt`. */
  readonly expiresAt: number | null;
}

export interface SettleOutcome {
  readonly ledger: Ledger;
  /** Points that expired in this call (lots past expiry, and held points of such lots whose hold ended). */
  readonly expired: number;
  /** Keys of the holds dropped because their TTL had passed. */
  readonly releasedHolds: readonly string[];
}

export type AccrueOutcome = LedgerOutcome<{ readonly ledger: Ledger; readonly lot: Lot; readonly debtRepaid: number }, "LEDGER_LIMIT">;

export type SpendOutcome = LedgerOutcome<{ readonly ledger: Ledger; readonly shares: readonly LotShare[] }, "INSUFFICIENT_POINTS">;

export type HoldOutcome = LedgerOutcome<
  { readonly ledger: Ledger; readonly hold: Hold; readonly created: boolean },
  "CONFLICT" | "LEDGER_LIMIT" | "INSUFFICIENT_POINTS"
>;

export type CaptureOutcome = LedgerOutcome<{ readonly ledger: Ledger; readonly points: number; readonly shares: readonly LotShare[] }, "NOT_FOUND">;

export type ReleaseOutcome = LedgerOutcome<
  {
    readonly ledger: Ledger;
    /** The hold's points. */
    readonly points: number;
    /** Of those, the points whose lot had expired meanwhile: they expire instead of coming back. */
    readonly expired: number;
  },
  "NOT_FOUND"
>;

export type ReturnOutcome = LedgerOutcome<
  {
    readonly ledger: Ledger;
    /** Points back in their lots, spendable again (or pending, by their lot's times). */
    readonly returned: number;
    /** Points whose lot's expiry has passed: expired at once. */
    readonly expired: number;
    /** Points that went to repay debt instead (they stay spent, on the debt). */
    readonly debtRepaid: number;
  },
  "INTERNAL" | "LEDGER_LIMIT"
>;

/** The parts of a revocation always add up to the points asked: revoked + fromExpired + fromOtherLots + debtAdded. */
export type RevokeOutcome = LedgerOutcome<
  {
    readonly ledger: Ledger;
    /** Points taken from the lot's remaining (active or pending) points. */
    readonly revoked: number;
    /** Points of the lot that had expired: recorded as revoked; the member had lost them already, so they are no debt. */
    readonly fromExpired: number;
    /** The shortfall (points already spent or held) taken from the member's other lots' remaining points. */
    readonly fromOtherLots: number;
    /** The rest of the shortfall: owed, repaid by later accruals. */
    readonly debtAdded: number;
  },
  "INTERNAL" | "ACCRUED_POINTS_SPENT"
>;

type LotState = "remaining" | "held" | "spent" | "expired" | "revoked";
type MutableTotals = { -readonly [Key in keyof LedgerLifetimeTotals]: number };
type MutableLot = { -readonly [Key in keyof Lot]: Lot[Key] };

/** The states the lifetime totals follow; remaining and held are summed from the open lots. */
function isTotalledState(state: LotState): state is "spent" | "expired" | "revoked" {
  return state === "spent" || state === "expired" || state === "revoked";
}

/**
 * A working copy of a ledger inside one operation. Lots are copied on write,
 * so an operation allocates only for the lots it changes; `changed` lets an
 * operation that changed nothing hand back its input.
 */
class LedgerDraft {
  readonly lots: Lot[];
  readonly holds: Hold[];
  debt: number;
  nextLotId: number;
  readonly totals: MutableTotals;
  readonly prunedExpiries: PrunedExpiry[];
  private changed = false;

  constructor(private readonly original: Ledger) {
    this.lots = [...original.lots];
    this.prunedExpiries = [...(original.prunedExpiries ?? [])];
    this.holds = [...original.holds];
    this.debt = original.debt;
    this.nextLotId = original.nextLotId;
    this.totals = { ...original.totals };
  }

  /** The index of the open lot `id`, or -1 (binary search: lots are in ascending id). */
  indexOfLot(id: number): number {
    let low = 0;
    let high = this.lots.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const lotId = this.lotAt(middle).id;
      if (lotId === id) return middle;
      if (lotId < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  lotAt(index: number): Lot {
    const lot = this.lots[index];
    if (lot === undefined) assert(false, `lot index ${String(index)} is within the open lots`);
    return lot;
  }

  /** Moves `points` of lot `index` from one state to another, keeping the lifetime totals in step. */
  move(index: number, from: LotState, to: LotState, points: number): void {
    if (points === 0) return;
    const lot = this.lotAt(index);
    if (!(lot[from] >= points)) assert(false, `lot ${String(lot.id)} has ${String(points)} points ${from}`);
    const next: MutableLot = { ...lot };
    next[from] -= points;
    next[to] += points;
    this.lots[index] = next;
    this.moveInTotals(from, to, points);
  }

  /** Moves `points` between states in the lifetime totals only: points of pruned lots. */
  moveInTotals(from: LotState, to: LotState, points: number): void {
    if (points === 0) return;
    if (isTotalledState(from)) this.totals[from] -= points;
    if (isTotalledState(to)) this.totals[to] += points;
    this.changed = true;
  }

  insertLot(lot: Lot): void {
    let position = this.lots.length;
    while (position > 0 && this.lotAt(position - 1).id > lot.id) position -= 1;
    if (!(position === 0 || this.lotAt(position - 1).id !== lot.id)) assert(false, `lot ${String(lot.id)} is not open already`);
    this.lots.splice(position, 0, lot);
    this.changed = true;
  }

  /** Replaces lot `index` with a copy that accounts for `points` more remaining points (taken from the pruned part). */
  growLot(index: number, points: number): void {
    const lot = this.lotAt(index);
    this.lots[index] = { ...lot, points: lot.points + points, remaining: lot.remaining + points };
    this.changed = true;
  }

  /** Adds `points` to what is remembered as expired of pruned lot `lot` (see PRUNED_EXPIRIES_REMEMBERED). */
  rememberPrunedExpiry(lot: number, points: number): void {
    const position = this.prunedExpiries.findIndex((entry) => entry.lot === lot);
    if (position >= 0) {
      const entry = this.prunedExpiries[position];
      assert(entry !== undefined, "found entries exist");
      this.prunedExpiries[position] = { lot, expired: entry.expired + points };
    } else {
      this.prunedExpiries.push({ lot, expired: points });
      if (this.prunedExpiries.length > PRUNED_EXPIRIES_REMEMBERED) this.prunedExpiries.shift();
    }
    this.changed = true;
  }

  addDebt(points: number): void {
    this.debt += points;
    this.totals.debtIncurred += points;
    this.changed = true;
  }

  /** Records `points` as debt repaid by points that stay (or become) spent. */
  recordRepayment(points: number): void {
    if (points === 0) return;
    assert(points <= this.debt, "a repayment never exceeds the debt");
    this.debt -= points;
    this.totals.debtRepaid += points;
    this.changed = true;
  }

  /** Lot indices with points remaining that `eligible` accepts, in spending order. */
  private spendingOrder(eligible: (lot: Lot) => boolean): number[] {
    const indices: number[] = [];
    for (let index = 0; index < this.lots.length; index += 1) {
      const lot = this.lotAt(index);
      if (lot.remaining > 0 && eligible(lot)) indices.push(index);
    }
    return indices.sort((a, b) => compareSpendingOrder(this.lotAt(a), this.lotAt(b)));
  }

  /** Takes `points` remaining points from the lots `eligible` accepts, in spending order, into `to`. */
  take(points: number, eligible: (lot: Lot) => boolean, to: "spent" | "held"): LotShare[] {
    const shares: LotShare[] = [];
    let left = points;
    for (const index of this.spendingOrder(eligible)) {
      if (left === 0) break;
      const lot = this.lotAt(index);
      const taken = Math.min(left, lot.remaining);
      this.move(index, "remaining", to, taken);
      shares.push(shareOfLot(lot, taken));
      left -= taken;
    }
    if (left !== 0) assert(false, `the eligible lots had the ${String(points)} points to take`);
    return shares;
  }

  sumRemaining(eligible: (lot: Lot) => boolean): number {
    let total = 0;
    for (const lot of this.lots) if (eligible(lot)) total += lot.remaining;
    return total;
  }

  /** Repays as much debt as the remaining points allow (all lots, spending order); returns the points repaid. */
  repayDebt(): number {
    const points = Math.min(this.debt, this.sumRemaining(() => true));
    if (points === 0) return 0;
    this.take(points, () => true, "spent");
    this.recordRepayment(points);
    return points;
  }

  /** Puts a hold's points back: to remaining, or to expired where their lot has expired. Returns the points expired. */
  releaseShares(shares: readonly LotShare[], now: number): number {
    let expired = 0;
    for (const share of shares) {
      const index = this.indexOfLot(share.lot);
      assert(index >= 0, `held points of lot ${String(share.lot)} sit in an open lot`);
      const lotExpired = lotHasExpired(this.lotAt(index), now);
      this.move(index, "held", lotExpired ? "expired" : "remaining", share.points);
      if (lotExpired) expired += share.points;
    }
    return expired;
  }

  removeHold(index: number): Hold {
    const [hold] = this.holds.splice(index, 1);
    assert(hold !== undefined, "the hold to remove exists");
    this.changed = true;
    return hold;
  }

  /** Expires lots, drops holds past their TTL, repays debt from what came back, prunes closed lots. */
  settle(now: number): { expired: number; releasedHolds: string[] } {
    let expired = 0;
    for (let index = 0; index < this.lots.length; index += 1) {
      const lot = this.lotAt(index);
      if (lot.remaining > 0 && lotHasExpired(lot, now)) {
        expired += lot.remaining;
        this.move(index, "remaining", "expired", lot.remaining);
      }
    }
    const releasedHolds: string[] = [];
    for (let index = this.holds.length - 1; index >= 0; index -= 1) {
      const hold = this.holds[index];
      if (hold !== undefined && hold.expiresAt <= now) {
        this.removeHold(index);
        expired += this.releaseShares(hold.shares, now);
        releasedHolds.unshift(hold.key);
      }
    }
    this.repayDebt();
    this.prune();
    return { expired, releasedHolds };
  }

  /** Drops closed lots; their points stay counted in totals.pruned. */
  prune(): void {
    let kept = 0;
    for (const lot of this.lots) {
      if (lotIsClosed(lot)) {
        this.totals.pruned += lot.points;
        if (lot.expired > 0) this.rememberPrunedExpiry(lot.id, lot.expired);
        this.changed = true;
      } else {
        this.lots[kept] = lot;
        kept += 1;
      }
    }
    this.lots.length = kept;
  }

  /** The new ledger (or the input, if nothing changed), pruned and checked. */
  finish(): Ledger {
    this.prune();
    if (!this.changed) return this.original;
    const ledger: Ledger = {
      lots: this.lots,
      holds: this.holds,
      debt: this.debt,
      nextLotId: this.nextLotId,
      totals: { ...this.totals },
      ...(this.prunedExpiries.length > 0 || this.original.prunedExpiries !== undefined ? { prunedExpiries: this.prunedExpiries } : {}),
    };
    checkLedgerInvariants(ledger);
    return ledger;
  }
}

function isActive(now: number): (lot: Lot) => boolean {
  return (lot) => lot.activatesAt <= now && !lotHasExpired(lot, now);
}

function assertPositivePoints(points: number, what: string): void {
  if (!(Number.isSafeInteger(points) && points > 0)) assert(false, `${what} is a positive integer, got ${String(points)}`);
}

/** Starts an operation: checks the ledger and the time, and settles a working copy at `now`. */
function settledDraft(ledger: Ledger, now: number): { draft: LedgerDraft; expired: number; releasedHolds: string[] } {
  checkLedgerInvariants(ledger);
  assertSafeInteger(now, "now");
  const draft = new LedgerDraft(ledger);
  const { expired, releasedHolds } = draft.settle(now);
  return { draft, expired, releasedHolds };
}

/**
 * The ledger at `now`: lots past their expiry have their remaining points
 * expired (held points stay held: the hold was taken while they were valid),
 * holds past their TTL are dropped and their points go back to their lots (or
 * expire, if the lot has expired), debt is repaid from points that came back,
 * and closed lots are pruned. Settling twice at the same time changes nothing
 * (the second call returns its input).
 */
export function settleLedger(ledger: Ledger, now: number): SettleOutcome {
  const { draft, expired, releasedHolds } = settledDraft(ledger, now);
  return { ledger: draft.finish(), expired, releasedHolds };
}

/** The balances at `now`, as they are after settling at `now` (the caller need not settle first). */
export function ledgerTotals(ledger: Ledger, now: number): LedgerBalances {
  return balancesOf(settledDraft(ledger, now).draft, now);
}

/** settleLedger and ledgerTotals in one pass, for the hot path that needs both. */
export function settleWithTotals(ledger: Ledger, now: number): SettleOutcome & { readonly balances: LedgerBalances } {
  const { draft, expired, releasedHolds } = settledDraft(ledger, now);
  const balances = balancesOf(draft, now);
  return { ledger: draft.finish(), expired, releasedHolds, balances };
}

function balancesOf(draft: LedgerDraft, now: number): LedgerBalances {
  const active = draft.sumRemaining(isActive(now));
  const pending = draft.sumRemaining((lot) => lot.activatesAt > now);
  let held = 0;
  for (const hold of draft.holds) held += hold.points;
  assert(active + pending === draft.sumRemaining(() => true), "after settling, every remaining point is active or pending");
  assert(draft.debt === 0 || active + pending === 0, "while there is debt, no points remain");
  return { active, pending, held, debt: draft.debt, available: active };
}

/**
 * Adds an accrual as a new lot. Outstanding debt is repaid first from its
 * points (they become the lot's spent points), whether or not the lot is
 * active yet. The lot returned is the one created, even if debt took all of
 * it and it is already pruned from the ledger.
 */
export function accrueLot(ledger: Ledger, accrual: Accrual): AccrueOutcome {
  assertPositivePoints(accrual.points, "points accrued");
  checkLotTimes({ accruedAt: accrual.at, activatesAt: accrual.activatesAt, expiresAt: accrual.expiresAt }, "accrual");
  const { draft } = settledDraft(ledger, accrual.at);
  if (draft.lots.length >= OPEN_LOTS_MAX) {
    return failure("LEDGER_LIMIT", `the account has ${String(draft.lots.length)} open lots, the most it may have`);
  }
  const debtRepaid = Math.min(draft.debt, accrual.points);
  const lot: Lot = {
    id: draft.nextLotId,
    source: accrual.source,
    reference: accrual.reference,
    partner: accrual.partner,
    points: accrual.points,
    accruedAt: accrual.at,
    activatesAt: accrual.activatesAt,
    expiresAt: accrual.expiresAt,
    remaining: accrual.points - debtRepaid,
    held: 0,
    spent: debtRepaid,
    expired: 0,
    revoked: 0,
  };
  draft.nextLotId += 1;
  draft.totals.accrued += accrual.points;
  draft.insertLot(lot);
  draft.moveInTotals("remaining", "spent", debtRepaid);
  draft.recordRepayment(debtRepaid);
  return { ok: true, ledger: draft.finish(), lot, debtRepaid };
}

/** Which lots may pay here (the coalition policy on the lot's issuer); all when absent. */
export type LotFilter = (lot: Lot) => boolean;

/** Active lots, among those `mayUse` allows. */
function spendable(now: number, mayUse: LotFilter | undefined): (lot: Lot) => boolean {
  const active = isActive(now);
  return mayUse === undefined ? active : (lot) => active(lot) && mayUse(lot);
}

/**
 * Active points the lots `mayUse` allows hold at `now` (the balance, when all may pay), of a ledger
 * already settled at `now` (as an operation's settled account is): its expired points are out of
 * every lot's remaining, so one pass over the lots counts them, without settling again.
 */
export function spendablePointsOfSettled(ledger: Ledger, now: number, mayUse: LotFilter): number {
  let total = 0;
  for (const lot of ledger.lots) if (lot.remaining > 0 && lot.activatesAt <= now && mayUse(lot)) total += lot.remaining;
  return total;
}

/** Spends `points` active points (of the lots `mayUse` allows), earliest expiry first; the shares say which lots paid. */
export function spendPoints(ledger: Ledger, points: number, now: number, mayUse?: LotFilter): SpendOutcome {
  assertPositivePoints(points, "points to spend");
  const { draft } = settledDraft(ledger, now);
  const eligible = spendable(now, mayUse);
  const active = draft.sumRemaining(eligible);
  if (active < points) {
    return failure("INSUFFICIENT_POINTS", `asked to spend ${String(points)} points; ${String(active)} are active`);
  }
  const shares = draft.take(points, eligible, "spent");
  return { ok: true, ledger: draft.finish(), shares };
}

/**
 * Takes every remaining point (active or pending) of the lots `mayTake` allows out of the ledger, as
 * spent: how points move to another account (a family pool, a member leaving one). The shares say
 * which lots gave how many, with each lot's identity and times, so the receiving account can accrue
 * them as lots of their own. Held points stay: their hold captures or releases them.
 */
export function takeRemaining(ledger: Ledger, now: number, mayTake: LotFilter): SpendOutcome {
  const { draft } = settledDraft(ledger, now);
  const points = draft.sumRemaining(mayTake);
  const shares = points === 0 ? [] : draft.take(points, mayTake, "spent");
  return { ok: true, ledger: draft.finish(), shares };
}

/**
 * Reserves `points` active points under `key` until `now + ttlMilliseconds`,
 * taken like a spend. Asking again with the same key and points returns the
 * existing hold (a retried request); the same key with other points is a
 * CONFLICT. Once a hold is captured, released or past its TTL, its key is free.
 */
export function holdPoints(ledger: Ledger, key: string, points: number, now: number, ttlMilliseconds: number, mayUse?: LotFilter): HoldOutcome {
  assert(typeof key === "string" && key.length > 0, "a hold key is a non-empty string");
  assertPositivePoints(points, "points to hold");
  assertPositivePoints(ttlMilliseconds, "hold TTL");
  assertSafeInteger(now + ttlMilliseconds, "hold expiry");
  const { draft } = settledDraft(ledger, now);
  const existing = draft.holds.find((hold) => hold.key === key);
  if (existing !== undefined) {
    if (existing.points === points) return { ok: true, ledger: draft.finish(), hold: existing, created: false };
    return failure("CONFLICT", `hold ${key} already holds ${String(existing.points)} points, not ${String(points)}`);
  }
  if (draft.holds.length >= HOLDS_MAX) {
    return failure("LEDGER_LIMIT", `the account has ${String(draft.holds.length)} holds, the most it may have`);
  }
  const eligible = spendable(now, mayUse);
  const active = draft.sumRemaining(eligible);
  if (active < points) {
    return failure("INSUFFICIENT_POINTS", `asked to hold ${String(points)} points; ${String(active)} are active`);
  }
  const hold: Hold = { key, points, expiresAt: now + ttlMilliseconds, shares: draft.take(points, eligible, "held") };
  draft.holds.push(hold);
  return { ok: true, ledger: draft.finish(), hold, created: true };
}

function findHold(draft: LedgerDraft, key: string): number {
  return draft.holds.findIndex((hold) => hold.key === key);
}

/**
 * Commits a hold: its points become spent, in the lots it took them from,
 * even where a lot has expired since (the points were valid when held). A
 * hold unknown, already captured or released, or past its TTL: NOT_FOUND.
 */
export function captureHold(ledger: Ledger, key: string, now: number): CaptureOutcome {
  const { draft } = settledDraft(ledger, now);
  const index = findHold(draft, key);
  if (index < 0) return failure("NOT_FOUND", `no hold ${key} at ${String(now)}: never made, captured, released or past its TTL`);
  const hold = draft.removeHold(index);
  for (const share of hold.shares) {
    const lotIndex = draft.indexOfLot(share.lot);
    assert(lotIndex >= 0, `held points of lot ${String(share.lot)} sit in an open lot`);
    draft.move(lotIndex, "held", "spent", share.points);
  }
  return { ok: true, ledger: draft.finish(), points: hold.points, shares: hold.shares };
}

/** Cancels a hold: its points go back to their lots, or expire where the lot has expired; they repay debt first. */
export function releaseHold(ledger: Ledger, key: string, now: number): ReleaseOutcome {
  const { draft } = settledDraft(ledger, now);
  const index = findHold(draft, key);
  if (index < 0) return failure("NOT_FOUND", `no hold ${key} at ${String(now)}: never made, captured, released or past its TTL`);
  const hold = draft.removeHold(index);
  const expired = draft.releaseShares(hold.shares, now);
  draft.repayDebt();
  return { ok: true, ledger: draft.finish(), points: hold.points, expired };
}

/**
 * Reverses a redemption: the shares' points come back to the lots they were
 * taken from, with those lots' expiry. A pruned lot is recreated from its
 * share, with its id, source, reference, partner and times. Points whose lot
 * has expired by `now` expire at once; while there is debt, returned points
 * repay it first (earliest expiry first) and stay spent.
 *
 * The ledger checks that the points are spent (in the lot, or in the pruned
 * part of the account), not which redemption spent them: returning the same
 * shares twice is the caller's to prevent (reversals are keyed by redemption).
 */
export function returnShares(ledger: Ledger, shares: readonly LotShare[], now: number): ReturnOutcome {
  const { draft } = settledDraft(ledger, now);
  const byLot = new Map<number, { share: LotShare; points: number }>();
  for (const share of shares) {
    assertPositivePoints(share.points, "a share's points");
    if (!(Number.isSafeInteger(share.lot) && share.lot > 0 && share.lot < draft.nextLotId)) {
      return failure("INTERNAL", `a share names lot ${String(share.lot)}, which this account never had`);
    }
    const seen = byLot.get(share.lot);
    if (seen !== undefined && !sameLotIdentity(seen.share, share)) {
      return failure("INTERNAL", `two shares of lot ${String(share.lot)} disagree about the lot`);
    }
    byLot.set(share.lot, { share: seen?.share ?? share, points: (seen?.points ?? 0) + share.points });
  }
  const openSpent = draft.lots.reduce((total, lot) => total + lot.spent, 0);
  let fromPruned = 0;
  let recreated = 0;
  for (const { share, points } of byLot.values()) {
    const index = draft.indexOfLot(share.lot);
    if (index >= 0) {
      const lot = draft.lotAt(index);
      if (!shareMatchesLot(share, lot)) return failure("INTERNAL", `a share of lot ${String(share.lot)} does not match that lot`);
      fromPruned += Math.max(0, points - lot.spent);
    } else {
      fromPruned += points;
      if (!lotHasExpired(share, now)) recreated += 1;
    }
  }
  if (fromPruned > draft.totals.spent - openSpent) {
    return failure("INTERNAL", `the shares return ${String(fromPruned)} points more than their lots have spent`);
  }
  if (draft.lots.length + recreated > OPEN_LOTS_MAX) {
    return failure("LEDGER_LIMIT", `recreating ${String(recreated)} lots would pass the ${String(OPEN_LOTS_MAX)} open lots an account may have`);
  }
  let returned = 0;
  let expired = 0;
  let debtRepaid = 0;
  const ordered = [...byLot.values()].sort((a, b) => compareSpendingOrder({ id: a.share.lot, expiresAt: a.share.expiresAt }, { id: b.share.lot, expiresAt: b.share.expiresAt }));
  for (const { share, points } of ordered) {
    const index = draft.indexOfLot(share.lot);
    const inLotSpent = index >= 0 ? draft.lotAt(index).spent : 0;
    if (lotHasExpired(share, now)) {
      const inLot = Math.min(points, inLotSpent);
      if (inLot > 0) draft.move(index, "spent", "expired", inLot);
      draft.moveInTotals("spent", "expired", points - inLot);
      // Points that expire outside any open lot belong to a pruned lot: remember them as its
      // expired points, so that revoking that lot later does not take them for spent ones.
      if (points - inLot > 0) draft.rememberPrunedExpiry(share.lot, points - inLot);
      expired += points;
      continue;
    }
    const repaid = Math.min(draft.debt, points);
    draft.recordRepayment(repaid);
    debtRepaid += repaid;
    const back = points - repaid;
    const inLot = Math.min(back, inLotSpent);
    if (inLot > 0) draft.move(index, "spent", "remaining", inLot);
    const outside = back - inLot;
    if (outside > 0) {
      draft.moveInTotals("spent", "remaining", outside);
      draft.totals.pruned -= outside;
      if (index >= 0) draft.growLot(index, outside);
      else draft.insertLot({ ...lotFromShare(share), points: outside, remaining: outside });
    }
    returned += back;
  }
  return { ok: true, ledger: draft.finish(), returned, expired, debtRepaid };
}

function sameLotIdentity(a: LotShare, b: LotShare): boolean {
  return (
    a.lot === b.lot &&
    a.expiresAt === b.expiresAt &&
    a.source === b.source &&
    a.partner === b.partner &&
    a.activatesAt === b.activatesAt &&
    a.reference === b.reference &&
    a.accruedAt === b.accruedAt
  );
}

function lotFromShare(share: LotShare): Lot {
  checkLotTimes(share, `share of lot ${String(share.lot)}`);
  return {
    id: share.lot,
    source: share.source,
    reference: share.reference,
    partner: share.partner,
    points: 0,
    accruedAt: share.accruedAt,
    activatesAt: share.activatesAt,
    expiresAt: share.expiresAt,
    remaining: 0,
    held: 0,
    spent: 0,
    expired: 0,
    revoked: 0,
  };
}

/**
 * Takes back `points` of an accrual (lot `lotId`), for a refund or a
 * correction. In order:
 *  1. the lot's remaining points (active or pending) are revoked;
 *  2. the lot's expired points are recorded as revoked: the member lost them
 *     already, so they are no debt;
 *  3. the rest, the shortfall, is points of the lot already spent or held
 *     (held points stay held: the redemption holding them goes on). It is
 *     taken from the member's other lots' remaining points, earliest expiry
 *     first, pending ones too;
 *  4. what is still missing is debt under the "debt" policy (repaid by later
 *     accruals, returns and releases before anything else), and refused with
 *     ACCRUED_POINTS_SPENT, nothing changed, under "refuse".
 *
 * A pruned lot no longer tells what became of its points, except the expired
 * points of the last PRUNED_EXPIRIES_REMEMBERED lots pruned with some: those
 * are taken as expired (no shortfall), the rest of a revocation of a pruned
 * lot is shortfall (steps 3 and 4). The ledger does not bound `points` by the accrual (a
 * pruned or recreated lot no longer knows its full size): the caller, which
 * knows what the receipt accrued and whether it was reversed, does.
 */
export function revokeLot(ledger: Ledger, lotId: number, points: number, now: number, policy: DebtPolicy): RevokeOutcome {
  assertPositivePoints(points, "points to revoke");
  const { draft } = settledDraft(ledger, now);
  if (!(Number.isSafeInteger(lotId) && lotId > 0 && lotId < draft.nextLotId)) {
    return failure("INTERNAL", `lot ${String(lotId)} was never accrued on this account`);
  }
  const index = draft.indexOfLot(lotId);
  const lot = index >= 0 ? draft.lotAt(index) : null;
  const revoked = lot === null ? 0 : Math.min(points, lot.remaining);
  const prunedPosition = lot === null ? draft.prunedExpiries.findIndex((entry) => entry.lot === lotId) : -1;
  const prunedExpiry = prunedPosition >= 0 ? draft.prunedExpiries[prunedPosition] : undefined;
  const fromExpired = Math.min(points - revoked, lot === null ? (prunedExpiry?.expired ?? 0) : lot.expired);
  const shortfall = points - revoked - fromExpired;
  const othersRemaining = draft.sumRemaining((each) => each.id !== lotId);
  const fromOtherLots = Math.min(shortfall, othersRemaining);
  const debtAdded = shortfall - fromOtherLots;
  if (debtAdded > 0 && policy === "refuse") {
    return failure(
      "ACCRUED_POINTS_SPENT",
      `${String(shortfall)} of the ${String(points)} points of lot ${String(lotId)} to revoke were already spent or held, and the account has only ${String(fromOtherLots)} other points to cover them`,
    );
  }
  if (index >= 0) {
    draft.move(index, "remaining", "revoked", revoked);
    draft.move(index, "expired", "revoked", fromExpired);
  } else if (prunedExpiry !== undefined && fromExpired > 0) {
    // The lot is pruned: its expired points become revoked in the lifetime totals only.
    draft.moveInTotals("expired", "revoked", fromExpired);
    draft.prunedExpiries[prunedPosition] = { lot: lotId, expired: prunedExpiry.expired - fromExpired };
  }
  if (shortfall > 0) {
    draft.addDebt(shortfall);
    const repaid = draft.repayDebt();
    assert(repaid === fromOtherLots, "the other lots repay what they can of the shortfall");
  }
  return { ok: true, ledger: draft.finish(), revoked, fromExpired, fromOtherLots, debtAdded };
}

/**
 * Asserts every invariant of a ledger:
 *  - each lot's own (non-negative integer states adding up to its points);
 *  - open lots in ascending id, below nextLotId, none closed, at most OPEN_LOTS_MAX;
 *  - holds: distinct keys, at most HOLDS_MAX, points = their shares' points,
 *    each share matching an open lot, and for every lot its held points =
 *    the points all holds hold in it (no two holds hold the same points);
 *  - conservation: accrued = sum of open lots' points + pruned, and
 *    accrued = remaining + held + spent + expired + revoked over all lots;
 *  - debt = debtIncurred - debtRepaid, never below zero, and while it is
 *    above zero no lot has points remaining.
 */
/**
 * Ledgers are values: no function changes one, each returns a new one. So a
 * ledger object that passed the checks once still passes them; remembering
 * it keeps the checks on every write without repeating them on every read of
 * the same object (a receipt's calculation reads the ledger several times).
 */
const checkedLedgers = new WeakSet<Ledger>();

const LIFETIME_TOTAL_KEYS = ["accrued", "spent", "expired", "revoked", "debtIncurred", "debtRepaid", "pruned"] as const;

export function checkLedgerInvariants(ledger: Ledger): void {
  if (checkedLedgers.has(ledger)) return;
  checkLedgerInvariantsOnce(ledger);
  checkedLedgers.add(ledger);
}

function checkLedgerInvariantsOnce(ledger: Ledger): void {
  assert(Number.isSafeInteger(ledger.nextLotId) && ledger.nextLotId >= 1, "nextLotId is a positive integer");
  assertNonNegativeInteger(ledger.debt, "debt");
  const totals = ledger.totals;
  for (const key of LIFETIME_TOTAL_KEYS) {
    if (!Number.isSafeInteger(totals[key]) || totals[key] < 0) assertNonNegativeInteger(totals[key], `totals.${key}`);
  }
  if (ledger.lots.length > OPEN_LOTS_MAX) assert(false, `at most ${String(OPEN_LOTS_MAX)} open lots`);
  if (ledger.holds.length > HOLDS_MAX) assert(false, `at most ${String(HOLDS_MAX)} holds`);

  const sums = { points: 0, remaining: 0, held: 0, spent: 0, expired: 0, revoked: 0 };
  let previousId = 0;
  for (const lot of ledger.lots) {
    checkLotInvariants(lot);
    // Messages are formatted only on failure: this runs for every lot of every ledger an operation makes.
    if (!(lot.id > previousId)) assert(false, `open lots are in ascending id (lot ${String(lot.id)} after ${String(previousId)})`);
    if (!(lot.id < ledger.nextLotId)) assert(false, `lot ${String(lot.id)} is below nextLotId`);
    if (lotIsClosed(lot)) assert(false, `lot ${String(lot.id)} is open: closed lots are pruned`);
    previousId = lot.id;
    sums.points += lot.points;
    sums.remaining += lot.remaining;
    sums.held += lot.held;
    sums.spent += lot.spent;
    sums.expired += lot.expired;
    sums.revoked += lot.revoked;
  }

  if (ledger.holds.length === 0) {
    // Nothing is held (nearly every ledger): no map of what holds hold is needed to check it.
    for (const lot of ledger.lots) if (lot.held !== 0) assert(false, `lot ${String(lot.id)}: held = what the holds hold in it`);
  } else checkHolds(ledger);

  assert(totals.accrued === sums.points + totals.pruned, "accrued = open lots' points + pruned lots' points");
  assert(totals.spent >= sums.spent && totals.expired >= sums.expired && totals.revoked >= sums.revoked, "lifetime totals include the open lots");
  assert(
    totals.pruned === totals.spent - sums.spent + (totals.expired - sums.expired) + (totals.revoked - sums.revoked),
    "pruned lots' points are all spent, expired or revoked",
  );
  assert(
    totals.accrued === sums.remaining + sums.held + totals.spent + totals.expired + totals.revoked,
    "remaining + held + spent + expired + revoked = everything ever accrued",
  );
  assert(ledger.debt === totals.debtIncurred - totals.debtRepaid, "debt = debt incurred - debt repaid");
  assert(ledger.debt === 0 || sums.remaining === 0, "while there is debt, no points remain");
}

/** The holds' invariants: unique keys, shares of open lots that sum to the hold, each lot's held points what the holds hold in it. */
function checkHolds(ledger: Ledger): void {
  const lotsById = new Map<number, Lot>();
  for (const lot of ledger.lots) lotsById.set(lot.id, lot);
  const heldByLot = new Map<number, number>();
  const keys = new Set<string>();
  for (const hold of ledger.holds) {
    if (keys.has(hold.key)) assert(false, `hold key ${hold.key} is unique`);
    keys.add(hold.key);
    if (!Number.isSafeInteger(hold.expiresAt)) assertSafeInteger(hold.expiresAt, `hold ${hold.key} expiresAt`);
    let points = 0;
    const lotsOfHold = new Set<number>();
    for (const share of hold.shares) {
      if (!(Number.isSafeInteger(share.points) && share.points > 0)) assert(false, `hold ${hold.key}: share points are positive integers`);
      if (lotsOfHold.has(share.lot)) assert(false, `hold ${hold.key}: one share per lot`);
      lotsOfHold.add(share.lot);
      const lot = lotsById.get(share.lot);
      if (!(lot !== undefined && shareMatchesLot(share, lot))) assert(false, `hold ${hold.key}: its share of lot ${String(share.lot)} matches an open lot`);
      points += share.points;
      heldByLot.set(share.lot, (heldByLot.get(share.lot) ?? 0) + share.points);
    }
    if (!(hold.points > 0 && hold.points === points)) assert(false, `hold ${hold.key}: points = the sum of its shares`);
  }
  for (const lot of ledger.lots) {
    if (lot.held !== (heldByLot.get(lot.id) ?? 0)) assert(false, `lot ${String(lot.id)}: held = what the holds hold in it`);
  }
}
