import { asBinary, open, type Database, type RootDatabase } from "lmdb";
import type { Account } from "../account/account.js";
import { assert } from "../assert/assert.js";
import { ACTIVITY_PAGE_SIZE_MAX, type ActivityRecord, type ReceiptRecord, type ShardStore, type ShardWrite } from "./shard-store.js";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "./storage-failure.js";

/**
 * Keys: [logicalShard, "m", memberId, kind, ...]. The logical shard first
 * makes every logical shard one contiguous key range, which is what moving it
 * to another thread or node will copy. The member next keeps all of one
 * member's records (account, receipt records, history) adjacent: a commit
 * writes all three, and adjacent keys share a leaf page, so a group commit
 * dirties (and syncs) about one leaf per member instead of three leaves in
 * three unrelated parts of the B-tree (measured on 20,000 members: 633 -> 419
 * pages written per durable 150-receipt batch; see docs/ARCHITECTURE.md,
 * "Storage").
 *
 * Within a member, kinds sort "a" < "h" < "r": the account is the member's
 * first key, which is what scanAccounts relies on. History is keyed newest
 * first (ACTIVITY_KEY_ORDER_BASE - sequence), so a new entry lands right after
 * the account, on the account's page, however long the history is; without
 * that, a member with pages of history would again dirty three leaves per
 * commit (account, end of history, receipt).
 */
const MEMBER_KEY_FAMILY = "m";
const ACCOUNT_KEY_KIND = "a";
const RECEIPT_KEY_KIND = "r";
const ACTIVITY_KEY_KIND = "h";

/**
 * Sorts after every member id and every kind: ids are client-visible ASCII
 * identifiers and kinds are single letters. Used as "the end of" a range.
 */
const KEY_RANGE_END = "\uffff";

/** An activity key holds this minus the sequence: sequences are safe integers, so the key is too, and newer sorts first. */
const ACTIVITY_KEY_ORDER_BASE = Number.MAX_SAFE_INTEGER;

/**
 * The layout of the keys in "records". Version 1 (never written: an
 * environment without a version that holds records) was [logicalShard, kind,
 * ...] with receipts keyed by store and receipt id alone; version 2 is the
 * member-first layout above.
 */
export const SHARD_LAYOUT_VERSION = 2;
const LAYOUT_VERSION_KEY = "layout";

/** Version-1 key kinds: [logicalShard, "a", memberId], [logicalShard, "r", store, receiptId], [logicalShard, "h", memberId, sequence]. */
const LEGACY_ACCOUNT_KEY_KIND = "a";
const LEGACY_RECEIPT_KEY_KIND = "r";
const LEGACY_ACTIVITY_KEY_KIND = "h";

/**
 * Records moved per migration transaction. Each transaction moves its records
 * and deletes their old keys atomically, so a crash mid-migration resumes
 * where the last committed transaction stopped; 10,000 records (about 10-30
 * MB of dirty pages) keep one transaction's memory and its write lock short
 * while the per-transaction commit cost stays negligible.
 */
export const LAYOUT_MIGRATION_RECORDS_PER_TRANSACTION_MAX = 10_000;

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

function accountKey(logicalShard: number, memberId: string): ShardRecordKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, ACCOUNT_KEY_KIND];
}

function receiptKey(logicalShard: number, memberId: string, store: string, receiptId: string): ShardRecordKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, RECEIPT_KEY_KIND, store, receiptId];
}

function activityKey(logicalShard: number, memberId: string, sequence: number): ShardRecordKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, ACTIVITY_KEY_KIND, ACTIVITY_KEY_ORDER_BASE - sequence];
}

/** The first key after every record of `memberId`: where the next member's records start. */
function afterMemberKey(logicalShard: number, memberId: string): ShardRecordKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, KEY_RANGE_END];
}

/** The key a write is stored under. */
export function shardRecordKey(write: ShardWrite): ShardRecordKey {
  if (write.kind === "account") return accountKey(write.account.logicalShard, write.account.memberId);
  if (write.kind === "activity") {
    const activity = write.activity;
    return activityKey(activity.logicalShard, activity.memberId, activity.sequence);
  }
  const receipt = write.receipt;
  return receiptKey(receipt.logicalShard, receipt.memberId, receipt.store, receipt.receiptId);
}

type ShardRecord = Account | ReceiptRecord | ActivityRecord;
type RecordsDatabase = Database<ShardRecord, (string | number)[]>;

export interface LmdbShardStoreOptions {
  /** Directory of this shard's own LMDB environment. */
  readonly path: string;
  /** First map reservation; tests pass a small one to show the map grows. */
  readonly initialMapSizeBytes?: number;
  /** Where the one line about a layout migration goes; standard error unless given. */
  readonly log?: (line: string) => void;
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
 *
 * Opening an environment written with the version-1 key layout moves its
 * records to the current layout first (see migrateLegacyShardRecords).
 */
export class LmdbShardStore implements ShardStore {
  private readonly root: RootDatabase;
  private readonly records: RecordsDatabase;
  private readonly path: string;

  constructor(options: LmdbShardStoreOptions) {
    const initialMapSizeBytes = options.initialMapSizeBytes ?? LMDB_INITIAL_MAP_SIZE_BYTES;
    if (!Number.isSafeInteger(initialMapSizeBytes) || initialMapSizeBytes < LMDB_INITIAL_MAP_SIZE_MIN_BYTES) {
      throw new RangeError(`initialMapSizeBytes must be an integer of at least ${LMDB_INITIAL_MAP_SIZE_MIN_BYTES}`);
    }
    if (options.log !== undefined && typeof options.log !== "function") throw new TypeError("log must be a function");
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, initialMapSizeBytes));
    this.records = this.root.openDB<ShardRecord, (string | number)[]>({ name: "records" });
    const meta = this.root.openDB<number, string>({ name: "meta" });
    try {
      const version = meta.get(LAYOUT_VERSION_KEY);
      if (version !== SHARD_LAYOUT_VERSION) {
        if (version !== undefined) {
          throw new Error(`shard environment ${options.path} has key layout version ${String(version)}; this build reads version ${SHARD_LAYOUT_VERSION}`);
        }
        const { migrated } = migrateLegacyShardRecords(this.records, LAYOUT_MIGRATION_RECORDS_PER_TRANSACTION_MAX, Number.POSITIVE_INFINITY);
        meta.putSync(LAYOUT_VERSION_KEY, SHARD_LAYOUT_VERSION);
        if (migrated > 0) {
          const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
          log(`shard environment ${options.path}: moved ${migrated} records to key layout version ${SHARD_LAYOUT_VERSION}`);
        }
      }
    } catch (error) {
      this.root.close().catch(() => undefined);
      throw error;
    }
  }

  readAccount(logicalShard: number, memberId: string): Account | undefined {
    return this.records.get(accountKey(logicalShard, memberId)) as Account | undefined;
  }

  readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined {
    return this.records.get(receiptKey(logicalShard, memberId, store, receiptId)) as ReceiptRecord | undefined;
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

  /**
   * Brings the accounts' pages into memory on lmdb-js's own threads, so that
   * reading them afterwards does not fault on the disk while the shard thread
   * waits. Resolves when they are resident (or could not be read: a read
   * then simply faults as it would have).
   */
  prefetchAccounts(members: readonly { readonly logicalShard: number; readonly memberId: string }[]): Promise<void> {
    return this.records.prefetch(members.map(({ logicalShard, memberId }) => accountKey(logicalShard, memberId))).then(() => undefined);
  }

  /** The map's current size: it grows past the first reservation as data grows. */
  mapSizeBytes(): number {
    return (this.root.getStats() as { mapSize: number }).mapSize;
  }

  readActivity(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[] {
    assert(Number.isInteger(limit) && limit >= 1 && limit <= ACTIVITY_PAGE_SIZE_MAX, "a page is bounded");
    const page: ActivityRecord[] = [];
    // Keys run newest first: a forward range from `before` (or from the newest).
    const start = before === null ? [logicalShard, MEMBER_KEY_FAMILY, memberId, ACTIVITY_KEY_KIND] : activityKey(logicalShard, memberId, before);
    const range = this.records.getRange({
      start,
      end: [logicalShard, MEMBER_KEY_FAMILY, memberId, ACTIVITY_KEY_KIND, KEY_RANGE_END],
      limit: limit + 1,
    });
    for (const { key, value } of range) {
      // `start` is inclusive: skip the entry at `before` itself.
      if (before !== null && key[4] === start[4]) continue;
      if (page.length >= limit) break;
      page.push(value as ActivityRecord);
    }
    return page;
  }

  /**
   * Walks members, not records: one seek per member to its first key (its
   * account, since "a" sorts first), then a jump past all its records. A
   * member with a long history costs no more than one without. At most
   * `limit` accounts are read.
   */
  scanAccounts(logicalShard: number, afterMemberId: string | null, limit: number): Account[] {
    assert(Number.isInteger(limit) && limit >= 0, "a scan is bounded");
    const accounts: Account[] = [];
    let start: ShardRecordKey = afterMemberId === null ? [logicalShard, MEMBER_KEY_FAMILY] : afterMemberKey(logicalShard, afterMemberId);
    while (accounts.length < limit) {
      const first = this.firstMemberKey(logicalShard, start);
      if (first === undefined) break;
      if (first.kind === ACCOUNT_KEY_KIND) {
        const account = this.readAccount(logicalShard, first.memberId);
        assert(account !== undefined, "a key just found is readable");
        accounts.push(account);
      }
      start = afterMemberKey(logicalShard, first.memberId);
    }
    return accounts;
  }

  countAccounts(logicalShard: number): number {
    let count = 0;
    let start: ShardRecordKey = [logicalShard, MEMBER_KEY_FAMILY];
    for (let first = this.firstMemberKey(logicalShard, start); first !== undefined; first = this.firstMemberKey(logicalShard, start)) {
      if (first.kind === ACCOUNT_KEY_KIND) count += 1;
      start = afterMemberKey(logicalShard, first.memberId);
    }
    return count;
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  /** The first member record at or after `start` in one logical shard: its member and kind. */
  private firstMemberKey(logicalShard: number, start: ShardRecordKey): { memberId: string; kind: string } | undefined {
    const end: ShardRecordKey = [logicalShard, MEMBER_KEY_FAMILY, KEY_RANGE_END];
    for (const key of this.records.getKeys({ start, end, limit: 1 })) {
      const memberId = key[2];
      const kind = key[3];
      assert(typeof memberId === "string" && typeof kind === "string", "member keys are [logicalShard, \"m\", memberId, kind, ...]");
      return { memberId, kind };
    }
    return undefined;
  }
}

/**
 * Moves version-1 records ([logicalShard, kind, ...]) to the member-first
 * layout, at most `recordsPerTransaction` per transaction and at most
 * `transactionsMax` transactions (tests stop early to act out a crash). Each
 * transaction puts its records under their new keys and removes the old keys
 * together, so whatever is interrupted, every record is under exactly one
 * key and running this again finishes the job. Returns how many records it
 * moved and whether none of the old layout is left.
 */
export function migrateLegacyShardRecords(
  records: RecordsDatabase,
  recordsPerTransaction: number,
  transactionsMax: number,
): { migrated: number; complete: boolean } {
  assert(Number.isSafeInteger(recordsPerTransaction) && recordsPerTransaction >= 1, "a migration transaction moves at least one record");
  let migrated = 0;
  // Old keys are removed as they move, so resuming from the last moved key (exclusive) is exact.
  let resumeFrom: (string | number)[] | undefined;
  for (let transactions = 0; transactions < transactionsMax; transactions += 1) {
    const moved = records.transactionSync(() => {
      const legacy = collectLegacyRecords(records, resumeFrom, recordsPerTransaction);
      for (const { key, value } of legacy) {
        void records.put(migratedKey(key, value), value);
        void records.remove(key);
      }
      return legacy;
    });
    if (moved.length === 0) return { migrated, complete: true };
    migrated += moved.length;
    resumeFrom = moved[moved.length - 1]?.key;
  }
  return { migrated, complete: collectLegacyRecords(records, resumeFrom, 1).length === 0 };
}

/**
 * Up to `count` version-1 records from `after` (from the start when
 * undefined), in key order. Member-first keys already written sit between
 * the old "h" and "r" families of their logical shard; each such range is
 * skipped with one seek.
 */
function collectLegacyRecords(
  records: RecordsDatabase,
  after: (string | number)[] | undefined,
  count: number,
): { key: (string | number)[]; value: ShardRecord }[] {
  const found: { key: (string | number)[]; value: ShardRecord }[] = [];
  let start = after;
  let skipStart = after !== undefined;
  for (;;) {
    let jumpTo: (string | number)[] | undefined;
    for (const { key, value } of records.getRange(start === undefined ? {} : { start })) {
      if (skipStart) {
        skipStart = false;
        if (sameKey(key, start)) continue;
      }
      if (key[1] === MEMBER_KEY_FAMILY) {
        const logicalShard = key[0];
        assert(typeof logicalShard === "number", "every record key starts with its logical shard");
        jumpTo = [logicalShard, MEMBER_KEY_FAMILY, KEY_RANGE_END];
        break;
      }
      found.push({ key, value });
      if (found.length >= count) return found;
    }
    if (jumpTo === undefined) return found;
    start = jumpTo;
  }
}

function sameKey(left: readonly (string | number)[], right: readonly (string | number)[] | undefined): boolean {
  return right !== undefined && left.length === right.length && left.every((element, index) => element === right[index]);
}

/** A version-1 record's key in the member-first layout. */
function migratedKey(key: readonly (string | number)[], value: ShardRecord): ShardRecordKey {
  const [logicalShard, kind] = key;
  assert(typeof logicalShard === "number", "every record key starts with its logical shard");
  if (kind === LEGACY_ACCOUNT_KEY_KIND) {
    const memberId = key[2];
    assert(typeof memberId === "string" && key.length === 3, "a version-1 account key is [logicalShard, \"a\", memberId]");
    return accountKey(logicalShard, memberId);
  }
  if (kind === LEGACY_ACTIVITY_KEY_KIND) {
    const memberId = key[2];
    const sequence = key[3];
    assert(typeof memberId === "string" && typeof sequence === "number" && key.length === 4, "a version-1 history key is [logicalShard, \"h\", memberId, sequence]");
    return activityKey(logicalShard, memberId, sequence);
  }
  assert(kind === LEGACY_RECEIPT_KEY_KIND, `a version-1 record key has kind "a", "h" or "r", not ${String(kind)}`);
  const store = key[2];
  const receiptId = key[3];
  const memberId = (value as ReceiptRecord).memberId;
  assert(typeof store === "string" && typeof receiptId === "string" && key.length === 4, "a version-1 receipt key is [logicalShard, \"r\", store, receiptId]");
  assert(typeof memberId === "string", "a receipt record names its member");
  return receiptKey(logicalShard, memberId, store, receiptId);
}
