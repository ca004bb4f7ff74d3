import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { randomInteger, seededRandom } from "../random/seeded-random.js";
import { sum } from "../test-support/sum.js";
import { itEach } from "../test-support/table-tests.js";
import { allocateProportionally } from "./allocate-proportionally.js";

interface AllocationCase {
  readonly name: string;
  readonly total: number;
  readonly weights: readonly number[];
  readonly expected: readonly number[];
}

describe("allocateProportionally", () => {
  itEach<AllocationCase>([
    {
      name: "spreads a 100-kopeck discount over three equal lines as 34, 33, 33",
      total: 100,
      weights: [1000, 1000, 1000],
      expected: [34, 33, 33],
    },
    {
      name: "splits 10 over weights 1, 2, 3, 4 exactly when the shares are whole",
      total: 10,
      weights: [1, 2, 3, 4],
      expected: [1, 2, 3, 4],
    },
    {
      name: "gives the leftover unit of 7 over two equal weights to the first part",
      total: 7,
      weights: [5, 5],
      expected: [4, 3],
    },
    {
      name: "gives a single unit over three equal weights to the first part only",
      total: 1,
      weights: [1, 1, 1],
      expected: [1, 0, 0],
    },
    {
      name: "gives two units over three equal weights to the first two parts",
      total: 2,
      weights: [1, 1, 1],
      expected: [1, 1, 0],
    },
    {
      name: "gives the leftover unit to the largest remainder even when it is a later part",
      total: 10,
      weights: [1, 2],
      expected: [3, 7],
    },
    {
      name: "breaks a tie between equal remainders in favour of the earlier index",
      total: 3,
      weights: [1, 2, 1, 2],
      // exact shares 0.5, 1, 0.5, 1: the first and third tie for the single leftover unit
      expected: [1, 1, 0, 1],
    },
    {
      name: "gives the leftover units in descending order of remainder, not of weight",
      total: 100,
      weights: [300, 290, 280],
      // exact shares 34.48, 33.33, 32.18: remainders .48, .33, .18 -> +1 to the first only
      expected: [35, 33, 32],
    },
    {
      name: "splits a total equal to the sum of weights into exactly the weights",
      total: 1234,
      weights: [1, 233, 1000],
      expected: [1, 233, 1000],
    },
    {
      name: "doubles every weight when the total is twice their sum",
      total: 2 * (17 + 4 + 9),
      weights: [17, 4, 9],
      expected: [34, 8, 18],
    },
    {
      name: "returns a one-element list holding the total for a single weight",
      total: 999,
      weights: [3],
      expected: [999],
    },
  ])(({ total, weights, expected }) => {
    const parts = allocateProportionally(total, weights);
    expect(parts).toEqual(expected);
    expect(sum(parts)).toBe(total);
  });

  itEach<AllocationCase>([
    {
      name: "returns zeros for a zero total over positive weights",
      total: 0,
      weights: [5, 7, 11],
      expected: [0, 0, 0],
    },
    {
      name: "returns zeros for a zero total over all-zero weights",
      total: 0,
      weights: [0, 0],
      expected: [0, 0],
    },
    {
      name: "returns an empty list for a zero total over no weights",
      total: 0,
      weights: [],
      expected: [],
    },
  ])(({ total, weights, expected }) => {
    expect(allocateProportionally(total, weights)).toEqual(expected);
  });

  itEach<AllocationCase>([
    {
      name: "never gives units to zero weights placed between positive ones",
      total: 100,
      weights: [0, 50, 0, 50],
      expected: [0, 50, 0, 50],
    },
    {
      name: "never gives leftover units to zero weights even though their remainder ties at zero",
      total: 3,
      weights: [0, 1, 0, 1, 0, 1],
      expected: [0, 1, 0, 1, 0, 1],
    },
    {
      name: "puts the whole total on the only positive weight after leading zeros",
      total: 1,
      weights: [0, 0, 5],
      expected: [0, 0, 1],
    },
    {
      name: "spreads 2 over zero weights and three equal weights to the earliest positive weights",
      total: 2,
      weights: [0, 4, 0, 4, 4],
      expected: [0, 1, 0, 1, 0],
    },
  ])(({ total, weights, expected }) => {
    expect(allocateProportionally(total, weights)).toEqual(expected);
  });

  itEach<AllocationCase>([
    {
      name: "splits a total of 10^11 over two weights of 10^11 exactly in half",
      total: 100_000_000_000,
      weights: [100_000_000_000, 100_000_000_000],
      expected: [50_000_000_000, 50_000_000_000],
    },
    {
      name: "splits a total of 10^11 over three weights of 10^11 with the extra unit first",
      total: 100_000_000_000,
      weights: [100_000_000_000, 100_000_000_000, 100_000_000_000],
      expected: [33_333_333_334, 33_333_333_333, 33_333_333_333],
    },
    {
      name: "returns weights of 10^11 - 2, 1 and 1 unchanged for a total equal to their sum",
      total: 99_999_999_999,
      weights: [99_999_999_997, 1, 1],
      expected: [99_999_999_997, 1, 1],
    },
    {
      name: "keeps a 1-unit share exact next to a weight near 10^11 whose products pass 2^53",
      total: 100_000_000_000,
      weights: [99_999_999_999, 1],
      expected: [99_999_999_999, 1],
    },
    {
      name: "splits Number.MAX_SAFE_INTEGER over two equal weights without losing a unit",
      total: Number.MAX_SAFE_INTEGER,
      weights: [1, 1],
      expected: [4_503_599_627_370_496, 4_503_599_627_370_495],
    },
    {
      name: "splits a total of 3 over weights near Number.MAX_SAFE_INTEGER exactly",
      total: 3,
      weights: [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      expected: [1, 1, 1],
    },
  ])(({ total, weights, expected }) => {
    const parts = allocateProportionally(total, weights);
    expect(parts).toEqual(expected);
    expect(parts.every((part) => Number.isSafeInteger(part))).toBe(true);
    expect(sum(parts)).toBe(total);
  });

  it("returns a new array each call and leaves the weights untouched", () => {
    const weights = Object.freeze([3, 1, 4, 1, 5]);
    const first = allocateProportionally(9, weights);
    const second = allocateProportionally(9, weights);
    expect(first).toEqual(second);
    expect(first).not.toBe(second);
    expect(weights).toEqual([3, 1, 4, 1, 5]);
  });

  interface InvalidCase {
    readonly name: string;
    readonly total: number;
    readonly weights: readonly number[];
  }

  itEach<InvalidCase>([
    { name: "throws an InvariantError for a negative total", total: -1, weights: [1, 1] },
    { name: "throws an InvariantError for a fractional total", total: 1.5, weights: [1, 1] },
    { name: "throws an InvariantError for a NaN total", total: Number.NaN, weights: [1] },
    { name: "throws an InvariantError for a total above Number.MAX_SAFE_INTEGER", total: 2 ** 53, weights: [1] },
    { name: "throws an InvariantError for a fractional weight", total: 10, weights: [1, 0.5] },
    { name: "throws an InvariantError for a negative weight", total: 10, weights: [3, -1] },
    { name: "throws an InvariantError for a NaN weight", total: 10, weights: [Number.NaN] },
    { name: "throws an InvariantError for an infinite weight", total: 10, weights: [Number.POSITIVE_INFINITY] },
    { name: "throws an InvariantError for a non-zero total over all-zero weights", total: 10, weights: [0, 0, 0] },
    { name: "throws an InvariantError for a non-zero total over no weights", total: 1, weights: [] },
  ])(({ total, weights }) => {
    expect(() => allocateProportionally(total, weights)).toThrow(InvariantError);
  });

  it("throws an InvariantError for a fractional weight even when the total is zero", () => {
    expect(() => allocateProportionally(0, [1, 0.5])).toThrow(InvariantError);
  });

  it("keeps sums exact, parts within one unit of their exact share and within their weights over 400 seeded random cases", () => {
    const random = seededRandom(20_240_611);
    for (let caseIndex = 0; caseIndex < 400; caseIndex += 1) {
      const count = 1 + randomInteger(random, 11);
      // Mix magnitudes: small weights exercise ties, huge ones exercise BigInt products.
      const weightMaximum = [0, 1, 10, 1_000, 100_000_000_000][randomInteger(random, 4)] ?? 1;
      const weights = Array.from({ length: count }, () =>
        random() < 0.25 ? 0 : randomInteger(random, weightMaximum),
      );
      const weightSum = sum(weights);
      const total =
        weightSum === 0
          ? 0
          : random() < 0.7
            ? randomInteger(random, weightSum)
            : randomInteger(random, 100_000_000_000);

      const parts = allocateProportionally(total, weights);
      const context = `case ${caseIndex}: total ${total}, weights [${weights.join(", ")}]`;

      expect(parts, context).toHaveLength(count);
      expect(sum(parts), context).toBe(total);
      for (let index = 0; index < count; index += 1) {
        const part = parts[index] ?? Number.NaN;
        const weight = weights[index] ?? Number.NaN;
        expect(Number.isSafeInteger(part) && part >= 0, context).toBe(true);
        // Proportionality: floor(exact share) <= part <= floor(exact share) + 1.
        const exactFloor =
          weightSum === 0 ? 0 : Number((BigInt(total) * BigInt(weight)) / BigInt(weightSum));
        expect(part, context).toBeGreaterThanOrEqual(exactFloor);
        expect(part, context).toBeLessThanOrEqual(exactFloor + 1);
        if (weight === 0) expect(part, context).toBe(0);
        if (total <= weightSum) expect(part, context).toBeLessThanOrEqual(weight);
      }
      // Equal weights never give a later part more than an earlier one (tie-break to earlier index).
      for (let later = 1; later < count; later += 1) {
        for (let earlier = 0; earlier < later; earlier += 1) {
          if (weights[earlier] === weights[later]) {
            expect(parts[earlier] ?? 0, context).toBeGreaterThanOrEqual(parts[later] ?? 0);
          }
        }
      }
    }
  });
});
