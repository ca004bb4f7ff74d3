// Thread: any (pure state changes); run by a shard worker thread.
import { assert } from "../../domain/assert/assert.js";
import type { CampaignPoints } from "../../domain/engine/campaign-lots.js";
import type { BudgetedDiscount } from "../../domain/campaigns/campaign-mechanics.js";
import type { BudgetTotals, CampaignBudgetRecord, ShardWrite } from "../storage/shard-store.js";

/** What a campaign with a budget has given so far in a logical shard (the shard's CampaignBudgetLedger): points and discount. */
export type BudgetGiven = (logicalShard: number, campaign: string) => BudgetTotals;

const NONE: readonly ShardWrite[] = Object.freeze([]);

/** A campaign's record with its new totals; the discount is left out when 0 (the record's bytes are then as before discount budgets). */
function budgetWrite(logicalShard: number, campaign: string, points: number, discount: number): ShardWrite {
  assert(points >= 0 && discount >= 0, "what a campaign has given, net of returns, is never below zero");
  const budget: CampaignBudgetRecord = discount === 0 ? { logicalShard, campaign, given: points } : { logicalShard, campaign, given: points, discount };
  return { kind: "campaignBudget", budget };
}

/**
 * A commit's budget records: for each campaign with a budget that gave points
 * (a points budget) or discount (a discount budget), its new totals in the
 * logical shard, one record per campaign (none: a shared empty list).
 */
export function budgetSpentWrites(
  logicalShard: number,
  given: readonly CampaignPoints[] | null,
  budgetGiven: BudgetGiven | undefined,
  discounts: readonly BudgetedDiscount[] | null = null,
): readonly ShardWrite[] {
  if ((given === null && discounts === null) || budgetGiven === undefined) return NONE;
  // Nothing is allocated unless a campaign with a budget gave something.
  let spent: Map<string, { points: number; discount: number }> | null = null;
  for (const { campaign, points } of given ?? []) if (campaign.budgetPoints !== null) (spent ??= new Map()).set(campaign.id, { points, discount: 0 });
  for (const { campaign, discount } of discounts ?? []) {
    if (discount === 0) continue;
    spent ??= new Map();
    const entry = spent.get(campaign.id);
    if (entry === undefined) spent.set(campaign.id, { points: 0, discount });
    else entry.discount += discount;
  }
  if (spent === null) return NONE;
  const writes: ShardWrite[] = [];
  for (const [campaign, { points, discount }] of spent) {
    const before = budgetGiven(logicalShard, campaign);
    writes.push(budgetWrite(logicalShard, campaign, before.points + points, before.discount + discount));
  }
  return writes;
}

/** What a return gives back to one campaign's budgets. */
export interface BudgetReturn {
  readonly campaign: string;
  readonly points: number;
  readonly discount: number;
}

/** A return's budget records: what it took back from budgeted campaign lots, and the discount of what it returned, go back to each campaign's totals. */
export function budgetReturnedWrites(logicalShard: number, returned: readonly BudgetReturn[], budgetGiven: BudgetGiven | undefined): readonly ShardWrite[] {
  if (returned.length === 0 || budgetGiven === undefined) return NONE;
  return returned.map(({ campaign, points, discount }) => {
    const before = budgetGiven(logicalShard, campaign);
    assert(before.points >= points && before.discount >= discount, "a return gives a budget back no more than it gave");
    return budgetWrite(logicalShard, campaign, before.points - points, before.discount - discount);
  });
}

/** Points taken back from budgeted lots and discount returned, joined per campaign (both lists small: a receipt's campaigns). */
export function budgetReturns(points: readonly { readonly campaign: string; readonly points: number }[], discounts: readonly { readonly campaign: string; readonly discount: number }[]): BudgetReturn[] {
  const joined: BudgetReturn[] = points.map(({ campaign, points: each }) => ({ campaign, points: each, discount: 0 }));
  for (const { campaign, discount } of discounts) {
    const index = joined.findIndex((entry) => entry.campaign === campaign);
    const entry = joined[index];
    if (entry === undefined) joined.push({ campaign, points: 0, discount });
    else joined[index] = { ...entry, discount: entry.discount + discount };
  }
  return joined;
}
