import type { Account } from "../../domain/account/account.js";
import { assert } from "../../domain/assert/assert.js";
import { accountChunkIndices, readAccount } from "./records/account-codec.js";
import { readHistory } from "./records/history-codec.js";
import { readReceiptRecord } from "./records/receipt-record-codec.js";
import {
  ACCOUNT_KIND,
  accountKey,
  afterMember,
  decodeKey,
  HISTORY_KIND,
  historyKey,
  lotChunkKey,
  logicalShardRange,
  memberKindRange,
  recordKey,
  type RecordKey,
} from "./record-keys.js";
import { ACTIVITY_PAGE_SIZE_MAX, type ActivityRecord, type ReceiptRecord } from "./shard-store.js";

/**
 * Reading the domain's records out of stored bytes, once for every store
 * (LMDB and its in-memory twin): a store provides point and range reads of
 * keys, this turns them into accounts, receipt records and history pages.
 */
export interface RecordSource {
  get(key: RecordKey): Uint8Array | undefined;
  /** Entries with start <= key < end, in key order, at most `limit`. */
  range(start: RecordKey, end: RecordKey, limit: number): Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  /** Keys with start <= key < end, in key order, at most `limit`. */
  keys(start: RecordKey, end: RecordKey, limit: number): Iterable<Uint8Array>;
}

/**
 * Lot chunks read per account: an account holds at most OPEN_LOTS_MAX
 * (10,000) open lots, 16 a chunk, so 625 chunks; a bound well above keeps a
 * damaged store from reading without end.
 */
const LOT_CHUNKS_PER_ACCOUNT_MAX = 1_024;

/** The account record names its lot chunks: point reads of exactly those keys (cheaper than a range scan). */
export function readStoredAccount(source: RecordSource, logicalShard: number, memberId: string): Account | undefined {
  const core = source.get(accountKey(logicalShard, memberId));
  if (core === undefined) return undefined;
  const what = `account ${memberId}`;
  const indices = accountChunkIndices(core, what);
  assert(indices.length <= LOT_CHUNKS_PER_ACCOUNT_MAX, "an account's lot chunks are bounded");
  const chunks = indices.map((index) => {
    const chunk = source.get(lotChunkKey(logicalShard, memberId, index));
    if (chunk === undefined) assert(false, `${what}: lot chunk ${index} it names is stored`);
    return chunk;
  });
  return readAccount(logicalShard, memberId, core, chunks);
}

export function readStoredRecord(
  source: RecordSource,
  logicalShard: number,
  memberId: string,
  store: string,
  recordId: string,
): ReceiptRecord | undefined {
  return readStoredRecordAt(source, recordKey(logicalShard, memberId, store, recordId), logicalShard, memberId, store, recordId);
}

/** readStoredRecord for a caller that has made the record's key already (recordKey of the same parts). */
export function readStoredRecordAt(
  source: Pick<RecordSource, "get">,
  key: RecordKey,
  logicalShard: number,
  memberId: string,
  store: string,
  recordId: string,
): ReceiptRecord | undefined {
  const bytes = source.get(key);
  return bytes === undefined ? undefined : readReceiptRecord({ logicalShard, memberId, store, receiptId: recordId }, bytes);
}

/** A member's stored history, newest first, with sequence below `before` (all when null), at most `limit`. */
export function readStoredHistory(
  source: RecordSource,
  logicalShard: number,
  memberId: string,
  before: number | null,
  limit: number,
): ActivityRecord[] {
  assert(Number.isInteger(limit) && limit >= 1 && limit <= ACTIVITY_PAGE_SIZE_MAX, "a page is bounded");
  const { start: kindStart, end } = memberKindRange(logicalShard, memberId, HISTORY_KIND);
  // Newest first: the entry just below `before` is the key right after `before`'s own key.
  const start = before === null ? kindStart : before <= 0 ? end : historyKey(logicalShard, memberId, before - 1);
  const page: ActivityRecord[] = [];
  for (const { key, value } of source.range(start, end, limit)) {
    const sequence = decodeKey(key).number;
    assert(sequence !== undefined, "a history key has a sequence");
    page.push(readHistory({ logicalShard, memberId, sequence }, value));
  }
  return page;
}

/** Members with an account in one logical shard, in key order, after `afterMemberId`, at most `limit`. */
export function scanStoredMembers(source: RecordSource, logicalShard: number, afterMemberId: string | null, limit: number): string[] {
  const members: string[] = [];
  const shardEnd = logicalShardRange(logicalShard).end;
  let start = afterMemberId === null ? logicalShardRange(logicalShard).start : afterMember(logicalShard, afterMemberId);
  while (members.length < limit) {
    const first = firstKey(source, start, shardEnd);
    if (first === undefined) break;
    const decoded = decodeKey(first);
    // A member's account is its first key ("a" sorts first); history without an account is no member.
    if (decoded.kind === ACCOUNT_KIND) members.push(decoded.memberId);
    start = afterMember(logicalShard, decoded.memberId);
  }
  return members;
}

export function countStoredMembers(source: RecordSource, logicalShard: number): number {
  let count = 0;
  const shardEnd = logicalShardRange(logicalShard).end;
  let start: RecordKey = logicalShardRange(logicalShard).start;
  for (let first = firstKey(source, start, shardEnd); first !== undefined; first = firstKey(source, start, shardEnd)) {
    const decoded = decodeKey(first);
    if (decoded.kind === ACCOUNT_KIND) count += 1;
    start = afterMember(logicalShard, decoded.memberId);
  }
  return count;
}

function firstKey(source: RecordSource, start: RecordKey, end: RecordKey): Uint8Array | undefined {
  for (const key of source.keys(start, end, 1)) return key;
  return undefined;
}

/**
 * A ShardStore's reads of domain records, once for both stores: a store
 * provides the key-value reads (RecordSource) and gets these.
 */
export abstract class RecordReadingStore implements RecordSource {
  abstract get(key: RecordKey): Uint8Array | undefined;
  abstract range(start: RecordKey, end: RecordKey, limit: number): Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  abstract keys(start: RecordKey, end: RecordKey, limit: number): Iterable<Uint8Array>;

  readAccount(logicalShard: number, memberId: string): Account | undefined {
    return readStoredAccount(this, logicalShard, memberId);
  }

  readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined {
    return readStoredRecord(this, logicalShard, memberId, store, receiptId);
  }

  readActivity(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[] {
    return readStoredHistory(this, logicalShard, memberId, before, limit);
  }

  scanMembers(logicalShard: number, afterMemberId: string | null, limit: number): string[] {
    return scanStoredMembers(this, logicalShard, afterMemberId, limit);
  }

  countAccounts(logicalShard: number): number {
    return countStoredMembers(this, logicalShard);
  }
}
