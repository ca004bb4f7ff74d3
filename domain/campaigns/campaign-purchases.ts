// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import type { CampaignPurchaseCount } from "../account/account.js";
import type { CompiledCampaign } from "./compiled-campaigns.js";

/*
 * A member's purchases in one campaign's own period, for the campaign's
 * "every k-th purchase" mechanics (docs/campaigns.md). Kept in the account
 * (Account.campaignPurchases) only for members who bought while such a
 * campaign applied to them; the campaign's start is part of a counter's
 * identity, so a campaign whose period is moved counts again from zero.
 */
export type { CampaignPurchaseCount };

/** Which counter a receipt added to (kept in its settlement, so that a cancel takes exactly that back). */
export interface CountedPurchase {
  readonly campaign: string;
  readonly startsAt: number;
}

/**
 * Counters kept per account: one per campaign, and a campaigns document holds
 * at most CAMPAIGNS_MAX (64) campaigns; only counters of campaigns that have
 * ended or were deleted go beyond it, and those are dropped first.
 */
export const CAMPAIGN_PURCHASE_COUNTERS_MAX = 64;

/**
 * How long a counter is kept after its campaign's end: a receipt that reaches
 * the shard late (an offline lane's, sent days after) still counts in the
 * campaign's period while its counter is kept. 31 days: a month of a lane
 * offline, as late receipts in the program's periods.
 */
export const CAMPAIGN_PURCHASES_KEPT_AFTER_END_MILLISECONDS = 31 * MILLISECONDS_PER_DAY;

const NO_COUNTS: readonly CampaignPurchaseCount[] = Object.freeze([]);

/** The counter of this campaign's current period, if the member has one. */
function counterOf(counts: readonly CampaignPurchaseCount[] | undefined, campaign: CompiledCampaign): CampaignPurchaseCount | undefined {
  if (counts === undefined) return undefined;
  for (const count of counts) if (count.campaign === campaign.id && count.startsAt === campaign.startsAt) return count;
  return undefined;
}

/** Which purchase in the campaign's own period a receipt is: 1 for the first. */
export function purchaseNumberInCampaign(counts: readonly CampaignPurchaseCount[] | undefined, campaign: CompiledCampaign): number {
  return (counterOf(counts, campaign)?.count ?? 0) + 1;
}

/**
 * The counters after a committed receipt at `at` that these campaigns applied
 * to: each campaign that counts purchases gains one (a new counter if none),
 * counters ended more than CAMPAIGN_PURCHASES_KEPT_AFTER_END_MILLISECONDS
 * before `at` are dropped, and beyond CAMPAIGN_PURCHASE_COUNTERS_MAX the
 * earliest ending go. Returns null when no campaign counts purchases: the
 * account is left as it is.
 */
export function countCampaignPurchases(
  counts: readonly CampaignPurchaseCount[] | undefined,
  campaigns: readonly CompiledCampaign[],
  at: number,
): { readonly counts: readonly CampaignPurchaseCount[]; readonly counted: readonly CountedPurchase[] } | null {
  let counted: CountedPurchase[] | null = null;
  for (const campaign of campaigns) {
    if (!campaign.countsPurchases) continue;
    counted ??= [];
    counted.push({ campaign: campaign.id, startsAt: campaign.startsAt });
  }
  if (counted === null) return null;
  const kept = (counts ?? NO_COUNTS).filter((count) => count.endsAt + CAMPAIGN_PURCHASES_KEPT_AFTER_END_MILLISECONDS > at);
  const next: CampaignPurchaseCount[] = [];
  for (const count of kept) {
    const campaign = campaigns.find((candidate) => candidate.countsPurchases && candidate.id === count.campaign);
    // A counter of an earlier period of a campaign that now counts another one is replaced.
    if (campaign !== undefined && campaign.startsAt !== count.startsAt) continue;
    next.push(campaign === undefined ? count : { ...count, endsAt: campaign.endsAt, count: count.count + 1 });
  }
  for (const campaign of campaigns) {
    if (campaign.countsPurchases && !next.some((count) => count.campaign === campaign.id)) {
      next.push({ campaign: campaign.id, startsAt: campaign.startsAt, endsAt: campaign.endsAt, count: 1 });
    }
  }
  if (next.length > CAMPAIGN_PURCHASE_COUNTERS_MAX) {
    const applying = new Set(counted.map((entry) => entry.campaign));
    const others = next.filter((count) => !applying.has(count.campaign)).sort((left, right) => left.endsAt - right.endsAt);
    const dropped = new Set(others.slice(0, next.length - CAMPAIGN_PURCHASE_COUNTERS_MAX));
    return { counts: next.filter((count) => !dropped.has(count)), counted };
  }
  return { counts: next, counted };
}

/** The counters after a cancel takes back the purchases its receipt counted (those still kept). */
export function uncountCampaignPurchases(counts: readonly CampaignPurchaseCount[] | undefined, counted: readonly CountedPurchase[]): readonly CampaignPurchaseCount[] | undefined {
  if (counts === undefined) return undefined;
  const next = counts.map((count) => {
    const taken = counted.some((entry) => entry.campaign === count.campaign && entry.startsAt === count.startsAt);
    // A counter dropped and made again by a late receipt may count fewer than the receipts cancelled since: never below zero.
    if (!taken || count.count === 0) return count;
    return { ...count, count: count.count - 1 };
  });
  return next;
}
