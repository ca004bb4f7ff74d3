// Thread: a shard worker thread (the sole writer of its environment), or an import thread while the server is stopped.
import { open, type Database, type RootDatabase } from "lmdb";
import { assert } from "../../domain/assert/assert.js";
import {
  LAYOUT_MIGRATION_RECORDS_PER_TRANSACTION_MAX,
  migrateLegacyShardRecords,
  migrateToStateLayout,
  type RecordsDatabase,
} from "./lmdb-shard-migration.js";
import type { Mutation } from "./mutation.js";
import { accountKey, type RecordKey } from "./record-keys.js";
import type { ShardStore } from "./shard-store.js";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "./storage-failure.js";
import { RecordReadingStore } from "./stored-records.js";

/**
 * The layout of a shard environment this build writes: the "state" database
 * of binary keys (record-keys.ts) and positional records (records/), and in
 * "meta" the layout version and the log position the state covers. Versions 1
 * and 2 are migrated when opened (lmdb-shard-migration.ts).
 */
export const SHARD_LAYOUT_VERSION = 3;
const LAYOUT_VERSION_KEY = "layout";
/** The log sequence a restart replays from: every record below it is in the state. */
const CHECKPOINT_SEQUENCE_KEY = "checkpointSequence";
/**
 * Mutations per checkpoint transaction: queueing a put costs the shard thread
 * about 2 us, so 1,000 hold it for about 2 ms between two turns of serving.
 */
export const CHECKPOINT_MUTATIONS_PER_TRANSACTION_MAX = 1_000;
/** A new shard's log starts at sequence 1. */
const FIRST_LOG_SEQUENCE = 1;

/**
 * LMDB's map grows on demand (lmdb-js doubles it when a transaction needs
 * more pages; see storage-failure.ts); this is only the first reservation of
 * address space, not memory. 1 GiB keeps the first start cheap on small disks.
 */
export const LMDB_INITIAL_MAP_SIZE_BYTES = 1024 * 1024 * 1024;

/** Below one LMDB page plus meta pages an environment cannot even be created. */
const LMDB_INITIAL_MAP_SIZE_MIN_BYTES = 64 * 1024;

export interface LmdbShardStoreOptions {
  /** Directory of this shard's own LMDB environment. */
  readonly path: string;
  /** First map reservation; tests pass a small one to show the map grows. */
  readonly initialMapSizeBytes?: number;
  /** Where the one line about a layout migration goes; standard error unless given. */
  readonly log?: (line: string) => void;
}

/**
 * A shard's LMDB environment: the state as of the last checkpoint. Only the
 * owning shard thread (or, with no server running, the bulk importer) opens
 * it, so there is one writer and writers never contend.
 *
 * A checkpoint is one lmdb-js batch: the keys and the already-encoded values
 * are queued from the calling thread, and lmdb-js's write thread applies them
 * to the B-tree and commits, so the shard thread does not wait on pages. It
 * resolves after `flushed` (on disk). A checkpoint that fails for lack of
 * space rejects with a StorageFullError and nothing of it is applied.
 */
export class LmdbShardStore extends RecordReadingStore implements ShardStore {
  private readonly root: RootDatabase;
  private readonly state: Database<Buffer, Buffer>;
  private readonly meta: Database<number, string>;
  private readonly path: string;
  private coveredSequence: number;

  constructor(options: LmdbShardStoreOptions) {
    super();
    const initialMapSizeBytes = options.initialMapSizeBytes ?? LMDB_INITIAL_MAP_SIZE_BYTES;
    if (!Number.isSafeInteger(initialMapSizeBytes) || initialMapSizeBytes < LMDB_INITIAL_MAP_SIZE_MIN_BYTES) {
      throw new RangeError(`initialMapSizeBytes must be an integer of at least ${LMDB_INITIAL_MAP_SIZE_MIN_BYTES}`);
    }
    if (options.log !== undefined && typeof options.log !== "function") throw new TypeError("log must be a function");
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, initialMapSizeBytes));
    this.state = this.root.openDB<Buffer, Buffer>({ name: "state", keyEncoding: "binary", encoding: "binary" });
    this.meta = this.root.openDB<number, string>({ name: "meta" });
    try {
      this.upgradeLayout(options.log ?? ((line: string) => void process.stderr.write(`${line}\n`)));
      this.coveredSequence = this.meta.get(CHECKPOINT_SEQUENCE_KEY) ?? FIRST_LOG_SEQUENCE;
    } catch (error) {
      this.root.close().catch(() => undefined);
      throw error;
    }
  }

  get checkpointSequence(): number {
    return this.coveredSequence;
  }

  /**
   * Writes a checkpoint in transactions of at most CHECKPOINT_MUTATIONS_PER_TRANSACTION_MAX
   * mutations, one event-loop turn apart, the covered position with the
   * last: queueing a whole checkpoint's puts in one go held the shard thread
   * for tens of milliseconds. Safe because the log's records are a physical
   * redo: if a crash (or a full disk) stops the checkpoint part-way, LMDB
   * holds some keys at newer values than its recorded position says, and the
   * next start replays every record from that position, which puts and
   * deletes the same keys again in order and ends at the same values.
   */
  async writeCheckpoint(mutations: Iterable<Mutation>, coveredSequence: number): Promise<void> {
    assert(Number.isSafeInteger(coveredSequence) && coveredSequence > this.coveredSequence, "a checkpoint covers more of the log than the last one");
    // lmdb-js keeps pointers to the value buffers until the batch is written:
    // the caller holds `mutations` (the overlay) until this resolves.
    const all = [...mutations];
    const committed: Promise<unknown>[] = [];
    for (let start = 0; start < all.length || start === 0; start += CHECKPOINT_MUTATIONS_PER_TRANSACTION_MAX) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      const slice = all.slice(start, start + CHECKPOINT_MUTATIONS_PER_TRANSACTION_MAX);
      const last = start + CHECKPOINT_MUTATIONS_PER_TRANSACTION_MAX >= all.length;
      committed.push(
        this.state.batch(() => {
          for (const { key, value } of slice) {
            if (value === null) void this.state.remove(key);
            else void this.state.put(key, value as Buffer);
          }
          if (last) void this.meta.put(CHECKPOINT_SEQUENCE_KEY, coveredSequence);
        }),
      );
      if (last) break;
    }
    for (const transaction of committed) await awaitLmdbWrite(this.path, transaction);
    await this.root.flushed;
    this.coveredSequence = coveredSequence;
  }

  /**
   * Writes mutations at once, blocking the calling thread: recovery's replay
   * of the log, before the shard serves. One transaction per call, with the
   * covered sequence, so an interrupted replay resumes after the last call.
   */
  writeCheckpointSync(mutations: Iterable<Mutation>, coveredSequence: number): void {
    assert(Number.isSafeInteger(coveredSequence) && coveredSequence > this.coveredSequence, "a checkpoint covers more of the log than the last one");
    this.root.transactionSync(() => {
      for (const { key, value } of mutations) {
        if (value === null) void this.state.remove(key);
        else void this.state.put(key, value as Buffer);
      }
      void this.meta.put(CHECKPOINT_SEQUENCE_KEY, coveredSequence);
    });
    this.coveredSequence = coveredSequence;
  }

  /**
   * Writes records that are not in the log (the offline bulk importer, with
   * no server running and the log already replayed), in one transaction,
   * without moving the checkpoint position; resolves once durable.
   */
  async importRecords(mutations: readonly Mutation[]): Promise<void> {
    const committed = this.state.batch(() => {
      for (const { key, value } of mutations) {
        if (value === null) void this.state.remove(key);
        else void this.state.put(key, value as Buffer);
      }
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  prefetchAccounts(members: readonly { readonly logicalShard: number; readonly memberId: string }[]): Promise<void> {
    return this.state.prefetch(members.map(({ logicalShard, memberId }) => accountKey(logicalShard, memberId))).then(() => undefined);
  }

  /** The map's current size: it grows past the first reservation as data grows. */
  mapSizeBytes(): number {
    return (this.root.getStats() as { mapSize: number }).mapSize;
  }

  get(key: RecordKey): Uint8Array | undefined {
    return this.state.get(key);
  }

  *range(start: RecordKey, end: RecordKey, limit: number): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    for (const { key, value } of this.state.getRange({ start, end, limit })) yield { key, value };
  }

  *keys(start: RecordKey, end: RecordKey, limit: number): Iterable<Uint8Array> {
    for (const key of this.state.getKeys({ start, end, limit })) yield key;
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  /** Moves version-1 and version-2 records to the current layout (lmdb-shard-migration.ts). */
  private upgradeLayout(log: (line: string) => void): void {
    const version = this.meta.get(LAYOUT_VERSION_KEY);
    if (version === SHARD_LAYOUT_VERSION) return;
    if (version !== undefined && version !== 2) {
      throw new Error(`shard environment ${this.path} has key layout version ${String(version)}; this build reads versions 1 to ${SHARD_LAYOUT_VERSION}`);
    }
    const records = this.root.openDB({ name: "records" }) as unknown as RecordsDatabase;
    const unlimited = Number.POSITIVE_INFINITY;
    const first = version === undefined ? migrateLegacyShardRecords(records, LAYOUT_MIGRATION_RECORDS_PER_TRANSACTION_MAX, unlimited) : { migrated: 0 };
    const second = migrateToStateLayout(records, this.state, LAYOUT_MIGRATION_RECORDS_PER_TRANSACTION_MAX, unlimited);
    this.meta.putSync(LAYOUT_VERSION_KEY, SHARD_LAYOUT_VERSION);
    if (first.migrated + second.migrated > 0) {
      log(`shard environment ${this.path}: moved ${second.migrated} records to key layout version ${SHARD_LAYOUT_VERSION}`);
    }
  }
}
