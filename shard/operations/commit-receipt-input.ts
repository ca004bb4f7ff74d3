// Thread: any (types and a pure helper of commits); used on a shard worker thread and by the bulk importer's threads.
import type { Account } from "../../domain/account/account.js";
import type { CompiledCampaigns } from "../../domain/campaigns/compiled-campaigns.js";
import type { CampaignBudgetView } from "../../domain/campaigns/campaign-budgets.js";
import type { BudgetGiven } from "./budget-writes.js";
import type { SurveyAnswerReader } from "../../domain/campaigns/segment.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import type { FamilyIntent } from "../../domain/family/family.js";
import type { Receipt, ReceiptCalculation } from "../../domain/receipt/receipt.js";
import type { ReceiptRecord } from "../storage/shard-store.js";

/**
 * What a commit works from (commit-receipt.ts, and family-commit.ts for a
 * family member's), the family's parts of it, and the history entry of a
 * committed receipt: below both, so neither imports the other for them.
 */
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
  /** The member's survey answers, given when an active campaign's audience names a survey (segment.ts); absent: such conditions hold for nobody. */
  readonly surveyAnswers?: SurveyAnswerReader | null;
  /** A coupon presented (its use counted on its own shard), and the campaign it unlocks: part of the fingerprint; kept in the settlement, so a cancel names it. */
  readonly coupon?: { readonly code: string; readonly campaign: string };
  /** A family member's commit: the pool's hold it names (family-commit.ts); not part of the fingerprint. */
  readonly familyHold?: FamilyHold;
  /** The member's shard has aborted that hold (its marker record exists): the commit may not capture it. */
  readonly holdAborted?: boolean;
}

/** The pool's hold a family member's commit names (the gateway made it on the pool's shard first). */
export interface FamilyHold {
  readonly family: string;
  readonly key: string;
  readonly points: number;
}

/** What a family receipt's stored answer carries besides the commit's fields: the family and the intent for the pool. */
export interface FamilyAnswerPart {
  readonly familyIntent: { readonly id: string; readonly intent: FamilyIntent };
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
