import { assert, assertNonNegativeInteger } from "../assert/assert.js";

/**
 * A member's dynamic parameters: changed only by operations, never edited
 * directly (Manzana's rule). Amounts are integer minor units.
 */
export interface CounterTotals {
  /** Billed before loyalty discounts. */
  readonly sold: number;
  /** Paid with money (billed minus discounts minus points). */
  readonly paid: number;
  /** Committed receipts. */
  readonly visits: number;
}

export interface PeriodTotals extends CounterTotals {
  /** Index of the program period (core/calendar) these totals belong to. */
  readonly period: number;
}

/**
 * Lifetime totals and the totals of the two most recent periods with
 * receipts. Two are enough: a member's status in period P depends only on
 * period P - 1, and the receipt being committed belongs to P. Periods roll
 * over lazily when a receipt arrives; a period with no receipt has zero
 * totals, which is exactly what an eager roll-over at every boundary would
 * have recorded.
 */
export interface AccountCounters {
  readonly lifetime: CounterTotals;
  readonly latestPeriod: PeriodTotals | null;
  /** The period right before `latestPeriod`, if it had receipts. */
  readonly priorPeriod: PeriodTotals | null;
  readonly firstVisitAt: number | null;
  readonly lastVisitAt: number | null;
}

export const ZERO_TOTALS: CounterTotals = { sold: 0, paid: 0, visits: 0 };

export const EMPTY_COUNTERS: AccountCounters = {
  lifetime: ZERO_TOTALS,
  latestPeriod: null,
  priorPeriod: null,
  firstVisitAt: null,
  lastVisitAt: null,
};

/** The totals of any period, from what the counters remember (zero for periods without receipts). */
export function totalsOfPeriod(counters: AccountCounters, period: number): CounterTotals {
  if (counters.latestPeriod?.period === period) return counters.latestPeriod;
  if (counters.priorPeriod?.period === period) return counters.priorPeriod;
  return ZERO_TOTALS;
}

function add(totals: CounterTotals, sold: number, paid: number): CounterTotals {
  return { sold: totals.sold + sold, paid: totals.paid + paid, visits: totals.visits + 1 };
}

/**
 * Counters after one more receipt of `sold` billed and `paid` paid with money
 * at `at`, which falls in `period`. A late receipt for an older period counts
 * in the lifetime totals and in that period if it is still remembered.
 */
export function addReceipt(counters: AccountCounters, period: number, at: number, sold: number, paid: number): AccountCounters {
  assertNonNegativeInteger(sold, "sold");
  assertNonNegativeInteger(paid, "paid");
  assert(paid <= sold, "a receipt never pays more than it bills");
  const latest = counters.latestPeriod;
  let latestPeriod = latest;
  let priorPeriod = counters.priorPeriod;
  if (latest === null || period > latest.period) {
    priorPeriod = latest !== null && latest.period === period - 1 ? latest : null;
    latestPeriod = { period, ...add(ZERO_TOTALS, sold, paid) };
  } else if (period === latest.period) {
    latestPeriod = { period, ...add(latest, sold, paid) };
  } else if (priorPeriod !== null && period === priorPeriod.period) {
    priorPeriod = { period, ...add(priorPeriod, sold, paid) };
  }
  const next: AccountCounters = {
    lifetime: add(counters.lifetime, sold, paid),
    latestPeriod,
    priorPeriod,
    firstVisitAt: counters.firstVisitAt === null ? at : Math.min(counters.firstVisitAt, at),
    lastVisitAt: counters.lastVisitAt === null ? at : Math.max(counters.lastVisitAt, at),
  };
  assert(next.lifetime.visits === counters.lifetime.visits + 1, "one receipt is one visit");
  assert(
    next.priorPeriod === null || next.latestPeriod === null || next.priorPeriod.period === next.latestPeriod.period - 1,
    "the prior period is the one right before the latest",
  );
  return next;
}
