import { afterEach, describe, expect, it } from "vitest";
import { CommitLogCorruptError } from "./commit-log-errors.js";
import type { CommitLogOptions } from "./commit-log-options.js";
import type { CommitLog, LogRecord, OpenedCommitLog } from "./commit-log.js";
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "./record-format.js";

/** One log's storage for a test: opened, closed and reopened over the same data until disposed. */
export interface CommitLogHarness {
  /** Opens the log over this harness's storage (again after close). */
  open(options?: CommitLogOptions): Promise<OpenedCommitLog>;
  /** Holds every group sync from now on (the write happens, the sync does not complete). */
  holdSyncs(): void;
  /** Lets held syncs complete, and later ones at once. */
  releaseSyncs(): void;
  /** From now on a spare segment cannot be created for lack of space. */
  fillDisk(): void;
  /** Space is back: the next attempt to create a spare succeeds. */
  freeDisk(): void;
  dispose(): Promise<void>;
}

/** Small segments for tests: 4 KiB hold 33 records of 100 bytes (120 with their header) after the segment header. */
const SEGMENT_BYTES = 4_096;
const PAYLOAD_MAX_BYTES = 1_000;
const RECORDS_PER_SEGMENT = Math.floor((SEGMENT_BYTES - SEGMENT_HEADER_BYTES) / (RECORD_HEADER_BYTES + 100));
const SMALL: CommitLogOptions = { segmentBytes: SEGMENT_BYTES, recordPayloadBytesMax: PAYLOAD_MAX_BYTES };

/** A payload that tells its sequence and length apart from every other: byte i is (sequence * 31 + i) mod 251. */
export function payloadFor(sequence: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) bytes[index] = (sequence * 31 + index) % 251;
  return bytes;
}

/** Resolves after the current event-loop turn and `turns - 1` more. */
export async function nextTurns(turns = 1): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Polls `condition` every millisecond until it holds (or fails the test after `timeoutMilliseconds`). */
export async function until(condition: () => boolean, what: string, timeoutMilliseconds = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMilliseconds;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}

function appendOk(log: CommitLog, payload: Uint8Array): number {
  const result = log.append(payload);
  if (!result.ok) throw new Error(`append refused: ${result.code} ${result.message}`);
  return result.sequence;
}

/**
 * Appends `count` records of `length` bytes, `perTurn` per event-loop turn, and waits until all are
 * durable. Like a real caller it waits a moment and retries on BUSY: with the tests' tiny segments,
 * appends can fill a segment before the next spare is preallocated.
 */
async function appendDurably(log: CommitLog, count: number, length: number, perTurn = count): Promise<void> {
  for (let done = 0; done < count; ) {
    for (let index = 0; index < perTurn && done < count; index += 1) {
      const result = log.append(payloadFor(log.nextSequence, length));
      if (result.ok) done += 1;
      else if (result.code === "BUSY") await new Promise<void>((resolve) => setTimeout(resolve, 1));
      else throw new Error(`append refused: ${result.code} ${result.message}`);
    }
    await nextTurns();
  }
  await log.whenDurable(log.nextSequence - 1);
}

function writtenSegments(log: CommitLog): number {
  const stats = log.stats();
  return stats.segments - stats.spareSegments;
}

function expectRecords(records: Iterable<LogRecord>, from: number, to: number, length: number): void {
  const found = [...records];
  expect(found.map((record) => record.sequence)).toEqual(Array.from({ length: to - from + 1 }, (_, index) => from + index));
  for (const record of found) expect(Buffer.from(record.payload).equals(Buffer.from(payloadFor(record.sequence, length)))).toBe(true);
}

/** The contract every CommitLog keeps; run against FileCommitLog and MemoryCommitLog. */
export function describeCommitLogContract(name: string, makeHarness: () => Promise<CommitLogHarness>): void {
  describe(`${name} keeps the commit log contract`, () => {
    let harness: CommitLogHarness | undefined;
    const logs: CommitLog[] = [];
    async function open(options: CommitLogOptions = SMALL): Promise<OpenedCommitLog> {
      harness ??= await makeHarness();
      const opened = await harness.open(options);
      logs.push(opened.log);
      return opened;
    }
    afterEach(async () => {
      harness?.releaseSyncs();
      for (const log of logs.splice(0)) await log.close().catch(() => undefined);
      await harness?.dispose();
      harness = undefined;
    });

    it("gives sequences that start at 1 and have no gaps", async () => {
      const { log } = await open();
      expect(log.nextSequence).toBe(1);
      expect(log.durableSequence).toBe(0);
      const sequences = Array.from({ length: 50 }, (_, index) => appendOk(log, payloadFor(index + 1, index)));
      expect(sequences).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
      expect(log.nextSequence).toBe(51);
      await log.whenDurable(50);
      expect(log.durableSequence).toBe(50);
      expect(log.pendingBytes).toBe(0);
    });

    it("resolves whenDurable in order and only after the group's sync", async () => {
      const { log } = await open();
      harness?.holdSyncs();
      appendOk(log, payloadFor(1, 10));
      await until(() => log.stats().syncs === 1, "the first group's sync is under way");
      appendOk(log, payloadFor(2, 10));
      await nextTurns();
      appendOk(log, payloadFor(3, 10));
      const resolved: [number, number][] = [];
      for (const sequence of [1, 2, 3]) void log.whenDurable(sequence).then(() => resolved.push([sequence, log.durableSequence]));
      await nextTurns(5);
      expect(resolved).toEqual([]);
      expect(log.durableSequence).toBe(0);
      expect(log.pendingBytes).toBe(3 * (RECORD_HEADER_BYTES + 10));
      harness?.releaseSyncs();
      await log.whenDurable(3);
      await nextTurns();
      expect(resolved.map(([sequence]) => sequence)).toEqual([1, 2, 3]);
      for (const [sequence, durable] of resolved) expect(durable).toBeGreaterThanOrEqual(sequence);
      expect(log.stats().syncs).toBe(2);
    });

    it("writes the appends of one event-loop turn with one write and one sync", async () => {
      const { log } = await open({ ...SMALL, segmentBytes: 64 * 1_024 });
      for (let index = 0; index < 100; index += 1) appendOk(log, payloadFor(index + 1, 100));
      await log.whenDurable(100);
      expect(log.stats()).toMatchObject({ writes: 1, syncs: 1, recordsAppended: 100, bytesAppended: 100 * 120 });
    });

    it("fills the next group while one syncs: appends of several turns during a sync share one write", async () => {
      const { log } = await open();
      harness?.holdSyncs();
      appendOk(log, payloadFor(1, 10));
      await until(() => log.stats().syncs === 1, "the first group's sync is under way");
      for (let turn = 0; turn < 3; turn += 1) {
        appendOk(log, payloadFor(log.nextSequence, 10));
        appendOk(log, payloadFor(log.nextSequence, 10));
        await nextTurns();
      }
      harness?.releaseSyncs();
      await log.whenDurable(7);
      expect(log.stats()).toMatchObject({ writes: 2, syncs: 2 });
    });

    it("splits one turn's appends into groups of at most writeBytesMax", async () => {
      const { log } = await open({ ...SMALL, segmentBytes: 64 * 1_024, writeBytesMax: 1_024 + SEGMENT_HEADER_BYTES });
      for (let index = 0; index < 100; index += 1) appendOk(log, payloadFor(index + 1, 100));
      await log.whenDurable(100);
      // 8 records of 120 bytes per group of 1,056 bytes (the first also carries the segment header).
      expect(log.stats().writes).toBe(Math.ceil(100 / 8));
    });

    it("reopens to replay exactly the durable records from a given sequence, with identical payloads", async () => {
      const first = await open();
      await appendDurably(first.log, 120, 100, 7);
      await first.log.close();
      const second = await open();
      expect(second.log.nextSequence).toBe(121);
      expect(second.log.durableSequence).toBe(120);
      expect(second.recovery).toMatchObject({ recordsFound: 120, firstSequenceFound: 1, lastSequenceFound: 120, tornTail: null });
      expectRecords(second.replay(), 1, 120, 100);
      expectRecords(second.replay(77), 77, 120, 100);
      expect([...second.replay(121)]).toEqual([]);
      appendOk(second.log, payloadFor(121, 100));
      expect(() => [...second.replay()]).toThrow(/before the first append/);
    });

    it("keeps payloads of every length up to recordPayloadBytesMax, empty ones included, and asserts on a longer one", async () => {
      const first = await open();
      const lengths = [0, 1, 19, 20, 21, 255, PAYLOAD_MAX_BYTES, 0, 3];
      for (const length of lengths) appendOk(first.log, payloadFor(first.log.nextSequence, length));
      expect(() => first.log.append(new Uint8Array(PAYLOAD_MAX_BYTES + 1))).toThrow(/at most/);
      await first.log.close();
      const second = await open();
      const found = [...second.replay()];
      expect(found.map((record) => record.payload.length)).toEqual(lengths);
      found.forEach((record) => expect(Buffer.from(record.payload).equals(Buffer.from(payloadFor(record.sequence, record.payload.length)))).toBe(true));
    });

    it("takes a copy of each payload: changing it after append changes nothing", async () => {
      const first = await open();
      const payload = payloadFor(1, 50);
      appendOk(first.log, payload);
      payload.fill(0);
      await first.log.close();
      const second = await open();
      expectRecords(second.replay(), 1, 1, 50);
    });

    it("starts at startSequence when the checkpoint is past the last record, and replays nothing below it", async () => {
      const first = await open();
      await appendDurably(first.log, 5, 100);
      await first.log.close();
      const second = await open({ ...SMALL, startSequence: 10 });
      expect(second.log.nextSequence).toBe(10);
      expect(second.log.durableSequence).toBe(9);
      expect([...second.replay()]).toEqual([]);
      expect([...second.replay(1)]).toEqual([]);
      expect(appendOk(second.log, payloadFor(10, 100))).toBe(10);
      expect(appendOk(second.log, payloadFor(11, 100))).toBe(11);
      await second.log.close();
      const third = await open({ ...SMALL, startSequence: 10 });
      expectRecords(third.replay(), 10, 11, 100);
      expect(third.log.nextSequence).toBe(12);
      await third.log.close();
      // A checkpoint that covers less than the one the log jumped for (6 to 9 were never written): refused.
      await expect(open({ ...SMALL, startSequence: 9 })).rejects.toThrow(CommitLogCorruptError);
    });

    it("starts a fresh log at startSequence", async () => {
      const { log, replay } = await open({ ...SMALL, startSequence: 1_000 });
      expect(log.nextSequence).toBe(1_000);
      expect([...replay()]).toEqual([]);
      expect(appendOk(log, payloadFor(1_000, 100))).toBe(1_000);
      await log.whenDurable(1_000);
      expect(log.durableSequence).toBe(1_000);
    });

    it("rolls records across many segments, never splitting a group across two", async () => {
      const first = await open();
      await appendDurably(first.log, 1_000, 100, 25);
      expect(writtenSegments(first.log)).toBe(Math.ceil(1_000 / RECORDS_PER_SEGMENT));
      await first.log.close();
      const second = await open();
      expectRecords(second.replay(), 1, 1_000, 100);
      expectRecords(second.replay(500), 500, 1_000, 100);
    });

    it("truncateBefore drops only whole segments the sequence covers, never the current one, and replay still works", async () => {
      const first = await open();
      await appendDurably(first.log, 3 * RECORDS_PER_SEGMENT + 1, 100, 10);
      expect(writtenSegments(first.log)).toBe(4);
      await first.log.truncateBefore(RECORDS_PER_SEGMENT + 10);
      expect(writtenSegments(first.log)).toBe(3);
      await first.log.truncateBefore(2 * RECORDS_PER_SEGMENT + 1);
      expect(writtenSegments(first.log)).toBe(2);
      await first.log.close();
      const from = 2 * RECORDS_PER_SEGMENT + 1;
      const second = await open({ ...SMALL, startSequence: from });
      expectRecords(second.replay(), from, 3 * RECORDS_PER_SEGMENT + 1, 100);
      await second.log.truncateBefore(Number.MAX_SAFE_INTEGER);
      expect(writtenSegments(second.log)).toBe(1);
      expect(appendOk(second.log, payloadFor(second.log.nextSequence, 100))).toBe(3 * RECORDS_PER_SEGMENT + 2);
      await second.log.close();
      const third = await open({ ...SMALL, startSequence: 3 * RECORDS_PER_SEGMENT + 1 });
      expectRecords(third.replay(), 3 * RECORDS_PER_SEGMENT + 1, 3 * RECORDS_PER_SEGMENT + 2, 100);
    });

    it("answers BUSY when pendingBytes would pass pendingBytesMax, staging nothing, and accepts again once records are durable", async () => {
      const { log } = await open({ ...SMALL, recordPayloadBytesMax: 100, pendingBytesMax: 8 * 120 + 50 });
      for (let index = 0; index < 8; index += 1) appendOk(log, payloadFor(index + 1, 100));
      expect(log.pendingBytes).toBe(8 * 120);
      const refused = log.append(payloadFor(9, 100));
      expect(refused).toMatchObject({ ok: false, code: "BUSY" });
      expect(log.nextSequence).toBe(9);
      expect(log.stats().refusedBusy).toBe(1);
      expect(log.append(payloadFor(9, 10))).toMatchObject({ ok: true, sequence: 9 });
      await log.whenDurable(9);
      expect(appendOk(log, payloadFor(10, 100))).toBe(10);
    });

    it("answers STORAGE_FULL for a record that needs a new segment while no spare can be created, and resumes once space returns", async () => {
      const { log } = await open();
      harness?.fillDisk();
      let refused: ReturnType<CommitLog["append"]> | undefined;
      for (let index = 0; index < 10 * RECORDS_PER_SEGMENT && refused === undefined; index += 1) {
        const result = log.append(payloadFor(log.nextSequence, 100));
        if (result.ok) await log.whenDurable(result.sequence);
        else refused = result;
      }
      expect(refused).toMatchObject({ ok: false, code: "STORAGE_FULL" });
      // The spare prepared before the disk filled took the second segment; the third could not be made.
      expect(log.nextSequence).toBe(2 * RECORDS_PER_SEGMENT + 1);
      expect(log.stats().refusedStorageFull).toBe(1);
      // A record that still fits the current segment is taken.
      expect(appendOk(log, payloadFor(log.nextSequence, 0))).toBe(2 * RECORDS_PER_SEGMENT + 1);
      harness?.freeDisk();
      let resumed: ReturnType<CommitLog["append"]> = { ok: false, code: "STORAGE_FULL", message: "" };
      await until(() => {
        resumed = log.append(payloadFor(log.nextSequence, 100));
        return resumed.ok;
      }, "a spare segment is created once space returns");
      expect(resumed).toMatchObject({ ok: true, sequence: 2 * RECORDS_PER_SEGMENT + 2 });
      await log.close();
      const reopened = await open();
      expect([...reopened.replay()].length).toBe(2 * RECORDS_PER_SEGMENT + 2);
    });

    it("resolves whenDurable at once for a durable sequence, and close waits for pending records", async () => {
      const first = await open();
      await appendDurably(first.log, 3, 10);
      await first.log.whenDurable(2);
      await first.log.whenDurable(0);
      for (let index = 0; index < 20; index += 1) appendOk(first.log, payloadFor(first.log.nextSequence, 10));
      await first.log.close();
      expect(first.log.durableSequence).toBe(23);
      expect(() => first.log.append(payloadFor(24, 10))).toThrow(/after close/);
      const second = await open();
      expectRecords(second.replay(), 1, 23, 10);
    });
  });
}
