// Thread: a shard worker thread (pure state changes, called through commitReceipt).
import { transactionIdentifier, type Account } from "../../domain/account/account.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import { commitForMember, holdKey } from "../../domain/engine/member-operations.js";
import type { ReceiptSettlement } from "../../domain/engine/receipt-settlement.js";
import { budgetSpentWrites } from "./budget-writes.js";
import { intentId, poolAccountId, type FamilyIntent } from "../../domain/family/family.js";
import { accrueLot, EMPTY_LEDGER } from "../../domain/ledger/ledger.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { CommitResult } from "../../protocol/terminal-wire.js";
import type { ReceiptRecord } from "../storage/shard-store.js";
import { receiptActivityDetail, type CommitReceiptInput, type FamilyAnswerPart, type FamilyHold } from "./commit-receipt-input.js";

export type { FamilyAnswerPart, FamilyHold };
import { familyEntryWrite } from "./family-operations.js";
import { historyWrite, refused, type OperationResult } from "./operation-result.js";
import { commitEvents, eventWrites } from "./outbox-events.js";

/** The message of FAMILY_HOLD_REQUIRED names the family, so the gateway can hold on its pool: "family <id>: ...". */
export function familyHoldRequiredMessage(family: string): string {
  return `family ${family}: a family member's redemption holds the pool's points first`;
}

export function familyOfHoldRequired(message: string): string | null {
  const match = /^family (\S+): /.exec(message);
  return match?.[1] ?? null;
}

/**
 * The member as one calculation sees them: with `points` of the pool's (held for this receipt, or
 * spendable now for a calculate) as the only points, active, of the store's partner (the pool has
 * applied the coalition policy already). Never stored: the member's own ledger stays as it is.
 */
export function withPoolPoints(account: Account, points: number, partner: string, now: number): Account {
  if (points === 0) return { ...account, ledger: EMPTY_LEDGER, balance: 0 };
  const virtual = accrueLot(EMPTY_LEDGER, { points, source: "transfer", reference: "family", partner, at: now, activatesAt: now, expiresAt: null });
  if (!virtual.ok) throw new Error(virtual.message);
  return { ...account, ledger: virtual.ledger, balance: points };
}

/**
 * A family member's commit: rules, counters and statuses on the member as for anyone; the points part
 * goes to the pool as an intent in the same log record: capture the hold the commit names (spending
 * the receipt's redeem, at most the hold's points), accrue the receipt's points as a lot of this
 * member. The member's own ledger does not change. A redeem needs a hold (FAMILY_HOLD_REQUIRED),
 * and a hold the member's shard has aborted can never be captured (FAMILY_HOLD_ABORTED).
 */
export function commitFamilyReceipt(input: CommitReceiptInput, fingerprint: string, family: string): OperationResult<CommitResult> {
  const { program, account, receipt, redeem, partner, now, cardType = null, paid, campaigns = null, familyHold, holdAborted = false, budgets, coupon } = input;
  if (familyHold === undefined && redeem > 0) return refused(failure("FAMILY_HOLD_REQUIRED", familyHoldRequiredMessage(family)));
  if (familyHold !== undefined && familyHold.family !== family) return refused(failure("NOT_IN_FAMILY", `member ${account.memberId} no longer belongs to family ${familyHold.family}`));
  if (holdAborted) return refused(failure("FAMILY_HOLD_ABORTED", "the pool's hold for this attempt was released; commit again"));
  // The pool's held points, as the member's spendable points for this one calculation (the hold applied the coalition policy).
  const held = familyHold?.points ?? 0;
  // Budgets count a family receipt's campaign points as anyone's (returns through the pool do not give them back: conservative).
  const context = { now, partner, cardType, campaigns, budgets: budgets ?? null, couponCampaign: coupon?.campaign ?? null, surveyAnswers: input.surveyAnswers ?? null };
  const outcome = commitForMember(program, withPoolPoints(account, held, partner, now), receipt, redeem, context, paid);
  if (!outcome.ok) return refused(outcome);
  const { pointLevel: _level, ...core } = outcome.account;
  // The member's own ledger and level stay as they were: the points live in the pool.
  const next: Account = { ...core, ledger: account.ledger, balance: account.balance, ...(account.pointLevel === undefined ? {} : { pointLevel: account.pointLevel }) };
  const points = outcome.calculation.points;
  const intent = receiptIntent({ account, family, familyHold, partner, now, receipt, sequence: next.sequence }, outcome.calculation.redeem, points, program);
  const transaction = transactionIdentifier(account.memberId, next.sequence);
  const answer: CommitResult & FamilyAnswerPart = {
    member: account.memberId,
    receipt: receipt.id,
    ...outcome.calculation,
    balance: 0,
    transaction,
    ...(outcome.settlement.payment === undefined ? {} : { unpaid: outcome.settlement.payment.unpaid }),
    familyIntent: { id: family, intent },
  };
  const record: ReceiptRecord = {
    logicalShard: account.logicalShard,
    store: receipt.store,
    receiptId: receipt.id,
    memberId: account.memberId,
    fingerprint,
    answer,
    // The member's settlement keeps lines and counters; lots are the pool's (its apply record says which), campaigns' included.
    settlement: familySettlement(outcome.settlement, coupon?.code),
  };
  return {
    kind: "applied",
    answer,
    account: next,
    writes: [
      { kind: "account", account: next },
      { kind: "receipt", receipt: record },
      historyWrite(next, now, "receipt", { ...receiptActivityDetail(receipt, outcome.calculation, transaction, outcome.statusChange), family }),
      familyEntryWrite(next, now, { type: "intent", intent }),
      ...budgetSpentWrites(account.logicalShard, outcome.campaignPoints, budgets?.given, outcome.campaignDiscounts),
      ...(input.events !== false ? eventWrites(next, receipt.at, commitEvents({ receipt: receipt.id, store: receipt.store, points, balance: 0, transaction, family }, outcome.statusChange, { classChange: outcome.classChange })) : []),
    ],
  };
}

/** The intent a family receipt leaves for its pool: capture the hold it names, accrue its points as a lot of this member. */
function receiptIntent(
  at: { readonly account: Account; readonly family: string; readonly familyHold: FamilyHold | undefined; readonly partner: string; readonly now: number; readonly receipt: Receipt; readonly sequence: number },
  redeem: number,
  points: number,
  program: CompiledProgram,
): FamilyIntent {
  const { account, family, familyHold, partner, now, receipt } = at;
  const rules = program.program.points;
  return {
    kind: "receipt",
    id: intentId(account.memberId, at.sequence),
    target: poolAccountId(family),
    member: account.memberId,
    at: now,
    hold: familyHold === undefined ? null : { key: familyHold.key, points: familyHold.points },
    redeem,
    partner,
    accrual:
      points === 0
        ? null
        : {
            points,
            source: "receipt",
            partner,
            reference: holdKey(receipt),
            activatesAt: now + rules.pendingDays * MILLISECONDS_PER_DAY,
            expiresAt: rules.lifetimeDays === null ? null : now + rules.lifetimeDays * MILLISECONDS_PER_DAY,
            origin: account.memberId,
          },
  };
}

/** A family receipt's settlement on its member: no lots of the member's (the pool has them), the coupon it presented. */
function familySettlement(settlement: ReceiptSettlement, coupon: string | undefined): ReceiptSettlement {
  const { campaignLots: _lots, ...rest } = settlement;
  return { ...rest, accruedLot: null, unreturnedShares: [], ...(coupon === undefined ? {} : { coupon }) };
}
