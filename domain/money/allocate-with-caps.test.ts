import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { sum } from "../test-support/sum.js";
import { itEach } from "../test-support/table-tests.js";
import { allocateProportionally } from "./allocate-proportionally.js";
import { allocateWithCaps } from "./allocate-with-caps.js";

/** fast-check runs per property: enough to find the corners, small enough for the suite's time budget. */
const RUNS = 300;

interface CapsCase {
  readonly name: string;
  readonly total: number;
  readonly weights: readonly number[];
  readonly caps: readonly number[];
  readonly expected: readonly number[];
}

describe("allocateWithCaps", () => {
  itEach<CapsCase>([
    {
      name: "splits by weight exactly as allocateProportionally when no cap binds",
      total: 100,
      weights: [1_000, 1_000, 1_000],
      caps: [1_000, 1_000, 1_000],
      expected: [34, 33, 33],
    },
    {
      name: "fixes a part at its cap and spreads the excess over the others by weight",
      total: 90,
      weights: [100, 100, 100],
      caps: [10, 100, 100],
      // 30 each would pass the first cap: it keeps 10, the other two share 80.
      expected: [10, 40, 40],
    },
    {
      name: "cascades: fixing one part pushes a second over its cap in the next round",
      total: 100,
      weights: [50, 30, 20],
      caps: [20, 35, 100],
      // Round 1: 50 > 20, fix it; round 2: 80 over 30:20 gives 48 > 35, fix it; the last part takes 45.
      expected: [20, 35, 45],
    },
    {
      name: "gives every part its cap when the total equals the caps' sum",
      total: 60,
      weights: [1, 1, 1],
      caps: [10, 20, 30],
      expected: [10, 20, 30],
    },
    {
      name: "gives nothing to a part whose cap is zero even when its weight is the largest",
      total: 10,
      weights: [1_000, 1, 1],
      caps: [0, 50, 50],
      expected: [0, 5, 5],
    },
    {
      name: "spreads by the caps when every part with room has a zero weight",
      total: 30,
      weights: [0, 0, 0],
      caps: [10, 20, 30],
      expected: [5, 10, 15],
    },
    {
      name: "moves the rest to zero-weight parts by their caps once the weighted parts are full",
      total: 12,
      weights: [5, 0, 0],
      caps: [4, 2, 6],
      expected: [4, 2, 6],
    },
    {
      name: "answers zeros for a zero total",
      total: 0,
      weights: [3, 4],
      caps: [0, 7],
      expected: [0, 0],
    },
    {
      name: "answers an empty list for no parts and a zero total",
      total: 0,
      weights: [],
      caps: [],
      expected: [],
    },
    {
      name: "keeps one-unit caps exact on a receipt-sized total near 10^11",
      total: 100_000_000_000,
      weights: [99_999_999_999, 1, 1],
      caps: [99_999_999_998, 1, 1],
      expected: [99_999_999_998, 1, 1],
    },
  ])(({ total, weights, caps, expected }) => {
    const parts = allocateWithCaps(total, weights, caps);
    expect(parts).toEqual(expected);
    expect(sum(parts)).toBe(total);
  });

  itEach<{ readonly name: string; readonly total: number; readonly weights: readonly number[]; readonly caps: readonly number[] }>([
    { name: "throws an InvariantError when the total is more than the caps' sum", total: 31, weights: [1, 1], caps: [15, 15] },
    { name: "throws an InvariantError for a non-zero total and only zero caps", total: 1, weights: [1, 1], caps: [0, 0] },
    { name: "throws an InvariantError when weights and caps differ in length", total: 1, weights: [1, 1], caps: [5] },
    { name: "throws an InvariantError for a negative cap", total: 1, weights: [1, 1], caps: [5, -1] },
    { name: "throws an InvariantError for a fractional cap", total: 1, weights: [1, 1], caps: [5, 0.5] },
    { name: "throws an InvariantError for a negative total", total: -1, weights: [1], caps: [5] },
    { name: "throws an InvariantError for a fractional total", total: 0.5, weights: [1], caps: [5] },
  ])(({ total, weights, caps }) => {
    expect(() => allocateWithCaps(total, weights, caps)).toThrow(InvariantError);
  });

  it("leaves its frozen inputs untouched and returns a new array each call", () => {
    const weights = Object.freeze([5, 3, 2]);
    const caps = Object.freeze([1, 10, 10]);
    const first = allocateWithCaps(10, weights, caps);
    const second = allocateWithCaps(10, weights, caps);
    expect(first).toEqual(second);
    expect(first).not.toBe(second);
    expect(weights).toEqual([5, 3, 2]);
    expect(caps).toEqual([1, 10, 10]);
  });

  /** Weights and caps of 1 to 40 parts, and a total that fits under the caps. */
  const capsInput = fc
    .array(
      fc.record({
        weight: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000_000 })),
        cap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000_000 })),
      }),
      { minLength: 1, maxLength: 40 },
    )
    .chain((parts) => {
      const capSum = sum(parts.map((part) => part.cap));
      return fc.record({
        weights: fc.constant(parts.map((part) => part.weight)),
        caps: fc.constant(parts.map((part) => part.cap)),
        total: fc.oneof(fc.constant(capSum), fc.integer({ min: 0, max: capSum })),
      });
    });

  it("sums exactly to the total with every part a whole number from 0 to its cap, for random inputs", () => {
    fc.assert(
      fc.property(capsInput, ({ weights, caps, total }) => {
        const parts = allocateWithCaps(total, weights, caps);
        expect(parts).toHaveLength(weights.length);
        expect(sum(parts)).toBe(total);
        parts.forEach((part, index) => {
          expect(Number.isSafeInteger(part)).toBe(true);
          expect(part).toBeGreaterThanOrEqual(0);
          expect(part).toBeLessThanOrEqual(caps[index] ?? -1);
        });
      }),
      { numRuns: RUNS, seed: 20_260_101 },
    );
  });

  it("gives the same split for the same input, for random inputs", () => {
    fc.assert(
      fc.property(capsInput, ({ weights, caps, total }) => {
        expect(allocateWithCaps(total, [...weights], [...caps])).toEqual(allocateWithCaps(total, weights, caps));
      }),
      { numRuns: RUNS, seed: 20_260_102 },
    );
  });

  it("equals the proportional split whenever that split already fits under every cap, for random inputs", () => {
    fc.assert(
      fc.property(capsInput, ({ weights, caps, total }) => {
        // Only parts with room take weight: a part with a zero cap must have zero weight for the comparison.
        const effective = weights.map((weight, index) => ((caps[index] ?? 0) > 0 ? weight : 0));
        fc.pre(sum(effective) > 0 || total === 0);
        const proportional = allocateProportionally(total, effective);
        fc.pre(proportional.every((part, index) => part <= (caps[index] ?? 0)));
        expect(allocateWithCaps(total, weights, caps)).toEqual(proportional);
      }),
      { numRuns: RUNS, seed: 20_260_103 },
    );
  });

  it("never leaves a part below its cap while another part got more per unit of weight, beyond rounding, for random inputs", () => {
    // Water filling: every part below its cap sits at the common level (its weight's share of what is
    // left), and every part at its cap is at or under that level. So for a part i below its cap and any
    // part j, parts[j] / w[j] < (parts[i] + 1) / w[i] + 1 / w[j], i.e.
    // parts[j] * w[i] < (parts[i] + 1) * w[j] + w[i].
    fc.assert(
      fc.property(capsInput, ({ weights, caps, total }) => {
        const parts = allocateWithCaps(total, weights, caps);
        for (let i = 0; i < parts.length; i += 1) {
          const wi = BigInt(weights[i] ?? 0);
          const pi = BigInt(parts[i] ?? 0);
          if (wi === 0n || pi >= BigInt(caps[i] ?? 0)) continue;
          for (let j = 0; j < parts.length; j += 1) {
            const wj = BigInt(weights[j] ?? 0);
            if (wj === 0n) continue;
            const pj = BigInt(parts[j] ?? 0);
            expect(pj * wi < (pi + 1n) * wj + wi, `parts ${i} and ${j}: ${parts.join(", ")}`).toBe(true);
          }
        }
      }),
      { numRuns: RUNS, seed: 20_260_104 },
    );
  });
});

describe("allocateProportionally (properties not covered by its seeded table)", () => {
  const proportionalInput = fc.record({
    weights: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 30 }),
    total: fc.integer({ min: 0, max: 100_000_000 }),
    scale: fc.integer({ min: 2, max: 1_000 }),
  });

  it("gives the same split when every weight is multiplied by the same factor, for random inputs", () => {
    fc.assert(
      fc.property(proportionalInput, ({ weights, total, scale }) => {
        fc.pre(sum(weights) > 0);
        expect(allocateProportionally(total, weights.map((weight) => weight * scale))).toEqual(allocateProportionally(total, weights));
      }),
      { numRuns: RUNS, seed: 20_260_105 },
    );
  });

  it("never gives a part with a larger weight fewer units than one with a smaller weight, for random inputs", () => {
    fc.assert(
      fc.property(proportionalInput, ({ weights, total }) => {
        fc.pre(sum(weights) > 0);
        const parts = allocateProportionally(total, weights);
        expect(sum(parts)).toBe(total);
        for (let i = 0; i < weights.length; i += 1) {
          for (let j = 0; j < weights.length; j += 1) {
            if ((weights[i] ?? 0) > (weights[j] ?? 0)) expect(parts[i] ?? 0).toBeGreaterThanOrEqual(parts[j] ?? 0);
          }
        }
      }),
      { numRuns: RUNS, seed: 20_260_106 },
    );
  });
});
