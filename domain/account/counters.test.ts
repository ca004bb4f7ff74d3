import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { randomInteger, seededRandom } from "../random/seeded-random.js";
import { itEach } from "../test-support/table-tests.js";
import {
  addReceipt,
  EMPTY_COUNTERS,
  PERIODS_REMEMBERED,
  totalsOfPeriod,
  ZERO_TOTALS,
  type AccountCounters,
  type CounterTotals,
  type PeriodTotals,
} from "./counters.js";

const T0 = Date.UTC(2026, 0, 10, 9);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Period indexes as the month calendar numbers them: year * 12 + month - 1. */
const JANUARY = 2026 * 12;
const DECEMBER = JANUARY - 1;
const FEBRUARY = JANUARY + 1;
const MARCH = JANUARY + 2;
const APRIL = JANUARY + 3;

interface Step {
  readonly period: number;
  readonly at: number;
  readonly sold: number;
  readonly paid: number;
}

function apply(steps: readonly Step[], from: AccountCounters = EMPTY_COUNTERS): AccountCounters {
  return steps.reduce((counters, step) => addReceipt(counters, step.period, step.at, step.sold, step.paid), from);
}

/** Freezes counters all the way down, so that any mutation of the input throws. */
function deepFreeze(counters: AccountCounters): AccountCounters {
  Object.freeze(counters.lifetime);
  for (const totals of counters.recentPeriods) Object.freeze(totals);
  Object.freeze(counters.recentPeriods);
  return Object.freeze(counters);
}

describe("PERIODS_REMEMBERED", () => {
  it("is three: the latest period, the one before it, and one more for a receipt one period late", () => {
    expect(PERIODS_REMEMBERED).toBe(3);
  });
});

describe("addReceipt", () => {
  it("starts the lifetime totals, the recent periods and both visit times with a first receipt", () => {
    expect(addReceipt(EMPTY_COUNTERS, JANUARY, T0, 10_000, 9_000)).toEqual({
      lifetime: { sold: 10_000, paid: 9_000, visits: 1 },
      recentPeriods: [{ period: JANUARY, sold: 10_000, paid: 9_000, visits: 1 }],
      firstVisitAt: T0,
      lastVisitAt: T0,
    });
  });

  interface RollCase {
    readonly name: string;
    readonly steps: readonly Step[];
    readonly expected: AccountCounters;
  }

  itEach<RollCase>([
    {
      name: "adds a second receipt of the same period to that period and to the lifetime totals",
      steps: [
        { period: JANUARY, at: T0, sold: 10_000, paid: 9_000 },
        { period: JANUARY, at: T0 + HOUR, sold: 500, paid: 500 },
      ],
      expected: {
        lifetime: { sold: 10_500, paid: 9_500, visits: 2 },
        recentPeriods: [{ period: JANUARY, sold: 10_500, paid: 9_500, visits: 2 }],
        firstVisitAt: T0,
        lastVisitAt: T0 + HOUR,
      },
    },
    {
      name: "puts a receipt of the next period first and keeps the previous period after it",
      steps: [
        { period: JANUARY, at: T0, sold: 10_000, paid: 9_000 },
        { period: JANUARY, at: T0 + HOUR, sold: 500, paid: 500 },
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 7, paid: 0 },
      ],
      expected: {
        lifetime: { sold: 10_507, paid: 9_500, visits: 3 },
        recentPeriods: [
          { period: FEBRUARY, sold: 7, paid: 0, visits: 1 },
          { period: JANUARY, sold: 10_500, paid: 9_500, visits: 2 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 30 * DAY,
      },
    },
    {
      name: "leaves a skipped period absent (its totals are zero) and still remembers the period before it",
      steps: [
        { period: JANUARY, at: T0, sold: 10_000, paid: 9_000 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 300, paid: 300 },
      ],
      expected: {
        lifetime: { sold: 10_300, paid: 9_300, visits: 2 },
        recentPeriods: [
          { period: MARCH, sold: 300, paid: 300, visits: 1 },
          { period: JANUARY, sold: 10_000, paid: 9_000, visits: 1 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * DAY,
      },
    },
    {
      name: "remembers three consecutive periods, newest first",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 150 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 400, paid: 400 },
      ],
      expected: {
        lifetime: { sold: 700, paid: 650, visits: 3 },
        recentPeriods: [
          { period: MARCH, sold: 400, paid: 400, visits: 1 },
          { period: FEBRUARY, sold: 200, paid: 150, visits: 1 },
          { period: JANUARY, sold: 100, paid: 100, visits: 1 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * DAY,
      },
    },
    {
      name: "forgets the oldest period when a fourth consecutive period arrives: never more than three",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 150 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 400, paid: 400 },
        { period: APRIL, at: T0 + 90 * DAY, sold: 800, paid: 700 },
      ],
      expected: {
        lifetime: { sold: 1_500, paid: 1_350, visits: 4 },
        recentPeriods: [
          { period: APRIL, sold: 800, paid: 700, visits: 1 },
          { period: MARCH, sold: 400, paid: 400, visits: 1 },
          { period: FEBRUARY, sold: 200, paid: 150, visits: 1 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 90 * DAY,
      },
    },
    {
      name: "forgets a period that falls out of the window even when the periods in between had no receipts",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: APRIL, at: T0 + 90 * DAY, sold: 800, paid: 700 },
      ],
      expected: {
        lifetime: { sold: 900, paid: 800, visits: 2 },
        recentPeriods: [{ period: APRIL, sold: 800, paid: 700, visits: 1 }],
        firstVisitAt: T0,
        lastVisitAt: T0 + 90 * DAY,
      },
    },
    {
      name: "counts a late receipt for a remembered period in that period, and moves no visit time forward",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 200 },
        { period: JANUARY, at: T0 + HOUR, sold: 50, paid: 40 },
      ],
      expected: {
        lifetime: { sold: 350, paid: 340, visits: 3 },
        recentPeriods: [
          { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
          { period: JANUARY, sold: 150, paid: 140, visits: 2 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 30 * DAY,
      },
    },
    {
      name: "records a late receipt for the period right before the latest one as that period's totals when it had none yet",
      steps: [
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 200 },
        { period: JANUARY, at: T0, sold: 1_500_000, paid: 1_500_000 },
      ],
      expected: {
        lifetime: { sold: 1_500_200, paid: 1_500_200, visits: 2 },
        recentPeriods: [
          { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
          { period: JANUARY, sold: 1_500_000, paid: 1_500_000, visits: 1 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 30 * DAY,
      },
    },
    {
      name: "counts a receipt two periods late in its period while the window still holds it, and moves the first visit back",
      steps: [
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 200 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 400, paid: 400 },
        { period: JANUARY, at: T0, sold: 50, paid: 50 },
      ],
      expected: {
        lifetime: { sold: 650, paid: 650, visits: 3 },
        recentPeriods: [
          { period: MARCH, sold: 400, paid: 400, visits: 1 },
          { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
          { period: JANUARY, sold: 50, paid: 50, visits: 1 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * DAY,
      },
    },
    {
      name: "counts a late receipt in the lifetime totals only once its period fell out of the window, and moves the first visit back",
      steps: [
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 200 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 400, paid: 400 },
        { period: DECEMBER, at: T0 - 20 * DAY, sold: 50, paid: 50 },
      ],
      expected: {
        lifetime: { sold: 650, paid: 650, visits: 3 },
        recentPeriods: [
          { period: MARCH, sold: 400, paid: 400, visits: 1 },
          { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
        ],
        firstVisitAt: T0 - 20 * DAY,
        lastVisitAt: T0 + 60 * DAY,
      },
    },
    {
      name: "counts a receipt two periods late in the lifetime totals only when its period already fell out of the window (January after April)",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 200 },
        { period: APRIL, at: T0 + 90 * DAY, sold: 800, paid: 800 },
        // February is two periods before April and still remembered; January is not.
        { period: FEBRUARY, at: T0 + 31 * DAY, sold: 20, paid: 20 },
        { period: JANUARY, at: T0 + HOUR, sold: 10, paid: 10 },
      ],
      expected: {
        lifetime: { sold: 1_130, paid: 1_130, visits: 5 },
        recentPeriods: [
          { period: APRIL, sold: 800, paid: 800, visits: 1 },
          { period: FEBRUARY, sold: 220, paid: 220, visits: 2 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 90 * DAY,
      },
    },
    {
      name: "inserts a late receipt for a period without receipts between two remembered periods, keeping newest first",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 300, paid: 300 },
        { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 200 },
      ],
      expected: {
        lifetime: { sold: 600, paid: 600, visits: 3 },
        recentPeriods: [
          { period: MARCH, sold: 300, paid: 300, visits: 1 },
          { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
          { period: JANUARY, sold: 100, paid: 100, visits: 1 },
        ],
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * DAY,
      },
    },
    {
      name: "counts a zero-amount receipt as a visit of its period",
      steps: [
        { period: APRIL, at: T0, sold: 0, paid: 0 },
        { period: APRIL, at: T0 + 1, sold: 0, paid: 0 },
      ],
      expected: {
        lifetime: { sold: 0, paid: 0, visits: 2 },
        recentPeriods: [{ period: APRIL, sold: 0, paid: 0, visits: 2 }],
        firstVisitAt: T0,
        lastVisitAt: T0 + 1,
      },
    },
  ])(({ steps, expected }) => {
    expect(apply(steps)).toEqual(expected);
  });

  interface VisitTimeCase {
    readonly name: string;
    readonly times: readonly number[];
    readonly firstVisitAt: number;
    readonly lastVisitAt: number;
  }

  itEach<VisitTimeCase>([
    { name: "keeps first and last visit equal after one receipt", times: [T0], firstVisitAt: T0, lastVisitAt: T0 },
    { name: "moves the last visit forward for later receipts", times: [T0, T0 + 5, T0 + 9], firstVisitAt: T0, lastVisitAt: T0 + 9 },
    { name: "moves the first visit back for an earlier receipt", times: [T0, T0 - 5], firstVisitAt: T0 - 5, lastVisitAt: T0 },
    { name: "keeps both visit times for a receipt between them", times: [T0, T0 + 10, T0 + 3], firstVisitAt: T0, lastVisitAt: T0 + 10 },
  ])(({ times, firstVisitAt, lastVisitAt }) => {
    const counters = apply(times.map((at) => ({ period: JANUARY, at, sold: 1, paid: 1 })));
    expect(counters.firstVisitAt).toBe(firstVisitAt);
    expect(counters.lastVisitAt).toBe(lastVisitAt);
    expect(counters.lifetime.visits).toBe(times.length);
  });

  it("returns new counters and leaves the deeply frozen input counters unchanged", () => {
    const before = deepFreeze(
      apply([
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: MARCH, at: T0 + 60 * DAY, sold: 300, paid: 300 },
      ]),
    );
    const snapshot = structuredClone(before);
    // One of each kind of change: a new latest period (forgetting January), a period in between, a remembered period.
    for (const [period, at] of [[APRIL, T0 + 90 * DAY], [FEBRUARY, T0 + 30 * DAY], [MARCH, T0 + 61 * DAY], [JANUARY, T0 + 1]] as const) {
      const after = addReceipt(before, period, at, 5, 5);
      expect(after).not.toBe(before);
      expect(after.recentPeriods).not.toBe(before.recentPeriods);
    }
    expect(before).toEqual(snapshot);
    expect(EMPTY_COUNTERS).toEqual({ lifetime: ZERO_TOTALS, recentPeriods: [], firstVisitAt: null, lastVisitAt: null });
    expect(ZERO_TOTALS).toEqual({ sold: 0, paid: 0, visits: 0 });
  });

  interface InvalidCase {
    readonly name: string;
    readonly sold: number;
    readonly paid: number;
  }

  itEach<InvalidCase>([
    { name: "throws an InvariantError for a negative sold amount", sold: -1, paid: 0 },
    { name: "throws an InvariantError for a fractional sold amount", sold: 1.5, paid: 0 },
    { name: "throws an InvariantError for a negative paid amount", sold: 10, paid: -1 },
    { name: "throws an InvariantError for a fractional paid amount", sold: 10, paid: 0.5 },
    { name: "throws an InvariantError when a receipt pays more than it bills", sold: 10, paid: 11 },
    { name: "throws an InvariantError for a sold amount above Number.MAX_SAFE_INTEGER", sold: 2 ** 53, paid: 0 },
  ])(({ sold, paid }) => {
    expect(() => addReceipt(EMPTY_COUNTERS, JANUARY, T0, sold, paid)).toThrow(InvariantError);
  });

  it("keeps the lifetime totals and the recent periods equal to a full per-period history over 120 seeded random sequences", () => {
    const random = seededRandom(4_242);
    let lateCounted = 0;
    let lateForgotten = 0;
    let fullWindows = 0;
    for (let sequence = 0; sequence < 120; sequence += 1) {
      let counters: AccountCounters = EMPTY_COUNTERS;
      const history = new Map<number, CounterTotals>();
      const lifetime = { sold: 0, paid: 0, visits: 0 };
      let period = JANUARY;
      let at = T0;
      let newest = Number.NEGATIVE_INFINITY;
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      const steps: string[] = [];
      for (let step = 0; step < 40; step += 1) {
        // Mostly in time order, sometimes skipping periods, sometimes late by one to four periods.
        const roll = random();
        let receiptPeriod = period;
        let receiptAt = at;
        if (roll < 0.3) {
          period += 1 + randomInteger(random, 2);
          at += 31 * DAY;
          receiptPeriod = period;
          receiptAt = at;
        } else if (roll < 0.5) {
          const lateBy = 1 + randomInteger(random, 3);
          receiptPeriod = period - lateBy;
          receiptAt = at - lateBy * 31 * DAY;
        } else {
          at += randomInteger(random, 5 * HOUR);
          receiptAt = at;
        }
        const sold = randomInteger(random, 1_000_000);
        const paid = randomInteger(random, sold);
        steps.push(`${receiptPeriod}:${sold}/${paid}`);
        counters = addReceipt(counters, receiptPeriod, receiptAt, sold, paid);

        newest = Math.max(newest, receiptPeriod);
        const inWindow = receiptPeriod > newest - PERIODS_REMEMBERED;
        if (receiptPeriod < newest) {
          if (inWindow) lateCounted += 1;
          else lateForgotten += 1;
        }
        const before = history.get(receiptPeriod) ?? ZERO_TOTALS;
        history.set(receiptPeriod, { sold: before.sold + sold, paid: before.paid + paid, visits: before.visits + 1 });
        lifetime.sold += sold;
        lifetime.paid += paid;
        lifetime.visits += 1;
        first = Math.min(first, receiptAt);
        last = Math.max(last, receiptAt);

        const context = `sequence ${sequence}: ${steps.join(", ")}`;
        expect(counters.lifetime, context).toEqual(lifetime);
        expect(counters.firstVisitAt, context).toBe(first);
        expect(counters.lastVisitAt, context).toBe(last);
        // The window: every period of the history within PERIODS_REMEMBERED of the newest, with its full totals, newest first.
        // A period is in the window now only if it was at every earlier receipt, so none of its receipts was dropped.
        const expected: PeriodTotals[] = [...history.entries()]
          .filter(([which]) => which > newest - PERIODS_REMEMBERED)
          .sort(([a], [b]) => b - a)
          .map(([which, totals]) => ({ period: which, ...totals }));
        expect(counters.recentPeriods, context).toEqual(expected);
        expect(counters.recentPeriods.length, context).toBeLessThanOrEqual(PERIODS_REMEMBERED);
        if (counters.recentPeriods.length === PERIODS_REMEMBERED) fullWindows += 1;
        expect(counters.recentPeriods[0]?.period, context).toBe(newest);
        // Every period a status can read: the window's periods and the one after the newest answer from the history.
        for (let which = newest - PERIODS_REMEMBERED + 1; which <= newest + 1; which += 1) {
          const actual = totalsOfPeriod(counters, which);
          expect({ sold: actual.sold, paid: actual.paid, visits: actual.visits }, `${context}; period ${which}`).toEqual(
            history.get(which) ?? ZERO_TOTALS,
          );
        }
        // Older periods are forgotten: zero, whatever the history says.
        expect(totalsOfPeriod(counters, newest - PERIODS_REMEMBERED), context).toEqual(ZERO_TOTALS);
      }
    }
    // The sequences exercise every branch: late receipts inside and outside the window, and full windows.
    expect(lateCounted).toBeGreaterThan(100);
    expect(lateForgotten).toBeGreaterThan(100);
    expect(fullWindows).toBeGreaterThan(100);
  });
});

describe("totalsOfPeriod", () => {
  const counters = apply([
    { period: JANUARY, at: T0, sold: 100, paid: 90 },
    { period: FEBRUARY, at: T0 + 30 * DAY, sold: 200, paid: 180 },
    { period: APRIL, at: T0 + 90 * DAY, sold: 400, paid: 360 },
  ]);

  itEach<{ readonly name: string; readonly period: number; readonly expected: CounterTotals }>([
    { name: "answers the latest period's totals for the latest period", period: APRIL, expected: { sold: 400, paid: 360, visits: 1 } },
    { name: "answers a remembered earlier period's totals for that period", period: FEBRUARY, expected: { sold: 200, paid: 180, visits: 1 } },
    { name: "answers zero totals for a period within the window without receipts", period: MARCH, expected: ZERO_TOTALS },
    { name: "answers zero totals for a later period without receipts", period: APRIL + 1, expected: ZERO_TOTALS },
    { name: "answers zero totals for a period with receipts that fell out of the window", period: JANUARY, expected: ZERO_TOTALS },
    { name: "answers zero totals for an earlier period the counters never saw", period: DECEMBER, expected: ZERO_TOTALS },
  ])(({ period, expected }) => {
    const totals = totalsOfPeriod(counters, period);
    expect({ sold: totals.sold, paid: totals.paid, visits: totals.visits }).toEqual(expected);
  });

  it("answers zero totals for any period of a member without receipts", () => {
    expect(totalsOfPeriod(EMPTY_COUNTERS, JANUARY)).toEqual(ZERO_TOTALS);
  });
});
