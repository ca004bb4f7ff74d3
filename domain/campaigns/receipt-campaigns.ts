// Thread: any; pure domain (no I/O, no clock: time is passed in).
import type { Account } from "../account/account.js";
import type { Standing } from "../engine/standing.js";
import type { Receipt } from "../receipt/receipt.js";
import type { CompiledCampaign, CompiledCampaigns } from "./compiled-campaigns.js";
import { segmentHolds, type SurveyAnswerReader } from "./segment.js";
import { purchaseNumberInCampaign } from "./campaign-purchases.js";
import { budgetsLeft, discountBudgetsLeft, type CampaignBudgetView } from "./campaign-budgets.js";

const NONE: readonly CompiledCampaign[] = Object.freeze([]);

/** The campaigns that price one receipt, and the version they come from. */
export interface ReceiptCampaigns {
  readonly campaigns: readonly CompiledCampaign[];
  readonly version: number;
  /**
   * Beside `campaigns`, which purchase in that campaign's own period the
   * receipt is (1 for the first; campaign-purchases.ts); null when none of
   * them counts purchases.
   */
  readonly purchaseNumbers: readonly number[] | null;
  /** Beside `campaigns`, the points each may still give under its budget (null: no budget); null when none has one. */
  readonly budgetLeft: readonly (number | null)[] | null;
  /** Beside `campaigns`, the discount each may still give under its discount budget (null: none); null when none has one. */
  readonly discountBudgetLeft: readonly (number | null)[] | null;
}

/**
 * The active campaigns whose period holds the receipt's time and whose
 * audience holds for the member at that time (evaluated now, on what the
 * shard holds: the account before this receipt and the standing it is
 * priced on). No campaign active: the shared empty list, nothing allocated.
 */
export function campaignsForReceipt(
  compiled: CompiledCampaigns,
  account: Account,
  standing: Standing,
  cardType: string | null,
  receipt: Receipt,
  budgets: CampaignBudgetView | null = null,
  /** The campaign a coupon the receipt presents unlocks (coupons.ts); null: none. */
  couponCampaign: string | null = null,
  /** The member's survey answers, given when `compiled.readsSurveys` (segment.ts); null: survey conditions hold for nobody. */
  surveyAnswers: SurveyAnswerReader | null = null,
): ReceiptCampaigns {
  if (compiled.empty) return { campaigns: NONE, version: compiled.version, purchaseNumbers: null, budgetLeft: null, discountBudgetLeft: null };
  const at = receipt.at;
  const subject = {
    at,
    createdAt: account.createdAt,
    birthDate: account.profile.birthDate,
    counters: account.counters,
    standing,
    cardType,
    balance: account.balance,
    dates: compiled.dates,
    surveyAnswers,
  };
  const applying: CompiledCampaign[] = [];
  let counting = false;
  for (const campaign of compiled.active) {
    if (at < campaign.startsAt || at >= campaign.endsAt) continue;
    if (campaign.couponOnly && campaign.id !== couponCampaign) continue;
    if (campaign.audience !== null && !segmentHolds(campaign.audience, subject)) continue;
    applying.push(campaign);
    if (campaign.countsPurchases) counting = true;
  }
  const purchaseNumbers = counting ? applying.map((campaign) => purchaseNumberInCampaign(account.campaignPurchases, campaign)) : null;
  return { campaigns: applying, version: compiled.version, purchaseNumbers, budgetLeft: budgetsLeft(applying, budgets), discountBudgetLeft: discountBudgetsLeft(applying, budgets) };
}
