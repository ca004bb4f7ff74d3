// Thread: a shard worker thread (the ShardActor's).
import { assert } from "../domain/assert/assert.js";
import { budgetShare, type CampaignBudgetView } from "../domain/campaigns/campaign-budgets.js";
import type { CompiledCampaign } from "../domain/campaigns/compiled-campaigns.js";
import { LOGICAL_SHARD_COUNT } from "../domain/placement/shard-function.js";
import type { CampaignBudgetRecord } from "./storage/shard-store.js";

/**
 * A shard thread's view of campaign budgets (domain/campaigns/campaign-budgets.ts):
 * its share of each budget and what its logical shards have given. The
 * durable truth is each logical shard's record (written in the log record of
 * the receipt or return that changed it); this keeps them in memory, read
 * once per campaign (one read per owned logical shard) on its first receipt
 * and kept current as the records are applied. A shard thread is the only
 * writer of its logical shards' records, so nothing changes behind its back.
 */
export class CampaignBudgetLedger implements CampaignBudgetView {
  /** Per campaign: given by logical shard (only those with a record), and their sum. */
  private readonly campaigns = new Map<string, { readonly byLogicalShard: Map<number, number>; total: number }>();

  constructor(
    private readonly owned: readonly number[],
    private readonly read: (logicalShard: number, campaign: string) => number,
  ) {}

  pointsLeft(campaign: CompiledCampaign): number {
    assert(campaign.budgetPoints !== null, "only a campaign with a budget has points left");
    return budgetShare(campaign.budgetPoints, this.owned.length, LOGICAL_SHARD_COUNT) - this.of(campaign.id).total;
  }

  /** This thread's share of a budget, and what its logical shards have given of it (the admin's view). */
  standing(campaign: string, budgetPoints: number): { readonly share: number; readonly given: number } {
    return { share: budgetShare(budgetPoints, this.owned.length, LOGICAL_SHARD_COUNT), given: this.of(campaign).total };
  }

  /** What the campaign has given in this logical shard, net of returns. */
  readonly given = (logicalShard: number, campaign: string): number => this.of(campaign).byLogicalShard.get(logicalShard) ?? 0;

  /** A budget record was logged and applied: the new total of its logical shard. */
  applied(record: CampaignBudgetRecord): void {
    const entry = this.of(record.campaign);
    entry.total += record.given - (entry.byLogicalShard.get(record.logicalShard) ?? 0);
    entry.byLogicalShard.set(record.logicalShard, record.given);
  }

  /** Forgets what it read (a new campaigns version may drop campaigns): read again on next use. */
  forget(): void {
    this.campaigns.clear();
  }

  /** What is known of a campaign, read from the logical shards' records the first time. */
  private of(campaign: string): { readonly byLogicalShard: Map<number, number>; total: number } {
    const known = this.campaigns.get(campaign);
    if (known !== undefined) return known;
    const byLogicalShard = new Map<number, number>();
    let total = 0;
    for (const logicalShard of this.owned) {
      const given = this.read(logicalShard, campaign);
      if (given === 0) continue;
      byLogicalShard.set(logicalShard, given);
      total += given;
    }
    const entry = { byLogicalShard, total };
    this.campaigns.set(campaign, entry);
    return entry;
  }
}
