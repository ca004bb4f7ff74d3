// Thread: any (pure state changes); run by a shard worker thread and by the bulk importer's threads.
import { hash } from "node:crypto";
import { assert } from "../../domain/assert/assert.js";
import { transactionIdentifier, type Account } from "../../domain/account/account.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import type { CompiledCampaigns } from "../../domain/campaigns/compiled-campaigns.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { commitForMember } from "../../domain/engine/member-operations.js";
import type { Receipt, ReceiptCalculation } from "../../domain/receipt/receipt.js";
import type { ReceiptRecord } from "../storage/shard-store.js";
import type { CalculateResult, CommitResult } from "../../protocol/terminal-wire.js";
import { crossPartnerPoints } from "../../domain/engine/partner-settlement.js";
import { historyWrite, refused, storedAnswer, type OperationResult } from "./operation-result.js";
import { settlementWrites } from "./settlement-writes.js";
import { budgetSpentWrites, type BudgetGiven } from "./budget-writes.js";
import type { CampaignBudgetView } from "../../domain/campaigns/campaign-budgets.js";
import { commitEvents, eventWrites } from "./outbox-events.js";
import { commitFamilyReceipt, type FamilyHold } from "./family-commit.js";

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
  /** The type of the card presented (null: none); not part of the fingerprint: a retry gets the first answer whatever the card's type is by then. */
  readonly cardType?: string | null;
  /** The money paid now, for a receipt paid in part; absent: paid in full. Part of the fingerprint. */
  readonly paid?: number;
  readonly now: number;
  /** The campaigns version in force; absent or null: none. */
  readonly campaigns?: CompiledCampaigns | null;
  /** Write the commit's events to the outbox (default true; the bulk importer's history is not news). */
  readonly events?: boolean;
  /** What campaigns with a budget may still give on this shard, and have given per logical shard (the shard's CampaignBudgetLedger); absent: none kept. */
  readonly budgets?: CampaignBudgetView & { readonly given: BudgetGiven };
  /** A coupon presented (its use counted on its own shard), and the campaign it unlocks: part of the fingerprint; kept in the settlement, so a cancel names it. */
  readonly coupon?: { readonly code: string; readonly campaign: string };
  /** A family member's commit: the pool's hold it names (family-commit.ts); not part of the fingerprint. */
  readonly familyHold?: FamilyHold;
  /** The member's shard has aborted that hold (its marker record exists): the commit may not capture it. */
  readonly holdAborted?: boolean;
}

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
  const outcome = commitForMember(program, account, receipt, redeem, { now, partner, cardType, campaigns, budgets: budgets ?? null, couponCampaign: coupon?.campaign ?? null }, paid);
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
      ...budgetSpentWrites(account.logicalShard, outcome.campaignPoints, budgets?.given),
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
): CalculateResult {
  return { member: memberId, receipt: receipt.id, ...calculation, balance };
}
