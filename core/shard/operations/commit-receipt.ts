import { hash } from "node:crypto";
import { transactionIdentifier, type Account } from "../../account/account.js";
import type { CompiledProgram } from "../../engine/compiled-program.js";
import { commitForMember } from "../../engine/member-operations.js";
import type { Receipt, ReceiptCalculation } from "../../receipt/receipt.js";
import type { ReceiptRecord } from "../../storage/shard-store.js";
import { historyWrite, refused, type OperationResult } from "./operation-result.js";

export interface CommitReceiptInput {
  readonly program: CompiledProgram;
  /** The member's account now. */
  readonly account: Account;
  /** The member's record of this (store, receipt id), if any. */
  readonly existing: ReceiptRecord | undefined;
  readonly receipt: Receipt;
  readonly redeem: number;
  /** The partner of the terminal's store: the issuer of the points it accrues. */
  readonly partner: string;
  readonly now: number;
}

/**
 * A receipt's commit: the first answer again for a repeat, CONFLICT for the
 * same id with other content, else the receipt settled on the account (pure:
 * core/engine), with its record (fingerprint, answer, settlement) and its
 * history entry.
 */
export function commitReceipt(input: CommitReceiptInput): OperationResult {
  const { program, account, existing, receipt, redeem, partner, now } = input;
  const memberId = account.memberId;
  const fingerprint = commitFingerprint(memberId, receipt, redeem);
  if (existing !== undefined) {
    return existing.fingerprint === fingerprint
      ? { kind: "answered", answer: existing.answer }
      : refused("CONFLICT", `receipt ${receipt.id} of store ${receipt.store} was committed with other content`);
  }
  const outcome = commitForMember(program, account, receipt, redeem, { now, partner });
  if (!outcome.ok) return refused(outcome.code, outcome.message);
  const next = outcome.account;
  const answer = {
    ...calculationAnswer(memberId, receipt, outcome.calculation, next.balance),
    transaction: transactionIdentifier(memberId, next.sequence),
  };
  const record: ReceiptRecord = {
    logicalShard: account.logicalShard,
    store: receipt.store,
    receiptId: receipt.id,
    memberId,
    fingerprint,
    answer,
    settlement: outcome.settlement,
  };
  return {
    kind: "applied",
    answer,
    account: next,
    writes: [
      { kind: "account", account: next },
      { kind: "receipt", receipt: record },
      historyWrite(next, now, "receipt", receiptActivityDetail(receipt, outcome.calculation, answer.transaction, outcome.statusChange)),
    ],
  };
}

/**
 * What makes two commits "the same": member, receipt content as sent and
 * redeem. A receipt sent without a time has none in its fingerprint (null
 * where the time would be), so a retry of the same bytes is a repeat and not
 * a CONFLICT, whatever the server's clock says by then.
 */
export function commitFingerprint(memberId: string, receipt: Receipt, redeem: number): string {
  const canonical = JSON.stringify([
    memberId,
    receipt.store,
    receipt.id,
    receipt.atFromServer === true ? null : receipt.at,
    redeem,
    receipt.lines.map((line) => [line.sku, line.qty, line.price, line.amount, line.noDiscount === true, line.noPoints === true]),
  ]);
  return hash("sha256", canonical, "base64url");
}

/** A committed receipt's entry in its member's history. */
export function receiptActivityDetail(
  receipt: Receipt,
  calculation: ReceiptCalculation,
  transaction: unknown,
  statusChange: { readonly from: string | null; readonly to: string | null } | null,
): Record<string, unknown> {
  return {
    receipt: receipt.id,
    store: receipt.store,
    total: calculation.total,
    payable: calculation.payable,
    points: calculation.points,
    redeem: calculation.redeem,
    transaction,
    ...(statusChange === null ? {} : { statusChange }),
  };
}

/** The answer of a calculate or commit as the shard gives it (a commit adds its transaction). */
export function calculationAnswer(
  memberId: string,
  receipt: Receipt,
  calculation: ReceiptCalculation,
  balance: number,
): Record<string, unknown> {
  return { member: memberId, receipt: receipt.id, ...calculation, balance };
}
