import { describe, expect, it } from "vitest";
import { formatSummary, runCrashAudit } from "../bench/crash-audit.js";

describe("crash audit: SIGKILL and restart under load", () => {
  it("loses no acknowledged operation and applies none twice across two kills", async () => {
    const lines: string[] = [];
    const summary = await runCrashAudit({ lanes: 6, operationsPerLane: 40, kills: 2, seed: 11, log: (line) => lines.push(line) });
    const report = `${lines.join("\n")}\n${formatSummary(summary)}`;
    expect(summary.kills, report).toBe(2);
    expect(summary.operationsSent, report).toBe(240);
    expect(summary.acknowledged, report).toBeGreaterThan(0);
    // Every acknowledged request, sent again, returned its identical first answer.
    expect(summary.lost, report).toBe(0);
    // Every member's balance, debt and visits equal the model replayed from the acknowledged answers.
    expect(summary.doubled, report).toBe(0);
    expect(summary.modelMismatches, report).toBe(0);
    // Every request without an answer got a definite one after the last restart.
    expect(summary.unresolved, report).toBe(0);
    expect(summary.internalErrors, report).toBe(0);
    expect(summary.violations, report).toEqual([]);
  }, 60_000);
});
