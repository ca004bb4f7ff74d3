// Thread: any (pure state changes); run by a shard worker thread.
import type { Account } from "../../domain/account/account.js";
import type { CardChangeResult } from "../../protocol/admin-wire.js";
import { eventWrites } from "./outbox-events.js";
import { keyedOperation, type RecordInput } from "./keyed-operations.js";
import { ADMIN_RECORD_STORE, type RecordAddress } from "./record-address.js";
import type { OperationResult } from "./operation-result.js";

/**
 * A card change the directory has made (gateway/operations/card-service.ts),
 * recorded on the member's account: a `card` history entry and, when an
 * endpoint takes its kind, a `card.blocked` or `card.replaced` event, in one
 * log record. Idempotent by `changeId`, which the card service derives from
 * the change itself (a block by its card and time, a replacement by the old
 * card), so sending it again after a lost answer or a crash writes nothing twice.
 */
export interface CardChange {
  readonly changeId: string;
  readonly action: "blocked" | "replaced";
  readonly card: string;
  /** When the directory made the change (the card's blockedAt, or the replacement's issuedAt). */
  readonly at: number;
  /** A block's reason (null for a replacement). */
  readonly reason: string | null;
  /** The new card (null for a block). */
  readonly replacedBy: string | null;
  readonly operator: string;
}

export const cardChangeAddress = (changeId: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: `card ${changeId}` });

export function recordCardChange(input: RecordInput, change: CardChange): OperationResult<CardChangeResult> {
  const { changeId, action, card, at, reason, replacedBy, operator } = change;
  return keyedOperation<CardChangeResult>(input, cardChangeAddress(changeId), [action, card, at, reason, replacedBy], `card change ${changeId}`, () => {
    const account: Account = { ...input.account, sequence: input.account.sequence + 1 };
    const data = action === "blocked" ? { card, reason } : { card, replacedBy };
    return {
      ok: true,
      account,
      answer: { card, action, sequence: account.sequence },
      writes: eventWrites(account, at, [{ kind: action === "blocked" ? "card.blocked" : "card.replaced", data: { ...data, at } }]),
      activity: { kind: "card", detail: { card, action, ...(reason === null ? {} : { reason }), ...(replacedBy === null ? {} : { replacedBy }), operator } },
    };
  });
}
