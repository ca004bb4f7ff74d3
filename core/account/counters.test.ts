import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { randomInteger, seededRandom } from "../test-support/seeded-random.js";
import { itEach } from "../test-support/table-tests.js";
import { addReceipt, EMPTY_COUNTERS, totalsOfPeriod, ZERO_TOTALS, type AccountCounters, type CounterTotals } from "./counters.js";

const T0 = Date.UTC(2026, 0, 10, 9);
const HOUR = 3_600_000;
/** Period indexes as the month calendar numbers them: year * 12 + month - 1. */
const JANUARY = 2026 * 12;
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

describe("addReceipt", () => {
  it("starts the lifetime totals, the latest period and both visit times with a first receipt", () => {
    expect(addReceipt(EMPTY_COUNTERS, JANUARY, T0, 10_000, 9_000)).toEqual({
      lifetime: { sold: 10_000, paid: 9_000, visits: 1 },
      latestPeriod: { period: JANUARY, sold: 10_000, paid: 9_000, visits: 1 },
      priorPeriod: null,
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
      name: "adds a second receipt of the same period to the latest period and to the lifetime totals",
      steps: [
        { period: JANUARY, at: T0, sold: 10_000, paid: 9_000 },
        { period: JANUARY, at: T0 + HOUR, sold: 500, paid: 500 },
      ],
      expected: {
        lifetime: { sold: 10_500, paid: 9_500, visits: 2 },
        latestPeriod: { period: JANUARY, sold: 10_500, paid: 9_500, visits: 2 },
        priorPeriod: null,
        firstVisitAt: T0,
        lastVisitAt: T0 + HOUR,
      },
    },
    {
      name: "rolls the latest period over to the prior one when a receipt of the next period arrives",
      steps: [
        { period: JANUARY, at: T0, sold: 10_000, paid: 9_000 },
        { period: JANUARY, at: T0 + HOUR, sold: 500, paid: 500 },
        { period: FEBRUARY, at: T0 + 30 * 24 * HOUR, sold: 7, paid: 0 },
      ],
      expected: {
        lifetime: { sold: 10_507, paid: 9_500, visits: 3 },
        latestPeriod: { period: FEBRUARY, sold: 7, paid: 0, visits: 1 },
        priorPeriod: { period: JANUARY, sold: 10_500, paid: 9_500, visits: 2 },
        firstVisitAt: T0,
        lastVisitAt: T0 + 30 * 24 * HOUR,
      },
    },
    {
      name: "forgets the prior period when the member skipped the period in between: no prior, since it had no receipt",
      steps: [
        { period: JANUARY, at: T0, sold: 10_000, paid: 9_000 },
        { period: MARCH, at: T0 + 60 * 24 * HOUR, sold: 300, paid: 300 },
      ],
      expected: {
        lifetime: { sold: 10_300, paid: 9_300, visits: 2 },
        latestPeriod: { period: MARCH, sold: 300, paid: 300, visits: 1 },
        priorPeriod: null,
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * 24 * HOUR,
      },
    },
    {
      name: "drops the old prior period and keeps the old latest one as prior over three consecutive periods",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: FEBRUARY, at: T0 + 30 * 24 * HOUR, sold: 200, paid: 150 },
        { period: MARCH, at: T0 + 60 * 24 * HOUR, sold: 400, paid: 400 },
      ],
      expected: {
        lifetime: { sold: 700, paid: 650, visits: 3 },
        latestPeriod: { period: MARCH, sold: 400, paid: 400, visits: 1 },
        priorPeriod: { period: FEBRUARY, sold: 200, paid: 150, visits: 1 },
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * 24 * HOUR,
      },
    },
    {
      name: "counts a late receipt for the remembered prior period in that period, and moves no visit time forward",
      steps: [
        { period: JANUARY, at: T0, sold: 100, paid: 100 },
        { period: FEBRUARY, at: T0 + 30 * 24 * HOUR, sold: 200, paid: 200 },
        { period: JANUARY, at: T0 + HOUR, sold: 50, paid: 40 },
      ],
      expected: {
        lifetime: { sold: 350, paid: 340, visits: 3 },
        latestPeriod: { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
        priorPeriod: { period: JANUARY, sold: 150, paid: 140, visits: 2 },
        firstVisitAt: T0,
        lastVisitAt: T0 + 30 * 24 * HOUR,
      },
    },
    {
      name: "counts a late receipt for a forgotten older period in the lifetime totals only, and moves the first visit back",
      steps: [
        { period: FEBRUARY, at: T0 + 30 * 24 * HOUR, sold: 200, paid: 200 },
        { period: MARCH, at: T0 + 60 * 24 * HOUR, sold: 400, paid: 400 },
        { period: JANUARY, at: T0, sold: 50, paid: 50 },
      ],
      expected: {
        lifetime: { sold: 650, paid: 650, visits: 3 },
        latestPeriod: { period: MARCH, sold: 400, paid: 400, visits: 1 },
        priorPeriod: { period: FEBRUARY, sold: 200, paid: 200, visits: 1 },
        firstVisitAt: T0,
        lastVisitAt: T0 + 60 * 24 * HOUR,
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
        latestPeriod: { period: APRIL, sold: 0, paid: 0, visits: 2 },
        priorPeriod: null,
        firstVisitAt: T0,
        lastVisitAt: T0 + 1,
      },
    },
  ])(({ steps, expected }) => {
    expect(apply(steps)).toEqual(expected);
  });

  // BUG (core/account/counters.ts, addReceipt): a late receipt for the period
  // right before the latest one is dropped from the period totals when that
  // period had no receipt yet (priorPeriod === null). The branch
  // `priorPeriod !== null && period === priorPeriod.period` does not create the
  // prior period, although it is exactly the one the latest period's status
  // reads. An offline lane that sends January's 15,000-rouble receipt after
  // the member's first February receipt leaves February at the entry level,
  // where replaying the receipts in time order gives Silver.
  it.fails("records a late receipt for the period right before the latest one as that period's totals when it had none yet", () => {
    const counters = apply([
      { period: FEBRUARY, at: T0 + 30 * 24 * HOUR, sold: 200, paid: 200 },
      { period: JANUARY, at: T0, sold: 1_500_000, paid: 1_500_000 },
    ]);
    expect(counters.priorPeriod).toEqual({ period: JANUARY, sold: 1_500_000, paid: 1_500_000, visits: 1 });
    expect(totalsOfPeriod(counters, JANUARY)).toEqual({ period: JANUARY, sold: 1_500_000, paid: 1_500_000, visits: 1 });
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

  it("returns new counters and leaves the frozen input counters unchanged", () => {
    const before = Object.freeze(apply([{ period: JANUARY, at: T0, sold: 100, paid: 100 }]));
    const snapshot = structuredClone(before);
    const after = addReceipt(before, FEBRUARY, T0 + 40 * 24 * HOUR, 5, 5);
    expect(after).not.toBe(before);
    expect(before).toEqual(snapshot);
    expect(EMPTY_COUNTERS).toEqual({ lifetime: ZERO_TOTALS, latestPeriod: null, priorPeriod: null, firstVisitAt: null, lastVisitAt: null });
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

  it("keeps lifetime, latest and prior totals equal to a full per-period history over 120 seeded random sequences", () => {
    const random = seededRandom(4_242);
    for (let sequence = 0; sequence < 120; sequence += 1) {
      let counters: AccountCounters = EMPTY_COUNTERS;
      const history = new Map<number, CounterTotals>();
      const lifetime = { sold: 0, paid: 0, visits: 0 };
      let period = JANUARY;
      let at = T0;
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      const steps: string[] = [];
      for (let step = 0; step < 40; step += 1) {
        // Mostly in time order, sometimes skipping periods, sometimes late for the current or previous period.
        const roll = random();
        let receiptPeriod = period;
        let receiptAt = at;
        if (roll < 0.3) {
          period += 1 + randomInteger(random, 2);
          at += 31 * 24 * HOUR;
          receiptPeriod = period;
          receiptAt = at;
        } else if (roll < 0.4 && history.has(period - 1)) {
          // Late for a period the counters still remember (it had receipts).
          receiptPeriod = period - 1;
          receiptAt = at - 31 * 24 * HOUR;
        } else {
          at += randomInteger(random, 5 * HOUR);
          receiptAt = at;
        }
        const sold = randomInteger(random, 1_000_000);
        const paid = randomInteger(random, sold);
        steps.push(`${receiptPeriod}:${sold}/${paid}`);
        counters = addReceipt(counters, receiptPeriod, receiptAt, sold, paid);
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
        // The periods a status can read: the latest one and the one before it.
        for (const which of [period, period - 1]) {
          const expected = history.get(which) ?? ZERO_TOTALS;
          const actual = totalsOfPeriod(counters, which);
          expect({ sold: actual.sold, paid: actual.paid, visits: actual.visits }, `${context}; period ${which}`).toEqual(expected);
        }
      }
    }
  });
});

describe("totalsOfPeriod", () => {
  const counters = apply([
    { period: JANUARY, at: T0, sold: 100, paid: 90 },
    { period: FEBRUARY, at: T0 + 30 * 24 * HOUR, sold: 200, paid: 180 },
  ]);

  itEach<{ readonly name: string; readonly period: number; readonly expected: CounterTotals }>([
    { name: "answers the latest period's totals for the latest period", period: FEBRUARY, expected: { sold: 200, paid: 180, visits: 1 } },
    { name: "answers the prior period's totals for the prior period", period: JANUARY, expected: { sold: 100, paid: 90, visits: 1 } },
    { name: "answers zero totals for a later period without receipts", period: MARCH, expected: ZERO_TOTALS },
    { name: "answers zero totals for an earlier period the counters do not remember", period: JANUARY - 1, expected: ZERO_TOTALS },
  ])(({ period, expected }) => {
    const totals = totalsOfPeriod(counters, period);
    expect({ sold: totals.sold, paid: totals.paid, visits: totals.visits }).toEqual(expected);
  });

  it("answers zero totals for any period of a member without receipts", () => {
    expect(totalsOfPeriod(EMPTY_COUNTERS, JANUARY)).toEqual(ZERO_TOTALS);
  });
});
