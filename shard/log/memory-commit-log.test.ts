import { describe, expect, it } from "vitest";
import { describeCommitLogContract, nextTurns, payloadFor } from "./commit-log.contract.js";
import { MemoryCommitLog, MemoryCommitLogDisk, openMemoryCommitLog } from "./memory-commit-log.js";

describeCommitLogContract("MemoryCommitLog", async () => {
  const disk = new MemoryCommitLogDisk();
  const logs: MemoryCommitLog[] = [];
  let held = false;
  return {
    open: async (options = {}) => {
      const opened = openMemoryCommitLog({ ...options, disk, spareRetryMilliseconds: 5 });
      if (held) opened.log.holdSyncs();
      logs.push(opened.log);
      return opened;
    },
    holdSyncs: () => {
      held = true;
      logs.forEach((log) => log.holdSyncs());
    },
    releaseSyncs: () => {
      held = false;
      logs.forEach((log) => log.releaseSyncs());
    },
    fillDisk: () => {
      disk.full = true;
    },
    freeDisk: () => {
      disk.full = false;
    },
    dispose: async () => undefined,
  };
});

describe("MemoryCommitLog after a crash", () => {
  it("keeps exactly the records whose sync completed, and reopens after them", async () => {
    const { log } = openMemoryCommitLog({ segmentBytes: 4_096, recordPayloadBytesMax: 1_000 });
    for (let sequence = 1; sequence <= 40; sequence += 1) log.append(payloadFor(sequence, 100));
    await log.whenDurable(40);
    log.holdSyncs();
    for (let sequence = 41; sequence <= 45; sequence += 1) log.append(payloadFor(sequence, 100));
    await nextTurns(3);
    expect(log.durableSequence).toBe(40);
    const disk = log.crash();
    expect(() => log.append(payloadFor(46, 1))).toThrow(/after crash/);
    const reopened = openMemoryCommitLog({ disk, segmentBytes: 4_096, recordPayloadBytesMax: 1_000 });
    const records = [...reopened.replay()];
    expect(records.map((record) => record.sequence)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(reopened.log.nextSequence).toBe(41);
    expect(reopened.log.append(payloadFor(41, 100))).toMatchObject({ ok: true, sequence: 41 });
  });

  it("checks each option and names the field", () => {
    expect(() => new MemoryCommitLog({ segmentBytes: 10 })).toThrow(/segmentBytes must be an integer/);
    expect(() => new MemoryCommitLog({ startSequence: 0 })).toThrow(/startSequence must be an integer from 1/);
    expect(() => new MemoryCommitLog({ pendingBytesMax: 1.5 })).toThrow(/pendingBytesMax/);
    expect(() => new MemoryCommitLog({ spareRetryMilliseconds: -1 })).toThrow(/spareRetryMilliseconds/);
  });
});
