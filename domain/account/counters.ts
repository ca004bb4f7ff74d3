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
  /** Index of the program period (domain/calendar) these totals belong to. */
  readonly period: number;
}

/**
 * The window of periods an account remembers, in periods: the period of its
 * newest receipt and the ones before it, so at most this many entries (only
 * periods with receipts have one). A member's status in period P depends only
 * on period P - 1, so two would do for receipts in time order; the third lets
 * a receipt that arrives one period late (an offline lane's February receipt
 * sent in March) be priced on its own period's status. Receipts of periods
 * before the window count in the lifetime totals only.
 */
export const PERIODS_REMEMBERED = 3;

/**
 * Lifetime totals and the totals of the periods in the window (PERIODS_REMEMBERED
 * periods ending at the period of the newest receipt). The window moves
 * lazily, when a receipt of a later period arrives, and forgets the periods it
 * leaves; a period with no receipt has zero totals, which is exactly what an
 * eager roll-over at every boundary would have recorded.
 */
export interface AccountCounters {
  readonly lifetime: CounterTotals;
  /** Newest first; only periods in the window (newer than the newest period - PERIODS_REMEMBERED); periods without receipts are absent. */
  readonly recentPeriods: readonly PeriodTotals[];
  readonly firstVisitAt: number | null;
  readonly lastVisitAt: number | null;
}

export const ZERO_TOTALS: CounterTotals = { sold: 0, paid: 0, visits: 0 };

export const EMPTY_COUNTERS: AccountCounters = {
  lifetime: ZERO_TOTALS,
  recentPeriods: [],
  firstVisitAt: null,
  lastVisitAt: null,
};

/** The totals of any period, from what the counters remember (zero for periods without receipts). */
export function totalsOfPeriod(counters: AccountCounters, period: number): CounterTotals {
  for (const totals of counters.recentPeriods) if (totals.period === period) return totals;
  return ZERO_TOTALS;
}

function add(totals: CounterTotals, sold: number, paid: number): CounterTotals {
  return { sold: totals.sold + sold, paid: totals.paid + paid, visits: totals.visits + 1 };
}

/**
 * Counters after one more receipt of `sold` billed and `paid` paid with money
 * at `at`, which falls in `period`. A late receipt counts in its period if
 * that period is in the window, and always in the lifetime totals; a receipt
 * of a later period moves the window to end at its period.
 */
export function addReceipt(counters: AccountCounters, period: number, at: number, sold: number, paid: number): AccountCounters {
  assertNonNegativeInteger(sold, "sold");
  assertNonNegativeInteger(paid, "paid");
  assert(paid <= sold, "a receipt never pays more than it bills");
  const newest = Math.max(period, counters.recentPeriods[0]?.period ?? period);
  const recentPeriods: PeriodTotals[] = [];
  let counted = false;
  for (const totals of counters.recentPeriods) {
    if (!counted && period > totals.period) {
      recentPeriods.push({ period, ...add(ZERO_TOTALS, sold, paid) });
      counted = true;
    }
    if (totals.period === period) {
      recentPeriods.push({ period, ...add(totals, sold, paid) });
      counted = true;
    } else {
      recentPeriods.push(totals);
    }
  }
  if (!counted) recentPeriods.push({ period, ...add(ZERO_TOTALS, sold, paid) });
  const remembered = recentPeriods.filter((totals) => totals.period > newest - PERIODS_REMEMBERED);
  const next: AccountCounters = {
    lifetime: add(counters.lifetime, sold, paid),
    recentPeriods: remembered,
    firstVisitAt: counters.firstVisitAt === null ? at : Math.min(counters.firstVisitAt, at),
    lastVisitAt: counters.lastVisitAt === null ? at : Math.max(counters.lastVisitAt, at),
  };
  assert(next.lifetime.visits === counters.lifetime.visits + 1, "one receipt is one visit");
  for (let index = 1; index < remembered.length; index += 1) {
    assert((remembered[index]?.period ?? 0) < (remembered[index - 1]?.period ?? 0), "recent periods are newest first, once each");
  }
  assert(remembered.length <= PERIODS_REMEMBERED, "at most PERIODS_REMEMBERED periods are remembered");
  return next;
}

/**
 * Counters after taking back part or all of an earlier receipt of `period`
 * (a return or a cancel): `sold` and `paid` leave the lifetime totals and the
 * period if it is still remembered; `visits` is 1 for a cancel, 0 for a
 * partial return. First and last visit stay: the visit happened.
 */
export function subtractReceipt(
  counters: AccountCounters,
  period: number,
  sold: number,
  paid: number,
  visits: 0 | 1,
): AccountCounters {
  assertNonNegativeInteger(sold, "sold");
  assertNonNegativeInteger(paid, "paid");
  const take = (totals: CounterTotals): CounterTotals => ({
    sold: totals.sold - sold,
    paid: totals.paid - paid,
    visits: totals.visits - visits,
  });
  const lifetime = take(counters.lifetime);
  assert(lifetime.sold >= 0 && lifetime.paid >= 0 && lifetime.visits >= 0, "a return never takes back more than was counted");
  const recentPeriods = counters.recentPeriods.map((totals) => {
    if (totals.period !== period) return totals;
    const next = { period, ...take(totals) };
    assert(next.sold >= 0 && next.paid >= 0 && next.visits >= 0, "a period never goes below zero");
    return next;
  });
  return { ...counters, lifetime, recentPeriods };
}

/**
 * Counters after a later payment of `paid` toward an earlier receipt
 * (a receipt paid in part): the money counts in the period it was paid, and
 * in the lifetime totals; sold, visits and the visit times stay as the
 * receipt left them. A period older than those remembered counts in the
 * lifetime only.
 */
export function addPayment(counters: AccountCounters, period: number, paid: number): AccountCounters {
  assertNonNegativeInteger(paid, "paid");
  const newest = Math.max(period, counters.recentPeriods[0]?.period ?? period);
  const recentPeriods: PeriodTotals[] = [];
  let counted = false;
  for (const totals of counters.recentPeriods) {
    if (!counted && period > totals.period) {
      recentPeriods.push({ period, sold: 0, paid, visits: 0 });
      counted = true;
    }
    if (totals.period === period) {
      recentPeriods.push({ ...totals, paid: totals.paid + paid });
      counted = true;
    } else {
      recentPeriods.push(totals);
    }
  }
  if (!counted) recentPeriods.push({ period, sold: 0, paid, visits: 0 });
  return {
    ...counters,
    lifetime: { ...counters.lifetime, paid: counters.lifetime.paid + paid },
    recentPeriods: recentPeriods.filter((totals) => totals.period > newest - PERIODS_REMEMBERED),
  };
}
