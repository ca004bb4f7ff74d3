// Thread: any; pure domain (no I/O, no clock).
import { assert } from "../assert/assert.js";
import type { CompiledCampaign } from "./compiled-campaigns.js";

/**
 * Budgets (docs/campaigns.md, "Budgets"). A campaign with `budgetPoints`
 * gives at most that many points in all, net of returns, although every
 * shard thread applies it at once without asking any other. The budget is
 * split into conservative shares: a shard thread owning n of the L logical
 * shards may give floor(budget x n / L) points, counting what its logical
 * shards have given (each logical shard keeps its own total, written in the
 * same log record as the receipt that gave them). The shares add up to at
 * most the budget, so the campaign is never overspent, with no message
 * between threads on a receipt's path. The price: a thread whose share is
 * spent stops giving while another may still have some of its own.
 *
 * A discount budget (`budgetDiscount`, minor units) is split and counted the
 * same way, beside the points in the same records: a discount mechanic gives
 * at most what is left of its thread's share (campaign-mechanics.ts).
 */

/** What a shard tells a calculation about budgets: the points a campaign may still give here. */
export interface CampaignBudgetView {
  /** Points the campaign may still give on this shard thread (its share less what its logical shards gave); only asked for campaigns with a budget. */
  pointsLeft(campaign: CompiledCampaign): number;
  /** Discount, minor units, the campaign may still give on this shard thread; only asked for campaigns with a discount budget. */
  discountLeft(campaign: CompiledCampaign): number;
}

/** A shard thread's share of a budget: floor(budget x owned / total), so the shares of all threads add up to at most the budget. */
export function budgetShare(budgetPoints: number, ownedLogicalShards: number, logicalShardCount: number): number {
  assert(ownedLogicalShards >= 0 && ownedLogicalShards <= logicalShardCount, "a thread owns some of the logical shards");
  const share = Math.floor((budgetPoints * ownedLogicalShards) / logicalShardCount);
  assert(Number.isSafeInteger(budgetPoints * ownedLogicalShards), "a budget's share is computed exactly");
  return share;
}

/** Beside the campaigns that price a receipt, the points each may still give (null: no budget); null when none has a budget. */
export function budgetsLeft(campaigns: readonly CompiledCampaign[], view: CampaignBudgetView | null): (number | null)[] | null {
  if (view === null) return null;
  let any = false;
  for (const campaign of campaigns) if (campaign.budgetPoints !== null) any = true;
  if (!any) return null;
  return campaigns.map((campaign) => (campaign.budgetPoints === null ? null : Math.max(0, view.pointsLeft(campaign))));
}

/** Beside the campaigns that price a receipt, the discount each may still give under its discount budget (null: none); null when none has one. */
export function discountBudgetsLeft(campaigns: readonly CompiledCampaign[], view: CampaignBudgetView | null): (number | null)[] | null {
  if (view === null) return null;
  let any = false;
  for (const campaign of campaigns) if (campaign.budgetDiscount !== null) any = true;
  if (!any) return null;
  return campaigns.map((campaign) => (campaign.budgetDiscount === null ? null : Math.max(0, view.discountLeft(campaign))));
}
