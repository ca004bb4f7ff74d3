import { assert } from "../../domain/assert/assert.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { CommitLogCorruptError } from "./commit-log-errors.js";
import { integerOption, requireOptionsObject, resolveCommitLogOptions, type CommitLogOptions, type ResolvedCommitLogOptions } from "./commit-log-options.js";
import type { AppendResult, CommitLog, CommitLogStats, LogRecord, OpenedCommitLog } from "./commit-log.js";
import { LOG_SPARE_RETRY_MILLISECONDS, LOG_SPARE_SEGMENTS } from "./log-limits.js";
import { recordBytes, SEGMENT_HEADER_BYTES } from "./record-format.js";

/** A segment as the memory disk holds it: only records whose group was synced. */
export interface MemoryDiskSegment {
  readonly index: number;
  readonly sizeBytes: number;
  readonly firstSequence: number;
  readonly records: LogRecord[];
}

/**
 * What survives a MemoryCommitLog: the records of synced groups, by segment. Pass it to a new
 * MemoryCommitLog to reopen (after close, everything appended; after crash(), only what was durable).
 * `full` acts out a full disk: no spare segment can be created while it is true.
 */
export class MemoryCommitLogDisk {
  /** Segments holding synced records, in creation order. */
  readonly segments: MemoryDiskSegment[] = [];
  /** While true, creating a spare segment fails for lack of space. */
  full = false;
  /** The highest segment index used so far. */
  highestIndex = 0;
}

/** Options of MemoryCommitLog: CommitLogOptions and these. */
export interface MemoryCommitLogOptions extends CommitLogOptions {
  /** The disk to reopen; a new empty one by default. */
  readonly disk?: MemoryCommitLogDisk;
  /** Wait before trying again to create a spare after `disk.full`. Default LOG_SPARE_RETRY_MILLISECONDS. */
  readonly spareRetryMilliseconds?: number;
}

interface MemorySegment {
  readonly index: number;
  readonly sizeBytes: number;
  readonly firstSequence: number;
  lastSequence: number;
  tail: number;
}

interface MemoryGroup {
  readonly segment: MemorySegment;
  readonly records: LogRecord[];
  bytes: number;
  recordBytes: number;
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

function diskSegmentTail(segment: MemoryDiskSegment): number {
  return segment.records.reduce((sum, record) => sum + recordBytes(record.payload.length), SEGMENT_HEADER_BYTES);
}

/** As the file log's open: each segment continues the one before it, a gap only below startSequence. */
function checkMemoryContinuity(segments: readonly MemoryDiskSegment[], startSequence: number): void {
  let expected: number | null = null;
  for (const segment of segments) {
    const first = segment.firstSequence;
    const fine = expected === null ? first <= startSequence : first === expected || (first > expected && first <= startSequence);
    if (!fine) throw new CommitLogCorruptError(`memory:segment-${segment.index}`, 0, `the segment starts at sequence ${first}, leaving records from ${startSequence} or ${expected ?? startSequence} missing`);
    expected = first + segment.records.length;
  }
}

/**
 * The in-memory twin of FileCommitLog, for tests: the same sequences, groups (one per event-loop turn,
 * the next filling while one "syncs", split at writeBytesMax and at segment ends), spare segments,
 * refusals and truncation, with durability reported asynchronously (a sync completes at setImmediate,
 * or when released after holdSyncs). crash() keeps only what was synced.
 */
export class MemoryCommitLog implements CommitLog {
  private readonly options: ResolvedCommitLogOptions & { readonly spareRetryMilliseconds: number };
  private readonly disk: MemoryCommitLogDisk;
  private readonly segments: MemorySegment[];
  private spares = 0;
  private next: number;
  private durable: number;
  private pending = 0;
  private readonly queue: MemoryGroup[] = [];
  private inFlight: MemoryGroup | null = null;
  private writeScheduled = false;
  private preparing = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private spareOutOfSpace = false;
  private syncsHeld = false;
  private releaseHeldSync: (() => void) | null = null;
  private state: "open" | "closing" | "crashed" = "open";
  private appended = false;
  private readonly counters = { recordsAppended: 0, bytesAppended: 0, writes: 0, syncs: 0, refusedStorageFull: 0, refusedBusy: 0 };

  constructor(options: MemoryCommitLogOptions = {}) {
    requireOptionsObject(options, "MemoryCommitLog");
    const spareRetryMilliseconds = integerOption("spareRetryMilliseconds", options.spareRetryMilliseconds, LOG_SPARE_RETRY_MILLISECONDS, 1, 2 ** 31 - 1);
    if (options.disk !== undefined && !(options.disk instanceof MemoryCommitLogDisk)) throw new TypeError("disk must be a MemoryCommitLogDisk");
    this.options = { ...resolveCommitLogOptions(options), spareRetryMilliseconds };
    this.disk = options.disk ?? new MemoryCommitLogDisk();
    const startSequence = this.options.startSequence;
    checkMemoryContinuity(this.disk.segments, startSequence);
    this.segments = this.disk.segments.map((segment) => ({ ...segment, lastSequence: segment.firstSequence + segment.records.length - 1, tail: diskSegmentTail(segment) }));
    const last = this.segments.at(-1);
    this.next = Math.max(startSequence, last === undefined ? 1 : last.lastSequence + 1);
    this.durable = this.next - 1;
    // As openFileCommitLog awaits its first spare, a new memory log has one ready unless the disk is full.
    if (this.disk.full) this.spareFailed();
    else this.spares = this.sparesWanted();
  }

  /** See CommitLog.nextSequence. */
  get nextSequence(): number {
    return this.next;
  }

  /** See CommitLog.durableSequence. */
  get durableSequence(): number {
    return this.durable;
  }

  /** See CommitLog.pendingBytes: payloads plus record headers, staged or in flight. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** This log as opened: the log, startSequence and replay (recovery reports no torn tail: none can occur here). */
  opened(): OpenedCommitLog {
    const records = this.disk.segments.reduce((sum, segment) => sum + segment.records.length, 0);
    const withRecords = this.disk.segments.filter((segment) => segment.records.length > 0);
    const lastSegment = withRecords.at(-1);
    return {
      log: this,
      startSequence: this.options.startSequence,
      recovery: {
        recordsFound: records,
        firstSequenceFound: withRecords[0]?.firstSequence ?? 0,
        lastSequenceFound: lastSegment === undefined ? 0 : lastSegment.firstSequence + lastSegment.records.length - 1,
        tornTail: null,
      },
      replay: (fromSequence = this.options.startSequence) => this.replay(fromSequence),
    };
  }

  /** The records held at or above `fromSequence` and startSequence; before the first append only. */
  *replay(fromSequence: number): Generator<LogRecord> {
    assert(!this.appended, "replay comes before the first append");
    const first = Math.max(fromSequence, this.options.startSequence);
    for (const segment of this.disk.segments) {
      for (const record of segment.records) if (record.sequence >= first) yield record;
    }
  }

  append(payload: Uint8Array): AppendResult {
    assert(this.state === "open", `no append after ${this.state === "crashed" ? "crash" : "close"}`);
    assert(payload.length <= this.options.recordPayloadBytesMax, `a record payload has at most ${this.options.recordPayloadBytesMax} bytes, got ${payload.length}`);
    const size = recordBytes(payload.length);
    if (this.pending + size > this.options.pendingBytesMax) return this.refuse("BUSY", `${this.pending} bytes are waiting; the limit is ${this.options.pendingBytesMax}`);
    const sequence = this.next;
    const group = this.groupFor(sequence, size);
    if (group === "STORAGE_FULL") return this.refuse(group, "the disk is full: no preallocated space for the record");
    if (group === "BUSY") return this.refuse(group, "the next segment is still being preallocated");
    group.records.push({ sequence, payload: Uint8Array.from(payload) });
    group.bytes += size;
    group.recordBytes += size;
    group.segment.tail += size;
    group.segment.lastSequence = sequence;
    this.next = sequence + 1;
    this.pending += size;
    this.appended = true;
    this.counters.recordsAppended += 1;
    this.counters.bytesAppended += size;
    this.scheduleWrite();
    return { ok: true, sequence };
  }

  whenDurable(sequence: number): Promise<void> {
    assert(Number.isSafeInteger(sequence) && sequence >= 0 && sequence < this.next, `whenDurable(${sequence}) waits for a sequence below nextSequence ${this.next}`);
    if (sequence <= this.durable) return Promise.resolve();
    const group = [this.inFlight, ...this.queue].find((candidate) => candidate !== null && sequence <= (candidate.records.at(-1)?.sequence ?? 0));
    assert(group !== undefined && group !== null, `record ${sequence} is staged in a group`);
    return new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  /** Drops whole segments all of whose records are below `sequence` and durable, never the current one. */
  async truncateBefore(sequence: number): Promise<void> {
    assert(Number.isSafeInteger(sequence) && sequence >= 0, `truncateBefore takes a sequence, got ${sequence}`);
    await Promise.resolve();
    let count = 0;
    for (const segment of this.segments.slice(0, -1)) {
      if (segment.lastSequence >= sequence || segment.lastSequence > this.durable || this.queue.some((group) => group.segment === segment)) break;
      count += 1;
    }
    const removed = this.segments.splice(0, count);
    const indexes = new Set(removed.map((segment) => segment.index));
    const kept = this.disk.segments.filter((segment) => !indexes.has(segment.index));
    this.disk.segments.splice(0, this.disk.segments.length, ...kept);
  }

  stats(): CommitLogStats {
    const segments = this.segments.length + this.spares;
    const bytes = this.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0) + this.spares * this.options.segmentBytes;
    return { segments, spareSegments: this.spares, segmentBytes: bytes, ...this.counters };
  }

  async close(): Promise<void> {
    if (this.state === "crashed") return;
    this.state = "closing";
    this.releaseSyncs();
    if (this.next - 1 > this.durable) await this.whenDurable(this.next - 1);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Acts out a crash: the log stops (its waiters never settle) and the disk keeps only synced records. */
  crash(): MemoryCommitLogDisk {
    this.state = "crashed";
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.queue.splice(0);
    this.inFlight = null;
    return this.disk;
  }

  /** Holds every sync from now on: groups are "written" but never durable until releaseSyncs. */
  holdSyncs(): void {
    this.syncsHeld = true;
  }

  /** Lets syncs complete again, the held one first. */
  releaseSyncs(): void {
    this.syncsHeld = false;
    const release = this.releaseHeldSync;
    this.releaseHeldSync = null;
    release?.();
  }

  private refuse(code: "STORAGE_FULL" | "BUSY", message: string): AppendResult {
    if (code === "BUSY") this.counters.refusedBusy += 1;
    else this.counters.refusedStorageFull += 1;
    return failure(code, message);
  }

  private groupFor(sequence: number, size: number): MemoryGroup | "STORAGE_FULL" | "BUSY" {
    const segment = this.segments.at(-1);
    if (segment !== undefined && segment.lastSequence + 1 === sequence && segment.tail + size <= segment.sizeBytes) {
      const open = this.queue.at(-1);
      if (open !== undefined && open.segment === segment && open.bytes + size <= this.options.writeBytesMax) return open;
      return this.startGroup(segment, 0);
    }
    if (this.spares === 0) return this.spareOutOfSpace ? "STORAGE_FULL" : "BUSY";
    this.spares -= 1;
    this.disk.highestIndex += 1;
    const rolled: MemorySegment = { index: this.disk.highestIndex, sizeBytes: this.options.segmentBytes, firstSequence: sequence, lastSequence: sequence - 1, tail: SEGMENT_HEADER_BYTES };
    this.segments.push(rolled);
    this.prepareSpare();
    return this.startGroup(rolled, SEGMENT_HEADER_BYTES);
  }

  private startGroup(segment: MemorySegment, headerBytes: number): MemoryGroup {
    const group: MemoryGroup = { segment, records: [], bytes: headerBytes, recordBytes: 0, waiters: [] };
    this.queue.push(group);
    return group;
  }

  /** Like the file log's background preallocation: a spare is ready a turn later, unless the disk is full. */
  private prepareSpare(): void {
    if (this.preparing || this.retryTimer !== null || this.spares >= this.sparesWanted() || this.state !== "open") return;
    this.preparing = true;
    setImmediate(() => {
      this.preparing = false;
      if (this.state !== "open") return;
      if (this.disk.full) return this.spareFailed();
      this.spares += 1;
      this.spareOutOfSpace = false;
      this.prepareSpare();
    });
  }

  /** LOG_SPARE_SEGMENTS ahead of the current segment, and one more while there is none yet (a new log). */
  private sparesWanted(): number {
    return LOG_SPARE_SEGMENTS + (this.segments.length === 0 ? 1 : 0);
  }

  private spareFailed(): void {
    this.spareOutOfSpace = true;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.prepareSpare();
    }, this.options.spareRetryMilliseconds);
    this.retryTimer.unref();
  }

  private scheduleWrite(): void {
    if (this.inFlight !== null || this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.writeNext();
    });
  }

  /** "Writes" the next group and completes its "sync" a turn later (or when released). */
  private writeNext(): void {
    if (this.inFlight !== null || this.state === "crashed") return;
    const group = this.queue.shift();
    if (group === undefined) return;
    this.inFlight = group;
    this.counters.writes += 1;
    this.counters.syncs += 1;
    const complete = (): void => {
      if (this.inFlight === group) this.groupDurable(group);
    };
    setImmediate(() => {
      if (this.syncsHeld) this.releaseHeldSync = complete;
      else complete();
    });
  }

  private groupDurable(group: MemoryGroup): void {
    const last = group.records.at(-1)?.sequence ?? 0;
    assert(last > this.durable, `durableSequence only grows: ${last} after ${this.durable}`);
    let diskSegment = this.disk.segments.find((segment) => segment.index === group.segment.index);
    if (diskSegment === undefined) {
      diskSegment = { index: group.segment.index, sizeBytes: group.segment.sizeBytes, firstSequence: group.segment.firstSequence, records: [] };
      this.disk.segments.push(diskSegment);
    }
    diskSegment.records.push(...group.records);
    this.durable = last;
    this.pending -= group.recordBytes;
    this.inFlight = null;
    for (const waiter of group.waiters) waiter.resolve();
    this.writeNext();
  }
}

/** A new MemoryCommitLog as opened: the counterpart of openFileCommitLog. */
export function openMemoryCommitLog(options: MemoryCommitLogOptions = {}): OpenedCommitLog & { readonly log: MemoryCommitLog } {
  const log = new MemoryCommitLog(options);
  return { ...log.opened(), log };
}
