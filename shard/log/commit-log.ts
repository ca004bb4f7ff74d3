import type { Outcome } from "../../protocol/errors/loycore-error.js";

/**
 * The commit log of a shard thread: an append-only sequence of records, each acknowledged once durable.
 * One thread owns one log and is its only writer. Implementations: FileCommitLog (segment files, group
 * commit with writev + fdatasync) and MemoryCommitLog (its in-memory twin for tests); both keep the
 * contract in commit-log.contract.ts.
 */

/** One record as replay yields it. */
export interface LogRecord {
  /** Its position in the log: 1 for the first record ever, then one more per record, no gaps. */
  readonly sequence: number;
  /** The bytes appended, identical. */
  readonly payload: Uint8Array;
}

/** What append answers: the record's sequence, or a refusal after which nothing was staged. */
export type AppendResult = Outcome<{ readonly sequence: number }, "STORAGE_FULL" | "BUSY">;

/** Figures for metrics. Counters run from when the log was opened. */
export interface CommitLogStats {
  /** Segment files on disk (for the memory twin: segments it holds), spares included. */
  readonly segments: number;
  /** Of those, preallocated spares no record went into yet. */
  readonly spareSegments: number;
  /** Bytes the segments take on disk: their preallocated sizes, spares included. */
  readonly segmentBytes: number;
  /** Records appended since open. */
  readonly recordsAppended: number;
  /** Bytes of those records as written: payloads plus record headers. */
  readonly bytesAppended: number;
  /** Group writes (one writev each) since open; preallocation is not counted. */
  readonly writes: number;
  /** Group syncs (one fdatasync each) since open; preallocation is not counted. */
  readonly syncs: number;
  /** Appends refused with STORAGE_FULL since open. */
  readonly refusedStorageFull: number;
  /** Appends refused with BUSY since open. */
  readonly refusedBusy: number;
}

/** The commit log as its owner uses it. */
export interface CommitLog {
  /** The sequence the next appended record gets. Sequences start at 1 and have no gaps. */
  readonly nextSequence: number;
  /** Every record with a sequence up to this one is durable (0: none yet). */
  readonly durableSequence: number;
  /** Bytes appended and not yet durable (for the caller's back-pressure): payloads plus record headers. */
  readonly pendingBytes: number;
  /**
   * Stages one record and returns its sequence at once, synchronously. Records appended in one
   * event-loop turn, and records appended while a write+sync is in flight, are written together:
   * one write (writev) and one fdatasync per group (group commit); the next group fills while one
   * syncs; at most one write+sync in flight. Refuses (nothing staged) with STORAGE_FULL when no
   * preallocated space is available for the record, with BUSY when pendingBytes would pass its limit
   * (and while the next segment is still being preallocated). The payload is copied: the caller may
   * reuse it at once. A payload over the log's recordPayloadBytesMax (LOG_RECORD_PAYLOAD_BYTES_MAX by
   * default) is an assertion failure (callers bound it); so is an append after close or after the log
   * failed (then the CommitLogFailedError is thrown).
   */
  append(payload: Uint8Array): AppendResult;
  /**
   * Resolves once every record up to `sequence` is durable (at once if already). Rejects only on a
   * fatal I/O error (CommitLogFailedError). `sequence` must be below nextSequence.
   */
  whenDurable(sequence: number): Promise<void>;
  /**
   * Removes whole segments all of whose records have a sequence below `sequence` (a checkpoint covers
   * them). Never the segment appends go to, nor one with records not yet durable.
   */
  truncateBefore(sequence: number): Promise<void>;
  /** Segments and bytes on disk, records and bytes appended since open: for metrics. */
  stats(): CommitLogStats;
  /** Waits for pending records to become durable, then closes. Rejects if the log failed. */
  close(): Promise<void>;
}

/** What opening found and did, for the owner's start-up line. */
export interface CommitLogRecovery {
  /** Records found in the log (all of them, also those below startSequence). */
  readonly recordsFound: number;
  /** Sequence of the first and last record found; 0 when none. */
  readonly firstSequenceFound: number;
  readonly lastSequenceFound: number;
  /** Where a torn tail (a group a crash left half-written, never acknowledged) was cut; null when none. */
  readonly tornTail: { readonly segmentPath: string; readonly offset: number; readonly bytesZeroed: number } | null;
}

/** An opened log and what it holds, to replay before the first append. */
export interface OpenedCommitLog {
  readonly log: CommitLog;
  /** The position the owner's checkpoint covers, as given: records below it are never replayed. */
  readonly startSequence: number;
  readonly recovery: CommitLogRecovery;
  /**
   * The records found with a sequence at or above both `fromSequence` (default: startSequence) and
   * startSequence, in order, with their payloads as appended. Only before the first append (an
   * assertion otherwise): recovery replays them, then the owner appends. May be iterated more than once.
   */
  replay(fromSequence?: number): Iterable<LogRecord>;
}
