import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { itEach } from "../test-support/table-tests.js";
import { applyBasisPointsRoundingDown, BASIS_POINTS_PER_WHOLE } from "./basis-points.js";

interface RateCase {
  readonly name: string;
  readonly amount: number;
  readonly rate: number;
  readonly expected: number;
}

describe("applyBasisPointsRoundingDown", () => {
  itEach<RateCase>([
    { name: "takes 5 % of 10,000 kopecks as 500", amount: 10_000, rate: 500, expected: 500 },
    { name: "rounds 5 % of 1,999 kopecks (99.95) down to 99", amount: 1_999, rate: 500, expected: 99 },
    { name: "gives 1 point for 5 % of 20 kopecks", amount: 20, rate: 500, expected: 1 },
    { name: "rounds 5 % of 19 kopecks (0.95) down to 0", amount: 19, rate: 500, expected: 0 },
    { name: "takes 1 basis point of 10,000 as 1", amount: 10_000, rate: 1, expected: 1 },
    { name: "rounds 1 basis point of 9,999 down to 0", amount: 9_999, rate: 1, expected: 0 },
    { name: "takes 50 % of 1,001 as 500", amount: 1_001, rate: 5_000, expected: 500 },
    { name: "takes 99.99 % of 10^11 as 99,990,000,000", amount: 100_000_000_000, rate: 9_999, expected: 99_990_000_000 },
    { name: "returns 0 for a zero rate", amount: 123_456, rate: 0, expected: 0 },
    { name: "returns 0 for a zero amount", amount: 0, rate: 10_000, expected: 0 },
    {
      name: "returns the whole amount for 10,000 basis points",
      amount: 987_654_321,
      rate: BASIS_POINTS_PER_WHOLE,
      expected: 987_654_321,
    },
    {
      name: "keeps Number.MAX_SAFE_INTEGER exact at 100 % although the product passes 2^53",
      amount: Number.MAX_SAFE_INTEGER,
      rate: BASIS_POINTS_PER_WHOLE,
      expected: Number.MAX_SAFE_INTEGER,
    },
    {
      name: "halves Number.MAX_SAFE_INTEGER exactly, rounding the half unit down",
      amount: Number.MAX_SAFE_INTEGER,
      rate: 5_000,
      expected: 4_503_599_627_370_495,
    },
    {
      name: "takes 0.01 % of Number.MAX_SAFE_INTEGER exactly",
      amount: Number.MAX_SAFE_INTEGER,
      rate: 1,
      expected: 900_719_925_474,
    },
  ])(({ amount, rate, expected }) => {
    expect(applyBasisPointsRoundingDown(amount, rate)).toBe(expected);
  });

  it("never exceeds the exact share and falls short of it by less than one unit for amounts 0..2,000 at 5 %", () => {
    for (let amount = 0; amount <= 2_000; amount += 1) {
      const result = applyBasisPointsRoundingDown(amount, 500);
      // result <= amount * 500 / 10,000 < result + 1, in integer arithmetic.
      expect(result * BASIS_POINTS_PER_WHOLE, `amount ${amount}`).toBeLessThanOrEqual(amount * 500);
      expect((result + 1) * BASIS_POINTS_PER_WHOLE, `amount ${amount}`).toBeGreaterThan(amount * 500);
    }
  });

  interface InvalidCase {
    readonly name: string;
    readonly amount: number;
    readonly rate: number;
  }

  itEach<InvalidCase>([
    { name: "throws an InvariantError for a negative amount", amount: -1, rate: 500 },
    { name: "throws an InvariantError for a fractional amount", amount: 10.5, rate: 500 },
    { name: "throws an InvariantError for a NaN amount", amount: Number.NaN, rate: 500 },
    { name: "throws an InvariantError for an amount above Number.MAX_SAFE_INTEGER", amount: 2 ** 53, rate: 500 },
    { name: "throws an InvariantError for a negative rate", amount: 100, rate: -500 },
    { name: "throws an InvariantError for a fractional rate", amount: 100, rate: 2.5 },
    { name: "throws an InvariantError for an infinite rate", amount: 100, rate: Number.POSITIVE_INFINITY },
  ])(({ amount, rate }) => {
    expect(() => applyBasisPointsRoundingDown(amount, rate)).toThrow(InvariantError);
  });
});
