import type { Account } from "../../domain/account/account.js";
import { failure, type Failure } from "../../protocol/errors/loycore-error.js";
import type { ReceiptRecord, ShardWrite } from "../storage/shard-store.js";

/**
 * What a state-changing operation decided, computed by a pure function of
 * the member's state, the request, the program and the time (no I/O, no
 * clock): the shard actor and the bulk importer both call these functions,
 * and the actor alone logs and stages the writes.
 *
 * - applied: the answer and everything to store (the account after, records,
 *   history); `account` is that account.
 * - answered: a repeat, answered with the stored first answer; nothing changes.
 * - refused: a coded domain refusal; nothing changes.
 */
export type OperationResult<Answer extends object = object> =
  | {
      readonly kind: "applied";
      readonly answer: Answer;
      readonly account: Account;
      readonly writes: readonly ShardWrite[];
    }
  | { readonly kind: "answered"; readonly answer: Answer }
  | ({ readonly kind: "refused" } & Failure);

/** A failure as a refused result (of any answer type: it has none). */
export function refused({ code, message }: Failure): { readonly kind: "refused" } & Failure {
  return { kind: "refused", ...failure(code, message) };
}

/**
 * The first answer kept in an operation's own record, for a repeat. The
 * record at an operation's address is only ever written by that operation
 * (its key names the kind: "visit <id>", "cancel <id>", a receipt id), so
 * its answer has that operation's type: the one place this is trusted.
 */
export function storedAnswer<Answer extends object>(record: ReceiptRecord): Answer {
  return record.answer as Answer;
}

/** The history entry of an operation on `account` (its sequence after the operation). */
export function historyWrite(account: Account, at: number, kind: string, detail: Readonly<Record<string, unknown>>): ShardWrite {
  return {
    kind: "activity",
    activity: { logicalShard: account.logicalShard, memberId: account.memberId, sequence: account.sequence, at, kind, detail },
  };
}
