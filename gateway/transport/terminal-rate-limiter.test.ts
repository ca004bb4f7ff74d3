import { describe, expect, it } from "vitest";
import { TerminalRateLimiter } from "./terminal-rate-limiter.js";

describe("TerminalRateLimiter", () => {
  it("lets a terminal burst up to its rate, refuses the next request, and refills with time", () => {
    let now = 0;
    const limiter = new TerminalRateLimiter(5, () => now);
    const first = Array.from({ length: 6 }, () => limiter.take("lane-1"));
    expect(first).toEqual([true, true, true, true, true, false]);
    now += 400;
    expect([limiter.take("lane-1"), limiter.take("lane-1"), limiter.take("lane-1")]).toEqual([true, true, false]);
  });

  it("keeps one terminal's bucket apart from another's", () => {
    const limiter = new TerminalRateLimiter(1, () => 0);
    expect(limiter.take("lane-1")).toBe(true);
    expect(limiter.take("lane-1")).toBe(false);
    expect(limiter.take("lane-2")).toBe(true);
  });
});
