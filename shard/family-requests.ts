// Thread: a shard worker thread (called by the shard actor, one message at a time).
import type { Account } from "../domain/account/account.js";
import { assert } from "../domain/assert/assert.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { poolAccountId } from "../domain/family/family.js";
import type { Outcome } from "../protocol/errors/loycore-error.js";
import {
  abortAddress,
  abortFamilyHold,
  applyAddress,
  applyIntent,
  holdAddress,
  holdPoolPoints,
  joinAddress,
  joinFamily,
  leaveAddress,
  leaveFamily,
  releaseAddress,
  releasePoolHold,
  spentAddress,
} from "./operations/family-operations.js";
import type { RecordAddress } from "./operations/record-address.js";
import type { OperationResult } from "./operations/operation-result.js";
import type { OutboxHost } from "./outbox-requests.js";
import type { FamilyOperation, ShardAnswers } from "./shard-messages.js";
import type { ReceiptRecord } from "./storage/shard-store.js";
import { MutationPayloadWriter } from "./storage/mutation-payload.js";
import { outboxKey } from "./storage/record-keys.js";
import type { OutboxEventRef } from "./shard-messages.js";

/** Entries one familyForget deletes at most: one log record of small deletions, like an outbox update. */
export const FAMILY_FORGET_ENTRIES_MAX = 1_000;

/** What a family operation reads on the shard: the account (undefined: none yet), records of it, the time and the program. */
export interface FamilyContext {
  readonly account: Account | undefined;
  readonly now: number;
  readonly program: CompiledProgram;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly read: (address: RecordAddress) => ReceiptRecord | undefined;
}

/** Runs one family operation with the records it needs (shard/operations/family-operations.ts). */
export function familyOperation(context: FamilyContext, operation: FamilyOperation): OperationResult<ShardAnswers["family"]> {
  const { account, now, program, logicalShard, memberId, read } = context;
  switch (operation.op) {
    case "join":
      return joinFamily({ account, existing: read(joinAddress(operation.joinId)), now }, operation);
    case "leave":
      return leaveFamily({ account, existing: read(leaveAddress(operation.leaveId)), now }, operation, poolAccountId);
    case "apply": {
      const intent = operation.intent;
      const receiptIntent = intent.kind === "reverse" ? intent.receiptIntent : intent.id;
      return applyIntent(
        {
          account,
          existing: read(applyAddress(intent.id)),
          now,
          program,
          logicalShard,
          spent: intent.kind === "reverse" ? read(spentAddress(receiptIntent)) : undefined,
          holdRecord: intent.kind === "receipt" && intent.hold !== null ? read(holdAddress(intent.hold.key)) : undefined,
        },
        intent,
      );
    }
    case "hold":
      return holdPoolPoints({ account, existing: read(holdAddress(operation.key)), now, program, logicalShard, pool: memberId }, operation);
    case "release":
      return releasePoolHold({ account, existing: read(releaseAddress(operation.key)), now, holdRecord: read(holdAddress(operation.key)) }, operation.key);
    case "abort":
      return abortFamilyHold({ account, existing: read(abortAddress(operation.key)), now, receipt: read({ store: operation.store, recordId: operation.receiptId }) }, operation);
  }
}

/** Deletes the family entries the relay has finished, as one log record; how many were still there. */
export function forgetFamilyEntries(host: OutboxHost, entries: readonly OutboxEventRef[]): Outcome<{ applied: number; sequence: number | null }> {
  assert(entries.length <= FAMILY_FORGET_ENTRIES_MAX, `a familyForget carries at most ${FAMILY_FORGET_ENTRIES_MAX} entries`);
  const refusal = host.refusal();
  if (refusal !== null) return refusal;
  const payload = new MutationPayloadWriter();
  let applied = 0;
  for (const entry of entries) {
    if (!host.owned.has(entry.logicalShard)) assert(false, `the family entry's logical shard ${entry.logicalShard} is this thread's`);
    const key = outboxKey(entry.logicalShard, "family", null, entry);
    if (host.state.readOutboxValue(key) === undefined) continue;
    payload.delete(key);
    applied += 1;
  }
  if (applied === 0) return { ok: true, applied, sequence: null };
  const { payload: bytes, mutations } = payload.finish();
  const logged = host.logWithoutAccount(bytes, mutations);
  if (!logged.ok) return logged;
  return { ok: true, applied, sequence: logged.sequence };
}
