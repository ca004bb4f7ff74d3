import type { Account } from "../account/account.js";
import { assert } from "../assert/assert.js";
import { MutationPayloadWriter } from "./mutation-payload.js";
import { lotsByChunk, sameLot, writeAccount, writeLotChunk } from "./records/account-codec.js";
import { writeHistory } from "./records/history-codec.js";
import { writeReceiptRecord } from "./records/receipt-record-codec.js";
import type { Mutation } from "./mutation.js";
import { accountKey, historyKey, lotChunkKey, recordKey } from "./record-keys.js";
import type { ShardWrite } from "./shard-store.js";


/** An operation's log payload and its mutations (views into the payload). */
export interface EncodedOperation {
  readonly payload: Buffer;
  readonly mutations: readonly Mutation[];
}

/**
 * Encodes an operation's writes. `before` is the account as it was before
 * the operation (undefined for an enrolment): an account write puts the
 * account record always, and only the lot chunks whose lots changed (a chunk
 * left without lots is deleted).
 */
export function encodeOperation(before: Account | undefined, writes: readonly ShardWrite[]): EncodedOperation {
  const payload = new MutationPayloadWriter();
  for (const write of writes) {
    switch (write.kind) {
      case "account":
        putAccount(payload, before, write.account);
        break;
      case "receipt": {
        const { logicalShard, memberId, store, receiptId } = write.receipt;
        payload.put(recordKey(logicalShard, memberId, store, receiptId), (writer) => writeReceiptRecord(writer, write.receipt));
        break;
      }
      case "activity": {
        const { logicalShard, memberId, sequence } = write.activity;
        payload.put(historyKey(logicalShard, memberId, sequence), (writer) => writeHistory(writer, write.activity));
        break;
      }
    }
  }
  return payload.finish();
}

/** The mutations of writes (tests, the bulk importer): encodeOperation's, without the payload. */
export function writeMutations(before: Account | undefined, writes: readonly ShardWrite[]): readonly Mutation[] {
  return encodeOperation(before, writes).mutations;
}

function putAccount(payload: MutationPayloadWriter, before: Account | undefined, after: Account): void {
  assert(before === undefined || (before.memberId === after.memberId && before.logicalShard === after.logicalShard), "one account changes");
  const { logicalShard, memberId } = after;
  payload.put(accountKey(logicalShard, memberId), (writer) => writeAccount(writer, after));
  if (before !== undefined && before.ledger.lots === after.ledger.lots) return;
  const beforeChunks = before === undefined ? new Map<number, never[]>() : lotsByChunk(before.ledger.lots);
  const afterChunks = lotsByChunk(after.ledger.lots);
  for (const [index, lots] of afterChunks) {
    const previous = beforeChunks.get(index);
    const unchanged = previous !== undefined && previous.length === lots.length && lots.every((lot, at) => sameLot(lot, previous[at] as typeof lot));
    if (!unchanged) payload.put(lotChunkKey(logicalShard, memberId, index), (writer) => writeLotChunk(writer, lots));
  }
  for (const index of beforeChunks.keys()) {
    if (!afterChunks.has(index)) payload.delete(lotChunkKey(logicalShard, memberId, index));
  }
}
