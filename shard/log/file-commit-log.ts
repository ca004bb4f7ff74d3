// Thread: a shard worker thread; its writev and fdatasync run on libuv's thread pool.
import { assert } from "../../domain/assert/assert.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { isOutOfSpace } from "../storage/storage-failure.js";
import { CommitLogFailedError } from "./commit-log-errors.js";
import { integerOption, requireOptionsObject, resolveCommitLogOptions, type CommitLogOptions, type ResolvedCommitLogOptions } from "./commit-log-options.js";
import type { AppendResult, CommitLog, CommitLogRecovery, CommitLogStats, LogRecord, OpenedCommitLog } from "./commit-log.js";
import { nodeLogFileSystem, type LogFileSystem } from "./log-file-system.js";
import { LogGroup, type WritableSegment } from "./log-group.js";
import { LOG_SPARE_RETRY_MILLISECONDS, LOG_SPARE_SEGMENTS } from "./log-limits.js";
import { replayScanned, repairLog, scanLog, type ScannedLog, type ScannedSegment } from "./log-recovery.js";
import { encodeSegmentHeader, recordBytes, SEGMENT_HEADER_BYTES } from "./record-format.js";
import { preallocateSegment, type OpenSegment } from "./segment-files.js";

/** The moments a crash test may kill the process at (onCrashPoint). */
export type CommitLogCrashPoint = "before-write" | "after-write-before-sync" | "after-sync";

/** Options of openFileCommitLog: CommitLogOptions and these. */
export interface FileCommitLogOptions extends CommitLogOptions {
  /** The log's own directory (created if missing); it holds the segment files and nothing else of value. */
  readonly directory: string;
  /** Wait before trying again to create a spare segment after a lack of space. Default LOG_SPARE_RETRY_MILLISECONDS (1 s). */
  readonly spareRetryMilliseconds?: number;
  /**
   * Called synchronously at each moment of a group commit (before its writev, between writev and
   * fdatasync, after fdatasync and before its waiters are told), so a crash test can kill the process
   * there. Default: nothing.
   */
  readonly onCrashPoint?: (point: CommitLogCrashPoint) => void;
  /** The file operations (a seam for tests that inject failures). Default nodeLogFileSystem. */
  readonly fileSystem?: LogFileSystem;
}

interface ResolvedFileOptions extends ResolvedCommitLogOptions {
  readonly directory: string;
  readonly spareRetryMilliseconds: number;
  readonly onCrashPoint: (point: CommitLogCrashPoint) => void;
  readonly fileSystem: LogFileSystem;
}

/** The longest a Node timer waits. */
const TIMER_MILLISECONDS_MAX = 2 ** 31 - 1;

function resolveFileOptions(options: FileCommitLogOptions): ResolvedFileOptions {
  requireOptionsObject(options, "openFileCommitLog");
  if (typeof options.directory !== "string" || options.directory === "") throw new TypeError("directory must be a non-empty string");
  const common = resolveCommitLogOptions(options);
  const spareRetryMilliseconds = integerOption("spareRetryMilliseconds", options.spareRetryMilliseconds, LOG_SPARE_RETRY_MILLISECONDS, 1, TIMER_MILLISECONDS_MAX);
  if (options.onCrashPoint !== undefined && typeof options.onCrashPoint !== "function") throw new TypeError("onCrashPoint must be a function");
  const fileSystem = options.fileSystem ?? nodeLogFileSystem;
  if (typeof fileSystem !== "object" || fileSystem === null || typeof fileSystem.writev !== "function") throw new TypeError("fileSystem must implement LogFileSystem");
  return { ...common, directory: options.directory, spareRetryMilliseconds, onCrashPoint: options.onCrashPoint ?? (() => undefined), fileSystem };
}

/** What openFileCommitLog hands the log it builds. */
interface FileLogState {
  readonly segments: WritableSegment[];
  readonly spares: OpenSegment[];
  readonly nextSequence: number;
  readonly highestIndex: number;
  readonly replaySegments: readonly ScannedSegment[];
}

/**
 * The file commit log: segment files in one directory, each preallocated with zeros (and synced) before
 * any record goes into it, written by group commit. See openFileCommitLog. Only the owning thread uses it.
 */
export class FileCommitLog implements CommitLog {
  private readonly segments: WritableSegment[];
  private readonly spares: OpenSegment[];
  private current: WritableSegment | null;
  private next: number;
  private durable: number;
  private pending = 0;
  private readonly queue: LogGroup[] = [];
  private inFlight: LogGroup | null = null;
  private writeScheduled = false;
  private fatal: CommitLogFailedError | null = null;
  private closing: Promise<void> | null = null;
  private preparing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private spareOutOfSpace = false;
  private highestIndex: number;
  private replaySegments: readonly ScannedSegment[] | null;
  private readonly counters = { recordsAppended: 0, bytesAppended: 0, writes: 0, syncs: 0, refusedStorageFull: 0, refusedBusy: 0 };

  /** Use openFileCommitLog. */
  constructor(
    private readonly options: ResolvedFileOptions,
    state: FileLogState,
  ) {
    this.segments = state.segments;
    this.spares = state.spares;
    this.current = state.segments.at(-1) ?? null;
    this.next = state.nextSequence;
    this.durable = state.nextSequence - 1;
    this.highestIndex = state.highestIndex;
    this.replaySegments = state.replaySegments;
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

  /** The failure that stopped the log (a group write or sync, or creating a spare, failed with an I/O error); null while healthy. */
  get failed(): CommitLogFailedError | null {
    return this.fatal;
  }

  append(payload: Uint8Array): AppendResult {
    if (this.fatal !== null) throw this.fatal;
    assert(this.closing === null, "no append after close");
    if (!(payload.length <= this.options.recordPayloadBytesMax)) assert(false, `a record payload has at most ${this.options.recordPayloadBytesMax} bytes, got ${payload.length}`);
    const size = recordBytes(payload.length);
    if (this.pending + size > this.options.pendingBytesMax) {
      return this.refuse("BUSY", `${this.pending} bytes are waiting for the disk; the limit is ${this.options.pendingBytesMax}`);
    }
    const sequence = this.next;
    const group = this.groupFor(sequence, size);
    if (group === "STORAGE_FULL") return this.refuse(group, "the disk holding the commit log is full: no preallocated space for the record");
    if (group === "BUSY") return this.refuse(group, "the next log segment is still being preallocated");
    group.add(sequence, payload);
    this.next = sequence + 1;
    this.pending += size;
    this.counters.recordsAppended += 1;
    this.counters.bytesAppended += size;
    this.replaySegments = null;
    this.scheduleWrite();
    return { ok: true, sequence };
  }

  whenDurable(sequence: number): Promise<void> {
    if (!(Number.isSafeInteger(sequence) && sequence >= 0 && sequence < this.next)) assert(false, `whenDurable(${sequence}) waits for a sequence below nextSequence ${this.next}`);
    if (sequence <= this.durable) return Promise.resolve();
    if (this.fatal !== null) return Promise.reject(this.fatal);
    if (this.inFlight !== null && sequence <= this.inFlight.lastSequence) return this.inFlight.whenDurable();
    const group = this.queue.find((candidate) => sequence <= candidate.lastSequence);
    if (group === undefined) assert(false, `record ${sequence} is staged in a group`);
    return group.whenDurable();
  }

  /**
   * Unlinks whole segments all of whose records are below `sequence`, oldest first, keeping the segment
   * appends go to and any with records not yet durable. The directory is not fsynced afterwards: a
   * deletion a crash loses leaves a segment whose records the checkpoint covers, which replay skips
   * (records below startSequence) and the next truncateBefore removes again; a sync would only add a
   * disk round trip.
   */
  async truncateBefore(sequence: number): Promise<void> {
    assert(Number.isSafeInteger(sequence) && sequence >= 0, `truncateBefore takes a sequence, got ${sequence}`);
    const removable: WritableSegment[] = [];
    for (const segment of this.segments) {
      const covered = segment.lastSequence < sequence && segment.lastSequence <= this.durable;
      if (!covered || segment === this.current || segment.fd !== null) break;
      removable.push(segment);
    }
    this.segments.splice(0, removable.length);
    for (const segment of removable) {
      await this.options.fileSystem.unlink(segment.path).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      });
    }
  }

  stats(): CommitLogStats {
    const written = this.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
    const spare = this.spares.reduce((sum, segment) => sum + segment.sizeBytes, 0);
    return { segments: this.segments.length + this.spares.length, spareSegments: this.spares.length, segmentBytes: written + spare, ...this.counters };
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  /** The records found at open at or above `fromSequence` and startSequence; before the first append only. */
  *replay(fromSequence: number): Generator<LogRecord> {
    assert(this.replaySegments !== null, "replay comes before the first append");
    yield* replayScanned(this.replaySegments, Math.max(fromSequence, this.options.startSequence));
  }

  /** Creates spare segments until LOG_SPARE_SEGMENTS are ready ahead; resolves when this round ends (used by open). */
  prepareSpares(): Promise<void> {
    if (this.closing !== null || this.fatal !== null || this.preparing !== null || this.retryTimer !== null) return this.preparing ?? Promise.resolve();
    // A log without a segment yet (a new one) needs one for its first record and LOG_SPARE_SEGMENTS ahead.
    if (this.spares.length >= LOG_SPARE_SEGMENTS + (this.current === null ? 1 : 0)) return Promise.resolve();
    this.highestIndex += 1;
    const { fileSystem, directory, segmentBytes } = this.options;
    this.preparing = preallocateSegment(fileSystem, directory, this.highestIndex, segmentBytes, () => this.closing !== null).then(
      (segment) => this.spareReady(segment),
      (error: unknown) => this.spareFailed(error),
    );
    return this.preparing;
  }

  private spareReady(segment: OpenSegment): Promise<void> {
    this.preparing = null;
    if (this.closing !== null) return this.options.fileSystem.close(segment.fd).catch(() => undefined);
    this.spares.push(segment);
    this.spareOutOfSpace = false;
    return this.prepareSpares();
  }

  private spareFailed(error: unknown): void {
    this.preparing = null;
    if (this.closing !== null) return;
    if (!isOutOfSpace(error, this.options.directory)) {
      this.fail(error);
      return;
    }
    this.spareOutOfSpace = true;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.prepareSpares();
    }, this.options.spareRetryMilliseconds);
    this.retryTimer.unref();
  }

  private refuse(code: "STORAGE_FULL" | "BUSY", message: string): AppendResult {
    if (code === "BUSY") this.counters.refusedBusy += 1;
    else this.counters.refusedStorageFull += 1;
    return failure(code, message);
  }

  /** The group a record of `size` bytes goes to: the open group, a new one, or one in a fresh segment. */
  private groupFor(sequence: number, size: number): LogGroup | "STORAGE_FULL" | "BUSY" {
    const segment = this.current;
    if (segment !== null && segment.lastSequence + 1 === sequence && segment.tail + size <= segment.sizeBytes) {
      const open = this.queue.at(-1);
      if (open !== undefined && open.segment === segment && open.bytes + size <= this.options.writeBytesMax) return open;
      return this.startGroup(new LogGroup(segment, null, sequence));
    }
    const spare = this.spares.shift();
    if (spare === undefined) return this.spareOutOfSpace ? "STORAGE_FULL" : "BUSY";
    const rolled: WritableSegment = { index: spare.index, path: spare.path, sizeBytes: spare.sizeBytes, fd: spare.fd, firstSequence: sequence, lastSequence: sequence - 1, tail: 0 };
    assert(SEGMENT_HEADER_BYTES + size <= rolled.sizeBytes, `a record of ${size} bytes fits an empty segment of ${rolled.sizeBytes}`);
    const previous = this.current;
    this.segments.push(rolled);
    this.current = rolled;
    if (previous !== null) this.retire(previous);
    void this.prepareSpares();
    return this.startGroup(new LogGroup(rolled, encodeSegmentHeader(sequence, this.options.writeBytesMax), sequence));
  }

  private startGroup(group: LogGroup): LogGroup {
    this.queue.push(group);
    return group;
  }

  /** An idle log writes at setImmediate, so that every append of this event-loop turn joins the group. */
  private scheduleWrite(): void {
    if (this.inFlight !== null || this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.writeNext();
    });
  }

  /** Starts the next group's write + sync, if none is in flight. */
  private writeNext(): void {
    if (this.inFlight !== null || this.fatal !== null) return;
    const group = this.queue.shift();
    if (group === undefined) return;
    this.inFlight = group;
    void this.commitGroup(group);
  }

  private async commitGroup(group: LogGroup): Promise<void> {
    const segment = group.segment;
    const buffers = group.seal();
    assert(segment.fd !== null, `segment ${segment.path} is open while groups go to it`);
    assert(group.lastSequence >= group.firstSequence, "a group holds at least one record");
    if (!(group.firstSequence === this.durable + 1 || (group.offset === 0 && group.firstSequence > this.durable))) assert(false, `group ${group.firstSequence} follows durable ${this.durable}`);
    if (!(group.offset >= 0 && group.offset + group.bytes <= segment.sizeBytes)) assert(false, `group [${group.offset}, +${group.bytes}) lies within ${segment.path}`);
    assert(group.bytes <= this.options.writeBytesMax, "a group stays within writeBytesMax");
    const { fileSystem, onCrashPoint } = this.options;
    try {
      onCrashPoint("before-write");
      this.counters.writes += 1;
      const written = await fileSystem.writev(segment.fd, buffers, group.offset);
      if (written !== group.bytes) throw new Error(`short write: ${written} of ${group.bytes} bytes at ${group.offset} of ${segment.path}`);
      onCrashPoint("after-write-before-sync");
      this.counters.syncs += 1;
      await fileSystem.fdatasync(segment.fd);
      onCrashPoint("after-sync");
    } catch (error) {
      this.fail(error);
      return;
    }
    // The log failed meanwhile (creating a spare hit an I/O error): its waiters were rejected already.
    if (this.fatal !== null) return;
    this.groupDurable(group);
  }

  private groupDurable(group: LogGroup): void {
    assert(this.inFlight === group, "the group in flight completes");
    if (!(group.lastSequence > this.durable)) assert(false, `durableSequence only grows: ${group.lastSequence} after ${this.durable}`);
    this.durable = group.lastSequence;
    this.pending -= group.recordBytes;
    assert(this.pending >= 0, "pendingBytes never goes below zero");
    this.inFlight = null;
    this.retire(group.segment);
    group.settle(null);
    this.writeNext();
  }

  /** Closes a segment appends have left once its last group is durable (at the roll, or when that group completes). */
  private retire(segment: WritableSegment): void {
    if (segment === this.current || segment.fd === null || this.inFlight?.segment === segment) return;
    if (this.queue.some((group) => group.segment === segment)) return;
    const fd = segment.fd;
    segment.fd = null;
    // Its data is synced: a failed close loses nothing.
    this.options.fileSystem.close(fd).catch(() => undefined);
  }

  /** A group write or sync failed: crash-only from here (see CommitLogFailedError). */
  private fail(cause: unknown): void {
    if (this.fatal !== null) return;
    this.fatal = new CommitLogFailedError(this.options.directory, cause);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const failed = [...(this.inFlight === null ? [] : [this.inFlight]), ...this.queue.splice(0)];
    this.inFlight = null;
    for (const group of failed) group.settle(this.fatal);
  }

  private async closeOnce(): Promise<void> {
    this.writeNext();
    let failure: unknown = null;
    if (this.next - 1 > this.durable) await this.whenDurable(this.next - 1).catch((error: unknown) => (failure = error));
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.preparing?.catch(() => undefined);
    const fds = [...this.segments, ...this.spares].map((segment) => segment.fd).filter((fd): fd is number => fd !== null);
    for (const segment of this.segments) segment.fd = null;
    await Promise.all(fds.map((fd) => this.options.fileSystem.close(fd).catch(() => undefined)));
    if (failure !== null || this.fatal !== null) throw this.fatal ?? failure;
  }
}

/** Opens the written segments (only the last for writing) and the spares; deletes spares of another size. */
async function openSegments(options: ResolvedFileOptions, scanned: ScannedLog): Promise<FileLogState> {
  const { fileSystem, startSequence, segmentBytes } = options;
  const last = scanned.written.at(-1);
  const segments = scanned.written.map((found): WritableSegment => ({
    index: found.index,
    path: found.path,
    sizeBytes: found.sizeBytes,
    fd: null,
    firstSequence: found.firstSequence,
    lastSequence: found.firstSequence + found.recordCount - 1,
    tail: found.endOffset,
  }));
  const spareFiles = [...scanned.spares];
  const torn = scanned.torn;
  // A torn write that took a segment's header leaves, once zeroed, a spare (the first: lowest index).
  if (torn !== null && torn.wholeSegment) spareFiles.unshift({ index: torn.index, path: torn.path, sizeBytes: torn.sizeBytes });
  const spares: OpenSegment[] = [];
  try {
    const current = segments.at(-1);
    if (current !== undefined) current.fd = await fileSystem.open(current.path, "r+");
    for (const spare of spareFiles) {
      // An unused spare of another size (the option changed) holds nothing: replaced by one of the new size.
      if (spare.sizeBytes !== segmentBytes) await fileSystem.unlink(spare.path);
      else spares.push({ ...spare, fd: await fileSystem.open(spare.path, "r+") });
    }
  } catch (error) {
    const fds = [segments.at(-1)?.fd ?? null, ...spares.map((spare) => spare.fd)];
    await Promise.all(fds.map((fd) => (fd === null ? undefined : fileSystem.close(fd).catch(() => undefined))));
    throw error;
  }
  const found = last === undefined ? 1 : last.firstSequence + last.recordCount;
  const replaySegments = scanned.written.filter((segment) => segment.bytes !== null);
  return { segments, spares, nextSequence: Math.max(startSequence, found), highestIndex: scanned.highestIndex, replaySegments };
}

function recoveryOf(scanned: ScannedLog): CommitLogRecovery {
  const withRecords = scanned.written.filter((segment) => segment.recordCount > 0);
  const first = withRecords[0];
  const last = withRecords.at(-1);
  const torn = scanned.torn;
  return {
    recordsFound: withRecords.reduce((sum, segment) => sum + segment.recordCount, 0),
    firstSequenceFound: first?.firstSequence ?? 0,
    lastSequenceFound: last === undefined ? 0 : last.firstSequence + last.recordCount - 1,
    tornTail: torn === null ? null : { segmentPath: torn.path, offset: torn.offset, bytesZeroed: torn.end - torn.offset },
  };
}

/**
 * Opens (or creates) the commit log in `options.directory` and recovers it: reads every segment in
 * order, checks headers, sequence continuity and every record's checksum, cuts a torn tail (zero-filled
 * and synced, see log-recovery.ts), and makes sure a spare segment is preallocated (the first attempt is
 * awaited; one failing for lack of space is retried in the background while appends that need a new
 * segment get STORAGE_FULL). Rejects with CommitLogCorruptError, having modified nothing, when the log
 * holds anything but records and a torn tail, or lacks records from startSequence on.
 *
 * Replay holds the bytes of the segments with records at or above startSequence until the first append.
 */
export async function openFileCommitLog(options: FileCommitLogOptions): Promise<OpenedCommitLog> {
  const resolved = resolveFileOptions(options);
  const { fileSystem, directory, startSequence } = resolved;
  await fileSystem.mkdir(directory);
  const scanned = await scanLog(fileSystem, directory, startSequence, resolved.writeBytesMax);
  await repairLog(fileSystem, scanned);
  const log = new FileCommitLog(resolved, await openSegments(resolved, scanned));
  await log.prepareSpares();
  const failed = log.failed;
  if (failed !== null) {
    await log.close().catch(() => undefined);
    throw failed;
  }
  return { log, startSequence, recovery: recoveryOf(scanned), replay: (fromSequence = startSequence) => log.replay(fromSequence) };
}
