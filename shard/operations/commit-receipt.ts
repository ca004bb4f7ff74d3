// Thread: any (pure state changes); run by a shard worker thread and by the bulk importer's threads.
import { hash } from "node:crypto";
import { assert } from "../../domain/assert/assert.js";
import { transactionIdentifier } from "../../domain/account/account.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { commitForMember } from "../../domain/engine/member-operations.js";
import type { Receipt, ReceiptCalculation } from "../../domain/receipt/receipt.js";
import type { ReceiptRecord } from "../storage/shard-store.js";
import type { CalculateResult, CommitResult } from "../../protocol/terminal-wire.js";
import { crossPartnerPoints } from "../../domain/engine/partner-settlement.js";
import { historyWrite, refused, storedAnswer, type OperationResult } from "./operation-result.js";
import { settlementWrites } from "./settlement-writes.js";
import { budgetSpentWrites } from "./budget-writes.js";
import { commitEvents, eventWrites } from "./outbox-events.js";
import { commitFamilyReceipt } from "./family-commit.js";
import { receiptActivityDetail, type CommitReceiptInput } from "./commit-receipt-input.js";

export type { CommitReceiptInput };


/**
 * A receipt's commit: the first answer again for a repeat, CONFLICT for the
 * same id with other content, else the receipt settled on the account (pure:
 * domain/engine), with its record (fingerprint, answer, settlement) and its
 * history entry.
 */
export function commitReceipt(input: CommitReceiptInput): OperationResult<CommitResult> {
  const { program, account, existing, receipt, redeem, partner, now, cardType = null, paid, campaigns = null, events = true, budgets, coupon } = input;
  const memberId = account.memberId;
  const fingerprint = commitFingerprint(memberId, receipt, redeem, paid, coupon?.code);
  if (existing !== undefined) {
    return existing.fingerprint === fingerprint
      ? { kind: "answered", answer: storedAnswer<CommitResult>(existing) }
      : refused(failure("CONFLICT", `receipt ${receipt.id} of store ${receipt.store} was committed with other content`));
  }
  // A family member's points live in the pool (family-commit.ts); anyone else's receipt pays this one check.
  if (account.family !== undefined) return commitFamilyReceipt(input, fingerprint, account.family);
  const outcome = commitForMember(program, account, receipt, redeem, { now, partner, cardType, campaigns, budgets: budgets ?? null, couponCampaign: coupon?.campaign ?? null, surveyAnswers: input.surveyAnswers ?? null }, paid);
  if (!outcome.ok) return refused(outcome);
  const next = outcome.account;
  // calculationAnswer's fields and the transaction, in that order (stored answers keep it), in one object.
  const answer: CommitResult = {
    member: memberId,
    receipt: receipt.id,
    ...outcome.calculation,
    balance: next.balance,
    transaction: transactionIdentifier(memberId, next.sequence),
    ...(outcome.settlement.payment === undefined ? {} : { unpaid: outcome.settlement.payment.unpaid }),
    ...(outcome.pointLevelReached === null
      ? {}
      : { pointLevelReached: { id: outcome.pointLevelReached.id, name: outcome.pointLevelReached.name, points: outcome.pointLevelReached.pointsOnReach } }),
  };
  const record: ReceiptRecord = {
    logicalShard: account.logicalShard,
    store: receipt.store,
    receiptId: receipt.id,
    memberId,
    fingerprint,
    answer,
    settlement: coupon === undefined ? outcome.settlement : { ...outcome.settlement, coupon: coupon.code },
  };
  return {
    kind: "applied",
    answer,
    account: next,
    writes: [
      { kind: "account", account: next },
      { kind: "receipt", receipt: record },
      historyWrite(next, now, "receipt", receiptActivityDetail(receipt, outcome.calculation, answer.transaction, outcome.statusChange)),
      ...settlementWrites(
        { account: next, at: receipt.at, redeemer: partner, store: receipt.store, receiptId: receipt.id, operation: "commit", pointValueMinor: program.program.points.pointValueMinor },
        crossPartnerPoints(outcome.settlement.unreturnedShares, partner),
      ),
      ...budgetSpentWrites(account.logicalShard, outcome.campaignPoints, budgets?.given, outcome.campaignDiscounts),
      ...(events
        ? eventWrites(
            next,
            receipt.at,
            commitEvents({ receipt: receipt.id, store: receipt.store, points: answer.points, balance: answer.balance, transaction: answer.transaction }, outcome.statusChange, {
              classChange: outcome.classChange,
              levelReached: outcome.pointLevelReached === null ? null : { id: outcome.pointLevelReached.id, points: outcome.pointLevelReached.pointsOnReach },
            }),
          )
        : []),
    ],
  };
}

/**
 * What makes two commits "the same": member, receipt content as sent and
 * redeem. A receipt sent without a time has none in its fingerprint (null
 * where the time would be), so a retry of the same bytes is a repeat and not
 * a CONFLICT, whatever the server's clock says by then.
 */
export function commitFingerprint(memberId: string, receipt: Receipt, redeem: number, paid?: number, coupon?: string): string {
  // The SHA-256 of the JSON text of [member, store, id, at or null, redeem,
  // [[sku, qty, price, amount, noDiscount, noPoints], ...]], written out
  // directly instead of building the arrays for JSON.stringify: the bytes are
  // those JSON.stringify would make (stored fingerprints depend on them;
  // commit-receipt.test.ts holds the two equal).
  let text = `[${JSON.stringify(memberId)},${JSON.stringify(receipt.store)},${JSON.stringify(receipt.id)},`;
  text += `${receipt.atFromServer === true ? "null" : jsonNumber(receipt.at)},${jsonNumber(redeem)},[`;
  for (let index = 0; index < receipt.lines.length; index += 1) {
    const line = receipt.lines[index]!;
    text += `${index === 0 ? "" : ","}[${JSON.stringify(line.sku)},${jsonNumber(line.qty)},${jsonNumber(line.price)},${jsonNumber(line.amount)},`;
    text += `${line.noDiscount === true},${line.noPoints === true}]`;
  }
  // A coupon, when presented, ends the array (after paid, null when none): fingerprints without one are as before.
  const tail = coupon === undefined ? (paid === undefined ? "]" : `,${jsonNumber(paid)}]`) : `,${paid === undefined ? "null" : jsonNumber(paid)},${JSON.stringify(coupon)}]`;
  return hash("sha256", `${text}]${tail}`, "base64url");
}

/** A number as JSON.stringify writes it (receipt numbers are finite: validated). */
function jsonNumber(value: number): string {
  assert(Number.isFinite(value), "a fingerprinted number is finite");
  return String(value);
}


/** The answer of a calculate or commit as the shard gives it (a commit adds its transaction). */
export function calculationAnswer(
  memberId: string,
  receipt: Receipt,
  calculation: ReceiptCalculation,
  balance: number,
): CalculateResult {
  return { member: memberId, receipt: receipt.id, ...calculation, balance };
}
