// Thread: a shard worker thread, at its start (LMDB checkpoint, then the log replayed).
import { join } from "node:path";
import { assert } from "../domain/assert/assert.js";
import { decodeMutations } from "./storage/mutation-payload.js";
import type { Mutation } from "./storage/mutation.js";
import { LmdbShardStore } from "./storage/lmdb-shard-store.js";
import { decodeKey, RECORD_KIND } from "./storage/record-keys.js";
import type { ShardStore } from "./storage/shard-store.js";
import type { UnindexedReceipt } from "./shard-messages.js";
import type { CommitLog, CommitLogRecovery, LogRecord } from "./log/commit-log.js";
import { openFileCommitLog, type FileCommitLogOptions } from "./log/file-commit-log.js";

/**
 * Log records replayed per LMDB transaction at start-up. Each transaction
 * also records the position it covers, so an interrupted recovery resumes
 * after the last one; 20,000 records (about 20-40 MB of mutations) keep one
 * transaction's dirty pages well within memory.
 */
export const RECOVERY_RECORDS_PER_TRANSACTION_MAX = 20_000;

/** The commit log's directory inside a shard's directory. */
export function shardLogDirectory(storePath: string): string {
  return join(storePath, "log");
}

/** What a shard found and did when it opened its storage: for its start-up line and the docs' recovery figures. */
export interface ShardRecoveryReport {
  readonly checkpointSequenceAtOpen: number;
  readonly recordsReplayed: number;
  readonly bytesReplayed: number;
  readonly seconds: number;
  readonly log: CommitLogRecovery;
}

export interface RecoveredShardStorage {
  readonly store: LmdbShardStore;
  readonly log: CommitLog;
  readonly report: ShardRecoveryReport;
  /** Receipts committed after `receiptIndexThrough`, for the gateway's receipt index. */
  readonly unindexedReceipts: UnindexedReceipt[];
  /** The last log sequence found (0: none). */
  readonly lastSequence: number;
}

/**
 * Unindexed receipts reported at start, at most: the receipt index lags the
 * log by a turn or two in normal operation, so a restart finds a few seconds
 * of commits; a million bounds the start-up message. Beyond it, the rest is
 * found by the next start (the log is kept back to the last one reported).
 */
export const UNINDEXED_RECEIPTS_REPORTED_MAX = 1_000_000;

/**
 * Opens a shard's storage the way every start does: the LMDB state (its last
 * checkpoint), then the log, whose torn tail (a group a crash left
 * half-written, never acknowledged) is cut, then every record after the
 * checkpoint's position applied to LMDB, so the state is exactly what was
 * acknowledged. The records hold the mutations themselves: replay never
 * re-runs the rules, so a newer build reproduces the same balances and the
 * same stored answers. A corrupt record before the tail stops here with
 * CommitLogCorruptError, naming the segment and offset.
 */
export async function openShardStorage(options: {
  readonly storePath: string;
  readonly monotonicSeconds: () => number;
  readonly log?: (line: string) => void;
  /** Crash tests: called at the log's crash points (crash-points.ts). */
  readonly onLogCrashPoint?: (point: "before-write" | "after-write-before-sync" | "after-sync") => void;
  /** Log options other than its directory and start (tests use small segments); the defaults otherwise. */
  readonly logOptions?: Omit<FileCommitLogOptions, "directory" | "startSequence" | "onCrashPoint">;
  /** LMDB's first map reservation (tests); LMDB_INITIAL_MAP_SIZE_BYTES otherwise. */
  readonly initialMapSizeBytes?: number;
  /** The gateway's receipt index is durable through this sequence; receipts after it are reported. Default: none reported. */
  readonly receiptIndexThrough?: number;
}): Promise<RecoveredShardStorage> {
  const started = options.monotonicSeconds();
  const store = new LmdbShardStore({
    path: options.storePath,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.initialMapSizeBytes === undefined ? {} : { initialMapSizeBytes: options.initialMapSizeBytes }),
  });
  try {
    const checkpointSequenceAtOpen = store.checkpointSequence;
    const indexedThrough = options.receiptIndexThrough ?? Number.MAX_SAFE_INTEGER - 1;
    const opened = await openFileCommitLog({
      ...options.logOptions,
      directory: shardLogDirectory(options.storePath),
      startSequence: checkpointSequenceAtOpen,
      ...(options.onLogCrashPoint === undefined ? {} : { onCrashPoint: options.onLogCrashPoint }),
    });
    const replayed = replayInto(store, opened.replay(checkpointSequenceAtOpen));
    const report: ShardRecoveryReport = {
      checkpointSequenceAtOpen,
      recordsReplayed: replayed.records,
      bytesReplayed: replayed.bytes,
      seconds: options.monotonicSeconds() - started,
      log: opened.recovery,
    };
    // A checkpoint never covers a receipt the index lacks (Checkpointer), so these are all in the replayed records.
    const unindexedReceipts = findReceipts(opened.replay(Math.max(checkpointSequenceAtOpen, indexedThrough + 1)));
    // The replayed records are in LMDB now: their segments can go.
    await opened.log.truncateBefore(store.checkpointSequence);
    return { store, log: opened.log, report, unindexedReceipts, lastSequence: opened.log.nextSequence - 1 };
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** The receipts (not refunds, cancels, visits or adjustments: their ids have a space) the records commit. */
export function findReceipts(records: Iterable<LogRecord>): UnindexedReceipt[] {
  const found: UnindexedReceipt[] = [];
  for (const record of records) {
    for (const { key } of decodeMutations(record.payload)) {
      if (key[3 + (key[2] as number)] !== RECORD_KIND) continue;
      const decoded = decodeKey(key);
      if (decoded.store === undefined || decoded.recordId === undefined || decoded.recordId.includes(" ")) continue;
      if (found.length >= UNINDEXED_RECEIPTS_REPORTED_MAX) return found;
      found.push({ store: decoded.store, receiptId: decoded.recordId, memberId: decoded.memberId, sequence: record.sequence });
    }
  }
  return found;
}

/** Applies replayed records to the store in bounded transactions, each with the position it covers. */
export function replayInto(store: ShardStore, records: Iterable<LogRecord>): { records: number; bytes: number } {
  let pending: Mutation[] = [];
  let pendingRecords = 0;
  let lastSequence = 0;
  let total = 0;
  let bytes = 0;
  const flush = (): void => {
    if (pendingRecords === 0) return;
    store.writeCheckpointSync(pending, lastSequence + 1);
    pending = [];
    pendingRecords = 0;
  };
  for (const record of records) {
    assert(record.sequence >= store.checkpointSequence && (lastSequence === 0 || record.sequence === lastSequence + 1), "replay is in sequence order, after the checkpoint");
    pending.push(...decodeMutations(record.payload));
    pendingRecords += 1;
    lastSequence = record.sequence;
    total += 1;
    bytes += record.payload.length;
    if (pendingRecords >= RECOVERY_RECORDS_PER_TRANSACTION_MAX) flush();
  }
  flush();
  return { records: total, bytes };
}
