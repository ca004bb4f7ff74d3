import { asBinary, open, type Database, type RootDatabase } from "lmdb";
import type { Account } from "../account/account.js";
import { assert } from "../assert/assert.js";
import { ACTIVITY_PAGE_SIZE_MAX, type ActivityRecord, type ReceiptRecord, type ShardStore, type ShardWrite } from "./shard-store.js";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "./storage-failure.js";

/**
 * Keys: [logicalShard, kind, ...]. Putting the logical shard first makes every
 * logical shard one contiguous key range, which is what moving it to another
 * thread or node will copy.
 */
const ACCOUNT_KEY_KIND = "a";
const RECEIPT_KEY_KIND = "r";
const ACTIVITY_KEY_KIND = "h";

/**
 * LMDB's map grows on demand (lmdb-js doubles it when a transaction needs
 * more pages; see storage-failure.ts); this is only the first reservation of
 * address space, not memory. 1 GiB keeps the first start cheap on small disks.
 */
export const LMDB_INITIAL_MAP_SIZE_BYTES = 1024 * 1024 * 1024;

/** Below one LMDB page plus meta pages an environment cannot even be created. */
const LMDB_INITIAL_MAP_SIZE_MIN_BYTES = 64 * 1024;

/** A record's key in a shard environment; its first element is always the logical shard. */
export type ShardRecordKey = [number, ...(string | number)[]];

/** The key a write is stored under. */
export function shardRecordKey(write: ShardWrite): ShardRecordKey {
  if (write.kind === "account") return [write.account.logicalShard, ACCOUNT_KEY_KIND, write.account.memberId];
  if (write.kind === "activity") {
    const activity = write.activity;
    return [activity.logicalShard, ACTIVITY_KEY_KIND, activity.memberId, activity.sequence];
  }
  return [write.receipt.logicalShard, RECEIPT_KEY_KIND, write.receipt.store, write.receipt.receiptId];
}

export interface LmdbShardStoreOptions {
  /** Directory of this shard's own LMDB environment. */
  readonly path: string;
  /** First map reservation; tests pass a small one to show the map grows. */
  readonly initialMapSizeBytes?: number;
}

/**
 * A shard's LMDB environment. Only the owning shard thread opens it, so there
 * is one writer per environment and writers never contend.
 *
 * Durability: lmdb-js resolves a write when the transaction is committed
 * (visible), and, with overlappingSync, syncs it to disk afterwards. A batch is
 * reported written only after `flushed`, which means it is on disk.
 *
 * Failure: a batch that cannot be written for lack of space rejects with a
 * StorageFullError and nothing of it is on disk (the transaction is aborted);
 * the next batch is tried normally. Any other failure rejects with its cause.
 */
export class LmdbShardStore implements ShardStore {
  private readonly root: RootDatabase;
  private readonly records: Database<Account | ReceiptRecord | ActivityRecord, (string | number)[]>;
  private readonly path: string;

  constructor(options: LmdbShardStoreOptions) {
    const initialMapSizeBytes = options.initialMapSizeBytes ?? LMDB_INITIAL_MAP_SIZE_BYTES;
    if (!Number.isSafeInteger(initialMapSizeBytes) || initialMapSizeBytes < LMDB_INITIAL_MAP_SIZE_MIN_BYTES) {
      throw new RangeError(`initialMapSizeBytes must be an integer of at least ${LMDB_INITIAL_MAP_SIZE_MIN_BYTES}`);
    }
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, initialMapSizeBytes));
    this.records = this.root.openDB<Account | ReceiptRecord | ActivityRecord, (string | number)[]>({ name: "records" });
  }

  readAccount(logicalShard: number, memberId: string): Account | undefined {
    return this.records.get([logicalShard, ACCOUNT_KEY_KIND, memberId]) as Account | undefined;
  }

  readReceipt(logicalShard: number, store: string, receiptId: string): ReceiptRecord | undefined {
    return this.records.get([logicalShard, RECEIPT_KEY_KIND, store, receiptId]) as ReceiptRecord | undefined;
  }

  async writeBatch(writes: readonly ShardWrite[]): Promise<void> {
    const committed = this.records.transaction(() => {
      for (const write of writes) {
        const value = write.kind === "account" ? write.account : write.kind === "activity" ? write.activity : write.receipt;
        void this.records.put(shardRecordKey(write), value);
      }
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  /**
   * Records already encoded as MessagePack elsewhere (the bulk importer's
   * worker threads encode them with msgpackr's defaults, as this store does),
   * in one transaction; resolves once durable. values[i] is stored under keys[i].
   */
  async writeEncodedBatch(keys: readonly ShardRecordKey[], values: readonly Uint8Array[]): Promise<void> {
    assert(keys.length === values.length, "one value per key");
    const committed = this.records.transaction(() => {
      for (let index = 0; index < keys.length; index += 1) {
        const key = keys[index];
        const value = values[index];
        assert(key !== undefined && value !== undefined, "keys and values are dense");
        // lmdb-js stores a Binary's bytes as they are: the record is decoded on read like any other.
        void this.records.put(key, asBinary(value) as unknown as Account);
      }
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  /** The map's current size: it grows past the first reservation as data grows. */
  mapSizeBytes(): number {
    return (this.root.getStats() as { mapSize: number }).mapSize;
  }

  readActivity(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[] {
    assert(Number.isInteger(limit) && limit >= 1 && limit <= ACTIVITY_PAGE_SIZE_MAX, "a page is bounded");
    const page: ActivityRecord[] = [];
    const range = this.records.getRange({
      start: [logicalShard, ACTIVITY_KEY_KIND, memberId, before ?? Number.MAX_SAFE_INTEGER],
      end: [logicalShard, ACTIVITY_KEY_KIND, memberId, -1],
      reverse: true,
      limit: limit + 1,
    });
    for (const { key, value } of range) {
      // `start` is inclusive in a reverse range: skip the entry at `before` itself.
      if (before !== null && key[3] === before) continue;
      if (page.length >= limit) break;
      page.push(value as ActivityRecord);
    }
    return page;
  }

  scanAccounts(logicalShard: number, afterMemberId: string | null, limit: number): Account[] {
    const accounts: Account[] = [];
    const range = this.records.getRange({
      start: [logicalShard, ACCOUNT_KEY_KIND, afterMemberId ?? ""],
      end: [logicalShard, ACCOUNT_KEY_KIND, "\uffff"],
      limit: limit + 1,
    });
    for (const { key, value } of range) {
      if (afterMemberId !== null && key[2] === afterMemberId) continue;
      if (accounts.length >= limit) break;
      accounts.push(value as Account);
    }
    return accounts;
  }

  countAccounts(logicalShard: number): number {
    return this.records.getKeysCount({
      start: [logicalShard, ACCOUNT_KEY_KIND],
      end: [logicalShard, ACCOUNT_KEY_KIND, "\uffff"],
    });
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
