// Thread: any (pure state changes); run by a shard worker thread.
import { assert } from "../../domain/assert/assert.js";
import type { CampaignPoints } from "../../domain/engine/campaign-lots.js";
import type { ShardWrite } from "../storage/shard-store.js";

/** What a campaign with a budget has given so far in a logical shard (the shard's CampaignBudgetLedger). */
export type BudgetGiven = (logicalShard: number, campaign: string) => number;

const NONE: readonly ShardWrite[] = Object.freeze([]);

/** A commit's budget records: for each campaign with a budget that gave points, its new total in the logical shard (none: a shared empty list). */
export function budgetSpentWrites(logicalShard: number, given: readonly CampaignPoints[] | null, budgetGiven: BudgetGiven | undefined): readonly ShardWrite[] {
  if (given === null || budgetGiven === undefined) return NONE;
  const writes: ShardWrite[] = [];
  for (const { campaign, points } of given) {
    if (campaign.budgetPoints === null) continue;
    writes.push({ kind: "campaignBudget", budget: { logicalShard, campaign: campaign.id, given: budgetGiven(logicalShard, campaign.id) + points } });
  }
  return writes;
}

/** A return's budget records: what it took back from budgeted campaign lots goes back to each campaign's total. */
export function budgetReturnedWrites(logicalShard: number, returned: readonly { readonly campaign: string; readonly points: number }[], budgetGiven: BudgetGiven | undefined): readonly ShardWrite[] {
  if (returned.length === 0 || budgetGiven === undefined) return NONE;
  return returned.map(({ campaign, points }) => {
    const total = budgetGiven(logicalShard, campaign) - points;
    assert(total >= 0, "a return gives a budget back no more than it gave");
    return { kind: "campaignBudget", budget: { logicalShard, campaign, given: total } };
  });
}
