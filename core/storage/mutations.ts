import type { Account } from "../account/account.js";
import { assert } from "../assert/assert.js";
import { encodeAccount, encodeLotChunk, lotsByChunk, sameLot } from "./records/account-codec.js";
import { encodeHistory } from "./records/history-codec.js";
import { encodeReceiptRecord } from "./records/receipt-record-codec.js";
import { accountKey, historyKey, lotChunkKey, recordKey, type RecordKey } from "./record-keys.js";
import type { ShardWrite } from "./shard-store.js";

/**
 * What an operation changed, at the level of stored records: put these bytes
 * under this key, or delete the key. The same mutations are the log's redo
 * record (a restart replays them, it never re-runs the rules), the overlay's
 * content and what a checkpoint writes to LMDB, so each value is encoded
 * once.
 */
export interface Mutation {
  readonly key: RecordKey;
  /** The record's bytes; null deletes the key. */
  readonly value: Uint8Array | null;
}

/**
 * The mutations of an account going from `before` (undefined: a new account)
 * to `after`: the account record always, and only the lot chunks whose lots
 * changed (a chunk left without lots is deleted).
 */
export function accountMutations(before: Account | undefined, after: Account): Mutation[] {
  assert(before === undefined || (before.memberId === after.memberId && before.logicalShard === after.logicalShard), "one account changes");
  const { logicalShard, memberId } = after;
  const mutations: Mutation[] = [{ key: accountKey(logicalShard, memberId), value: encodeAccount(after) }];
  if (before !== undefined && before.ledger.lots === after.ledger.lots) return mutations;
  const beforeChunks = before === undefined ? new Map<number, never[]>() : lotsByChunk(before.ledger.lots);
  const afterChunks = lotsByChunk(after.ledger.lots);
  for (const [index, lots] of afterChunks) {
    const previous = beforeChunks.get(index);
    const unchanged = previous !== undefined && previous.length === lots.length && lots.every((lot, at) => sameLot(lot, previous[at] as typeof lot));
    if (!unchanged) mutations.push({ key: lotChunkKey(logicalShard, memberId, index), value: encodeLotChunk(lots) });
  }
  for (const index of beforeChunks.keys()) {
    if (!afterChunks.has(index)) mutations.push({ key: lotChunkKey(logicalShard, memberId, index), value: null });
  }
  return mutations;
}

/**
 * The mutations of an operation's writes. `before` is the account as it was
 * before the operation (undefined for an enrolment), for the lot chunks.
 */
export function writeMutations(before: Account | undefined, writes: readonly ShardWrite[]): Mutation[] {
  const mutations: Mutation[] = [];
  for (const write of writes) {
    switch (write.kind) {
      case "account":
        mutations.push(...accountMutations(before, write.account));
        break;
      case "receipt": {
        const { logicalShard, memberId, store, receiptId } = write.receipt;
        mutations.push({ key: recordKey(logicalShard, memberId, store, receiptId), value: encodeReceiptRecord(write.receipt) });
        break;
      }
      case "activity": {
        const { logicalShard, memberId, sequence } = write.activity;
        mutations.push({ key: historyKey(logicalShard, memberId, sequence), value: encodeHistory(write.activity) });
        break;
      }
    }
  }
  return mutations;
}
