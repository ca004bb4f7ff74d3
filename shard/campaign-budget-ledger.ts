// Thread: a shard worker thread (the ShardActor's).
import { assert } from "../domain/assert/assert.js";
import { budgetShare, type CampaignBudgetView } from "../domain/campaigns/campaign-budgets.js";
import type { CompiledCampaign } from "../domain/campaigns/compiled-campaigns.js";
import { LOGICAL_SHARD_COUNT } from "../domain/placement/shard-function.js";
import type { BudgetTotals, CampaignBudgetRecord } from "./storage/shard-store.js";

/** What is known of one campaign on this thread: given by logical shard (only those with a record), and the sums. */
interface CampaignGiven {
  readonly byLogicalShard: Map<number, BudgetTotals>;
  points: number;
  discount: number;
}

/** A campaign's budget as the admin sees one shard thread's part of it: its shares and what its logical shards gave. */
export interface BudgetStanding {
  readonly share: number;
  readonly given: number;
  readonly discountShare: number;
  readonly discountGiven: number;
}

/**
 * A shard thread's view of campaign budgets (domain/campaigns/campaign-budgets.ts):
 * its share of each budget (points and discount) and what its logical shards
 * have given. The durable truth is each logical shard's record (written in the
 * log record of the receipt or return that changed it); this keeps them in
 * memory, read once per campaign (one read per owned logical shard) on its
 * first receipt and kept current as the records are applied. A shard thread is
 * the only writer of its logical shards' records, so nothing changes behind
 * its back.
 */
export class CampaignBudgetLedger implements CampaignBudgetView {
  private readonly campaigns = new Map<string, CampaignGiven>();

  constructor(
    private readonly owned: readonly number[],
    private readonly read: (logicalShard: number, campaign: string) => BudgetTotals,
  ) {}

  pointsLeft(campaign: CompiledCampaign): number {
    assert(campaign.budgetPoints !== null, "only a campaign with a budget has points left");
    return budgetShare(campaign.budgetPoints, this.owned.length, LOGICAL_SHARD_COUNT) - this.of(campaign.id).points;
  }

  discountLeft(campaign: CompiledCampaign): number {
    assert(campaign.budgetDiscount !== null, "only a campaign with a discount budget has discount left");
    return budgetShare(campaign.budgetDiscount, this.owned.length, LOGICAL_SHARD_COUNT) - this.of(campaign.id).discount;
  }

  /** This thread's shares of a campaign's budgets (0 for a budget it has not), and what its logical shards have given (the admin's view). */
  standing(campaign: string, budgetPoints: number | null, budgetDiscount: number | null = null): BudgetStanding {
    const given = this.of(campaign);
    const shareOf = (budget: number | null): number => (budget === null ? 0 : budgetShare(budget, this.owned.length, LOGICAL_SHARD_COUNT));
    return { share: shareOf(budgetPoints), given: given.points, discountShare: shareOf(budgetDiscount), discountGiven: given.discount };
  }

  /** What the campaign has given in this logical shard, net of returns. */
  readonly given = (logicalShard: number, campaign: string): BudgetTotals => this.of(campaign).byLogicalShard.get(logicalShard) ?? NOTHING;

  /** A budget record was logged and applied: the new totals of its logical shard. */
  applied(record: CampaignBudgetRecord): void {
    const entry = this.of(record.campaign);
    const before = entry.byLogicalShard.get(record.logicalShard) ?? NOTHING;
    const after = { points: record.given, discount: record.discount ?? 0 };
    entry.points += after.points - before.points;
    entry.discount += after.discount - before.discount;
    entry.byLogicalShard.set(record.logicalShard, after);
  }

  /** Forgets what it read (a new campaigns version may drop campaigns): read again on next use. */
  forget(): void {
    this.campaigns.clear();
  }

  /** What is known of a campaign, read from the logical shards' records the first time. */
  private of(campaign: string): CampaignGiven {
    const known = this.campaigns.get(campaign);
    if (known !== undefined) return known;
    const entry: CampaignGiven = { byLogicalShard: new Map<number, BudgetTotals>(), points: 0, discount: 0 };
    for (const logicalShard of this.owned) {
      const given = this.read(logicalShard, campaign);
      if (given.points === 0 && given.discount === 0) continue;
      entry.byLogicalShard.set(logicalShard, given);
      entry.points += given.points;
      entry.discount += given.discount;
    }
    this.campaigns.set(campaign, entry);
    return entry;
  }
}

const NOTHING: BudgetTotals = Object.freeze({ points: 0, discount: 0 });
