import type { Account } from "../../domain/account/account.js";
import { assert } from "../../domain/assert/assert.js";
import { MutationPayloadWriter } from "./mutation-payload.js";
import type { Lot } from "../../domain/ledger/lot.js";
import { lotChunkIndex, sameLot, writeAccount, writeLotChunk } from "./records/account-codec.js";
import { writeHistory } from "./records/history-codec.js";
import { writeReceiptRecord } from "./records/receipt-record-codec.js";
import type { Mutation } from "./mutation.js";
import { accountKey, campaignBudgetKey, couponKey, couponUseKey, historyKey, lotChunkKey, outboxKey, recordKey, reminderKey, settlementKey, triggerIndexKey, triggerProgressKey } from "./record-keys.js";
import { writeMap } from "./records/record-packer.js";
import { writeCampaignBudget } from "./records/campaign-budget-codec.js";
import { writeCoupon, writeCouponUse } from "./records/coupon-codec.js";
import { writeOutboxEvent } from "./records/outbox-codec.js";
import { writeSettlement } from "./records/settlement-codec.js";
import type { ShardWrite } from "./shard-store.js";

/** A reminder index entry's value: only this format byte (the key holds the rest). */
const REMINDER_ENTRY_FORMAT = 1;

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
      case "settlement":
        payload.put(settlementKey(write.settlement.logicalShard, write.settlement), (writer) => writeSettlement(writer, write.settlement));
        break;
      case "event":
        payload.put(outboxKey(write.event.logicalShard, "events", null, write.event), (writer) => writeOutboxEvent(writer, write.event));
        break;
      case "reminder": {
        const key = reminderKey(write.logicalShard, write.due, write.memberId);
        if (write.remove === true) payload.delete(key);
        // The key says it all; the value is a format byte, for a later format's sake.
        else payload.put(key, (writer) => writer.byte(REMINDER_ENTRY_FORMAT));
        break;
      }
      case "triggerIndex": {
        const key = triggerIndexKey(write.logicalShard, write.which, write.month, write.day, write.memberId);
        if (write.remove === true) payload.delete(key);
        else payload.put(key, (writer) => writer.byte(REMINDER_ENTRY_FORMAT));
        break;
      }
      case "triggerProgress": {
        const key = triggerProgressKey(write.logicalShard, write.name);
        const progress = write.progress;
        if (progress === null) payload.delete(key);
        else payload.put(key, (writer) => writeMap(writer, progress));
        break;
      }
      case "family":
        payload.put(outboxKey(write.entry.logicalShard, "family", null, write.entry), (writer) => writeOutboxEvent(writer, write.entry));
        break;
      case "familyDone":
        payload.delete(outboxKey(write.entry.logicalShard, "family", null, write.entry));
        break;
      case "coupon":
        payload.put(couponKey(write.logicalShard, write.code), (writer) => writeCoupon(writer, write.coupon));
        break;
      case "couponUse": {
        const key = couponUseKey(write.logicalShard, write.code, write.store, write.receiptId);
        const memberId = write.memberId;
        if (memberId === null) payload.delete(key);
        else payload.put(key, (writer) => writeCouponUse(writer, memberId));
        break;
      }
      case "campaignBudget":
        payload.put(campaignBudgetKey(write.budget.logicalShard, write.budget.campaign), (writer) => writeCampaignBudget(writer, write.budget.given, write.budget.discount));
        break;
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
  putChangedLotChunks(payload, logicalShard, memberId, before === undefined ? NO_LOTS : before.ledger.lots, after.ledger.lots);
}

const NO_LOTS: readonly Lot[] = [];

/**
 * Puts every chunk of `after`'s lots that differs from the same chunk of
 * `before`'s (ascending chunk index), then deletes the chunks `before` had
 * and `after` has not (ascending). Both lists are in ascending lot id (a
 * ledger invariant), so one walk over each finds the chunks: no map, no
 * array per chunk but the one written.
 */
function putChangedLotChunks(payload: MutationPayloadWriter, logicalShard: number, memberId: string, before: readonly Lot[], after: readonly Lot[]): void {
  let beforeAt = 0;
  let afterAt = 0;
  let previousIndex = -1;
  while (afterAt < after.length) {
    const index = lotChunkIndex((after[afterAt] as Lot).id);
    assert(index > previousIndex, "lots are in ascending id, so chunks come in ascending index");
    previousIndex = index;
    const afterEnd = chunkEnd(after, afterAt, index);
    beforeAt = firstAtOrAfter(before, beforeAt, index);
    const beforeEnd = chunkEnd(before, beforeAt, index);
    if (!sameLots(before, beforeAt, beforeEnd, after, afterAt, afterEnd)) {
      const lots = after.slice(afterAt, afterEnd);
      payload.put(lotChunkKey(logicalShard, memberId, index), (writer) => writeLotChunk(writer, lots));
    }
    afterAt = afterEnd;
  }
  afterAt = 0;
  for (beforeAt = 0; beforeAt < before.length; ) {
    const index = lotChunkIndex((before[beforeAt] as Lot).id);
    afterAt = firstAtOrAfter(after, afterAt, index);
    if (afterAt === after.length || lotChunkIndex((after[afterAt] as Lot).id) !== index) payload.delete(lotChunkKey(logicalShard, memberId, index));
    beforeAt = chunkEnd(before, beforeAt, index);
  }
}

/** The first position from `start` whose lot is in chunk `index` or later. */
function firstAtOrAfter(lots: readonly Lot[], start: number, index: number): number {
  let at = start;
  while (at < lots.length && lotChunkIndex((lots[at] as Lot).id) < index) at += 1;
  return at;
}

/** The position after the run of lots in chunk `index` starting at `start` (`start` itself when none is). */
function chunkEnd(lots: readonly Lot[], start: number, index: number): number {
  let at = start;
  while (at < lots.length && lotChunkIndex((lots[at] as Lot).id) === index) at += 1;
  return at;
}

/** True when left[leftStart, leftEnd) and right[rightStart, rightEnd) are the same non-empty run of lots. */
function sameLots(left: readonly Lot[], leftStart: number, leftEnd: number, right: readonly Lot[], rightStart: number, rightEnd: number): boolean {
  const count = leftEnd - leftStart;
  if (count === 0 || count !== rightEnd - rightStart) return false;
  for (let offset = 0; offset < count; offset += 1) {
    if (!sameLot(left[leftStart + offset] as Lot, right[rightStart + offset] as Lot)) return false;
  }
  return true;
}
