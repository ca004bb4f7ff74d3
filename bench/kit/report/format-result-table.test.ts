import { describe, expect, it } from "vitest";
import { formatResultTable } from "./format-result-table.js";
import { HOSTILE_SETTING, scenarioResultFixture } from "./test-support/scenario-result-fixture.js";

describe("result table", () => {
  const table = formatResultTable(scenarioResultFixture());
  const lines = table.split("\n");

  it("shows the machine, its load average and the settings", () => {
    expect(lines[1]).toBe("machine: AMD EPYC, 2 cores, 23.5 GiB, Node v20.20.2, linux 6.18 x64; load average at start 2.18 1.90 1.86");
    expect(table).toContain(`label=${HOSTILE_SETTING}`);
  });

  it("has one aligned row per operation with its rate, percentiles and errors by code", () => {
    const header = lines.find((line) => line.includes("successes/s"));
    const commit = lines.find((line) => line.trimStart().startsWith("commit") && line.includes("BUSY"));
    expect(header).toBeDefined();
    expect(commit).toBe("  commit             5,600      2.10      2.66      2.80      28.0      28.0  BUSY 3, TIMEOUT 1");
    // Every figure column ends where its header ends.
    for (const column of ["successes/s", "p50 ms", "p99.9 ms", "max ms"]) {
      const end = (header ?? "").indexOf(column) + column.length;
      expect(commit?.[end - 1]).toMatch(/\d/);
      expect(commit?.[end]).toBe(" ");
    }
    expect(table).toContain("loycore (loycore, lanes), 5.0 s: 17,000 requests/s, 5,600 receipts/s");
  });

  it("gives each phase's server CPU and memory and the client's CPU", () => {
    expect(table).toContain("server CPU 180.3 % average, 196.5 % max; RSS 310.5 MiB max, 300.0 MiB at end; client CPU 70.1 %");
    expect(table).toContain("server: not measured; client CPU -");
  });

  it("compares each loycore phase with the ceiling of its mode only", () => {
    expect(table).toContain("loycore (lanes) vs ceiling: requests/s 0.850 (85.0 %), receipts/s 0.280 (28.0 %) of the ceiling's 20,000 requests/s");
    expect(table).not.toContain("remote idle (open-loop) vs");
  });

  it("says which checks are met, not met or only reported", () => {
    expect(table).toContain("lanes requests/s as a share of the ceiling: 0.850 (85.0 %) (target at-least 0.800 (80.0 %)) met");
    expect(table).toContain("p99 of receipts at half the maximum: 2.50 ms (target at-most 2.00 ms) NOT met");
    expect(table).toContain("members/s: 123,456 members/s (no target) reported");
  });

  it("handles a phase with no successes and the dataset figures", () => {
    expect(lines).toContain("  commit                 0         -         -         -         -         -  UNAVAILABLE 7");
    expect(table).toContain("dataset: 100,000 members; import 4.2 s (23,810 members/s); server start 1.3 s; RSS after start 180.8 MiB");
  });
});
