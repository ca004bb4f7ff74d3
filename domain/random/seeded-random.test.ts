import { describe, expect, it } from "vitest";
import { integerBetween, pick, randomInteger, seededRandom } from "./seeded-random.js";

describe("seededRandom", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("keeps the sequence the importer's synthetic histories were made with (mulberry32)", () => {
    const random = seededRandom(1);
    expect([random(), random(), random()].map((value) => Math.round(value * 4_294_967_296))).toEqual([2_693_262_067, 11_749_833, 2_265_367_787]);
  });

  it("draws integers within their bounds and picks only listed items", () => {
    const random = seededRandom(42);
    for (let draw = 0; draw < 1_000; draw += 1) {
      expect(randomInteger(random, 3)).toBeLessThanOrEqual(3);
      const between = integerBetween(random, -2, 2);
      expect(between >= -2 && between <= 2).toBe(true);
      expect(["a", "b"]).toContain(pick(random, ["a", "b"]));
    }
    expect(() => pick(random, [])).toThrow(/empty/);
  });
});
