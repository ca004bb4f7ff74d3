import { describe, expect, it } from "vitest";
import { formatSummary, runCrashAudit, type CrashAuditSummary } from "../tools/crash-audit/crash-audit.js";

/** The audit's invariants, whatever crashed the server. */
function expectNoViolation(summary: CrashAuditSummary, report: string): void {
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
}

async function audit(options: Omit<Parameters<typeof runCrashAudit>[0], "log">): Promise<{ summary: CrashAuditSummary; report: string }> {
  const lines: string[] = [];
  const summary = await runCrashAudit({ ...options, log: (line) => lines.push(line) });
  return { summary, report: `${lines.join("\n")}\n${formatSummary(summary)}` };
}

describe("crash audit: SIGKILL and restart under load", () => {
  it("loses no acknowledged operation and applies none twice across two kills", async () => {
    const { summary, report } = await audit({ lanes: 6, operationsPerLane: 40, kills: 2, seed: 11 });
    expect(summary.kills, report).toBe(2);
    expect(summary.operationsSent, report).toBe(240);
    expectNoViolation(summary, report);
  }, 60_000);

  it("loses no point of family receipts whose two hops (member's shard, then the pool's) a kill cuts, and applies none twice", async () => {
    const { summary, report } = await audit({ lanes: 4, operationsPerLane: 40, kills: 3, seed: 31, shards: 2, families: true });
    expect(summary.kills, report).toBe(3);
    expect(summary.acknowledgedByKind.commit, report).toBeGreaterThan(60);
    expectNoViolation(summary, report);
  }, 90_000);

  it("survives the server's own crashes during log group commits (before the write, before the sync, after it)", async () => {
    const { summary, report } = await audit({
      lanes: 6,
      operationsPerLane: 40,
      kills: 1,
      seed: 12,
      crashPoints: "before-write:0.01,after-write-before-sync:0.05,after-sync:0.01",
      selfCrashesMax: 3,
    });
    expect(summary.kills, report).toBe(1);
    // About a hundred group commits at 7 %: the server dies by itself (running or while starting) at least once.
    expect(summary.selfCrashes, report).toBeGreaterThanOrEqual(1);
    expect(summary.selfCrashes, report).toBeLessThanOrEqual(3);
    expect(summary.restarts, report).toBe(summary.kills + summary.selfCrashes - summary.selfCrashesDuringStart);
    expectNoViolation(summary, report);
  }, 60_000);

  it("skips on restart the log records a checkpoint had when the server died between LMDB's commit and the segments' deletion", async () => {
    const { summary, report } = await audit({
      lanes: 8,
      operationsPerLane: 250,
      kills: 0,
      seed: 13,
      // Probability 1: the first checkpoint (due 2 s after the start) kills the server; the restart runs without fault injection.
      crashPoints: "checkpoint-after-write-before-truncate:1",
      selfCrashesMax: 1,
      awaitSelfCrashes: 1,
    });
    expect(summary.selfCrashes, report).toBe(1);
    expect(summary.restarts, report).toBe(1);
    // The restart replayed only what the checkpoint lacked: nothing applied twice.
    expectNoViolation(summary, report);
  }, 60_000);

  it("recovers from torn log tails (only records no client had an answer to) and loses no acknowledged answer", async () => {
    const { summary, report } = await audit({
      lanes: 6,
      operationsPerLane: 40,
      // Seed 24 spaces the three kills apart (kills right after a restart find the last record answered).
      kills: 3,
      seed: 24,
      // A crash after the write and before the sync leaves a last group no one was answered for.
      crashPoints: "after-write-before-sync:0.05",
      selfCrashesMax: 2,
      tornTail: 1,
    });
    const torn = summary.tornTails;
    expect(torn.attempted, report).toBe(summary.restarts);
    expect(torn.made, report).toBeGreaterThanOrEqual(1);
    expect(torn.made + torn.skipped, report).toBe(torn.attempted);
    // Every damaged tail was cut by the restart as a torn tail (not refused as corruption: the restart succeeded).
    expect(torn.cutByServer, report).toBe(torn.made);
    expect(torn.records, report).toBeGreaterThanOrEqual(torn.made);
    // The damage took no answer back.
    expect(torn.recordsAcknowledged, report).toBe(0);
    expectNoViolation(summary, report);
  }, 60_000);
});
