import type { Database } from "lmdb";
import type { Account } from "../../domain/account/account.js";
import { upgradeAccount } from "../../domain/account/upgrade-account.js";
import { assert } from "../../domain/assert/assert.js";
import type { Mutation } from "./mutation.js";
import { writeMutations } from "./mutations.js";
import type { ActivityRecord, ReceiptRecord } from "./shard-store.js";

/**
 * Older shard environments, moved to the current layout when a shard opens
 * them (lmdb-shard-store.ts):
 *
 * - Version 1 (an environment without a layout version that holds records):
 *   "records" keyed [logicalShard, kind, ...] with lmdb-js's ordered-binary
 *   keys and MessagePack maps, receipts keyed by store and receipt id alone.
 * - Version 2: the same database keyed member first,
 *   [logicalShard, "m", memberId, "a" | "h" | "r", ...], an account written
 *   whole with every open lot.
 * - Version 3 (current): the binary keys of record-keys.ts and the positional
 *   records of records/ in the "state" database, lots in chunks, and the
 *   log position the state covers.
 *
 * Each step moves a bounded number of records per transaction, putting them
 * under their new keys and deleting the old ones together, so a crash
 * mid-migration resumes where the last committed transaction stopped.
 */

/** Version-2 key parts. */
const MEMBER_KEY_FAMILY = "m";
const ACCOUNT_KEY_KIND = "a";
const RECEIPT_KEY_KIND = "r";
const ACTIVITY_KEY_KIND = "h";

/** Sorts after every member id and every kind: "the end of" a version-2 range. */
const KEY_RANGE_END = "\uffff";

/** A version-2 activity key holds this minus the sequence. */
const ACTIVITY_KEY_ORDER_BASE = Number.MAX_SAFE_INTEGER;

/** Version-1 key kinds: [logicalShard, "a", memberId], [logicalShard, "r", store, receiptId], [logicalShard, "h", memberId, sequence]. */
const LEGACY_ACCOUNT_KEY_KIND = "a";
const LEGACY_RECEIPT_KEY_KIND = "r";
const LEGACY_ACTIVITY_KEY_KIND = "h";

/**
 * Records moved per migration transaction: 10,000 records (about 10-30 MB of
 * dirty pages) keep one transaction's memory and its write lock short while
 * the per-transaction commit cost stays negligible.
 */
export const LAYOUT_MIGRATION_RECORDS_PER_TRANSACTION_MAX = 10_000;

/** A version-2 record key; its first element is always the logical shard. */
type VersionTwoKey = [number, ...(string | number)[]];

function accountKey(logicalShard: number, memberId: string): VersionTwoKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, ACCOUNT_KEY_KIND];
}

function receiptKey(logicalShard: number, memberId: string, store: string, receiptId: string): VersionTwoKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, RECEIPT_KEY_KIND, store, receiptId];
}

function activityKey(logicalShard: number, memberId: string, sequence: number): VersionTwoKey {
  return [logicalShard, MEMBER_KEY_FAMILY, memberId, ACTIVITY_KEY_KIND, ACTIVITY_KEY_ORDER_BASE - sequence];
}

type ShardRecord = Account | ReceiptRecord | ActivityRecord;
export type RecordsDatabase = Database<ShardRecord, (string | number)[]>;

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
function migratedKey(key: readonly (string | number)[], value: ShardRecord): VersionTwoKey {
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

/**
 * Moves version-2 records (the "records" database) into the current layout
 * (`state`), at most `recordsPerTransaction` old records per transaction and
 * at most `transactionsMax` transactions. Accounts are upgraded from any
 * older account format first (upgrade-account.ts). Returns how many old
 * records it moved and whether none is left.
 */
export function migrateToStateLayout(
  records: RecordsDatabase,
  state: Database<Buffer, Buffer>,
  recordsPerTransaction: number,
  transactionsMax: number,
): { migrated: number; complete: boolean } {
  assert(Number.isSafeInteger(recordsPerTransaction) && recordsPerTransaction >= 1, "a migration transaction moves at least one record");
  let migrated = 0;
  for (let transactions = 0; transactions < transactionsMax; transactions += 1) {
    const moved = records.transactionSync(() => {
      const batch = [...records.getRange({ limit: recordsPerTransaction })];
      for (const { key, value } of batch) {
        for (const { key: newKey, value: newValue } of versionTwoMutations(key, value)) {
          if (newValue === null) void state.remove(Buffer.from(newKey));
          else void state.put(Buffer.from(newKey), Buffer.from(newValue));
        }
        void records.remove(key);
      }
      return batch.length;
    });
    if (moved === 0) return { migrated, complete: true };
    migrated += moved;
  }
  return { migrated, complete: records.getKeysCount({ limit: 1 }) === 0 };
}

/** The current layout's records of one version-2 record. */
function versionTwoMutations(key: readonly (string | number)[], value: ShardRecord): readonly Mutation[] {
  const [logicalShard, family, memberId, kind] = key;
  assert(typeof logicalShard === "number" && family === MEMBER_KEY_FAMILY && typeof memberId === "string", "a version-2 key is [logicalShard, \"m\", memberId, kind, ...]");
  if (kind === ACCOUNT_KEY_KIND) {
    const account = upgradeAccount({ ...(value as Account), memberId, logicalShard });
    return writeMutations(undefined, [{ kind: "account", account }]);
  }
  if (kind === ACTIVITY_KEY_KIND) {
    const activity = value as ActivityRecord;
    return writeMutations(undefined, [{ kind: "activity", activity: { ...activity, logicalShard, memberId } }]);
  }
  assert(kind === RECEIPT_KEY_KIND, `a version-2 key has kind "a", "h" or "r", not ${String(kind)}`);
  const receipt = value as ReceiptRecord;
  return writeMutations(undefined, [{ kind: "receipt", receipt: { ...receipt, logicalShard, memberId } }]);
}

/** Used by tests that write the version-2 layout. */
export const versionTwoKeys = { accountKey, receiptKey, activityKey, KEY_RANGE_END };
