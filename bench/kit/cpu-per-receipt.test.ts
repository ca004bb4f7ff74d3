import { describe, expect, it } from "vitest";
import { cpuMicrosecondsPerReceipt } from "./load-phase.js";

describe("server CPU per committed receipt", () => {
  it("is the server's CPU time over the phase divided by the receipts committed, in microseconds", () => {
    // 150 % of a core for 10 s is 15 s of CPU; over 50,000 receipts, 300 us each.
    expect(cpuMicrosecondsPerReceipt(150, 10, 50_000)).toBe(300);
  });

  it("is not reported without receipts or without a CPU reading", () => {
    expect(cpuMicrosecondsPerReceipt(150, 10, 0)).toBeNull();
    expect(cpuMicrosecondsPerReceipt(null, 10, 100)).toBeNull();
  });
});
