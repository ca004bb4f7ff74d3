import { describe, expect, it } from "vitest";
import { expiresSoon, formatBasisPoints, formatMilliseconds, newAdjustmentId } from "./format.js";

describe("console formatting", () => {
  it("shows basis points as a percentage and seconds as milliseconds", () => {
    expect(formatBasisPoints(250)).toBe("2.5 %");
    expect(formatMilliseconds(0.00125)).toBe("1.25 ms");
    expect(formatMilliseconds(null)).toBe("—");
  });

  it("calls a lot expiring soon only when it expires within the window and in the future", () => {
    expect(expiresSoon(1_500, 1_000, 1_000)).toBe(true);
    expect(expiresSoon(3_000, 1_000, 1_000)).toBe(false);
    expect(expiresSoon(500, 1_000, 1_000)).toBe(false);
    expect(expiresSoon(null, 1_000, 1_000)).toBe(false);
  });

  it("makes adjustment ids that differ per click and fit an identifier", () => {
    const id = newAdjustmentId(1_700_000_000_000, () => 0.5);
    expect(id).toMatch(/^console-[0-9a-z]+-[0-9a-z]+$/);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(newAdjustmentId(1, () => 0.1)).not.toBe(newAdjustmentId(1, () => 0.2));
  });
});
