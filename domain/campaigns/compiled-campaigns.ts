import type { Campaign, CampaignInstant, CampaignSet, Segment, SegmentCondition } from "../../protocol/campaign-document.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import { localMidnightOf, LocalDateReader } from "./local-date.js";
import { groupTriggers, type CompiledTrigger, type CompiledTriggers } from "./compiled-triggers.js";
import type { CompiledCampaign } from "./compiled-campaign.js";

export type { CompiledCampaign, CompiledDiscountMechanic, CompiledPointsMechanic } from "./compiled-campaign.js";


/**
 * A campaigns version prepared for the hot path, against the program's time
 * zone (dates are local midnights there): only the active campaigns are
 * kept, in document order. A shard keeps one and swaps it between two
 * messages (setCampaigns), and builds it again when the program changes.
 */
export class CompiledCampaigns {
  readonly version: number;
  /** The active campaigns with receipt mechanics: those a receipt looks at. */
  readonly active: readonly CompiledCampaign[];
  /** The active campaigns' triggers, by kind (compiled-triggers.ts). */
  readonly triggers: CompiledTriggers;
  readonly dates: LocalDateReader;
  /** The program's time zone the dates are local to. */
  readonly timeZone: string;
  /** Whether an active campaign's audience names a survey: only then does a receipt read the member's survey answers. */
  readonly readsSurveys: boolean;

  constructor(
    set: CampaignSet,
    timeZone: string,
    /** A dry run's draft, priced as if active; with `draftAnyTime`, as if its period held every receipt (a preview over past receipts). */
    options: { readonly draft?: Campaign; readonly draftAnyTime?: boolean } = {},
  ) {
    this.version = set.version;
    this.dates = new LocalDateReader(timeZone);
    this.timeZone = timeZone;
    const segments = new Map<string, Segment>(set.segments.map((segment) => [segment.id, segment]));
    // A preview prices with the draft as if it were active, in place of a stored campaign of its id.
    const campaigns = options.draft === undefined ? set.campaigns : [...set.campaigns.filter((campaign) => campaign.id !== options.draft?.id), options.draft];
    const active: CompiledCampaign[] = [];
    const triggers: CompiledTrigger[] = [];
    for (const campaign of campaigns) {
      if (campaign.state !== "active" && campaign !== options.draft) continue;
      const made = compileCampaign(campaign, segments, timeZone);
      const compiled = campaign === options.draft && options.draftAnyTime === true ? { ...made, startsAt: Number.MIN_SAFE_INTEGER, endsAt: Number.MAX_SAFE_INTEGER } : made;
      // A trigger-only campaign (no mechanics) is not among the receipt's: a receipt does no work for it.
      if (campaign.mechanics.length > 0) active.push(compiled);
      const trigger = campaign.trigger;
      if (trigger !== undefined && campaign !== options.draft) {
        triggers.push({
          campaign: compiled,
          kind: trigger.kind,
          points: trigger.points,
          lifetimeDays: trigger.lifetimeDays ?? campaign.pointsLifetimeDays ?? null,
          status: trigger.status ?? null,
          date: trigger.date ?? null,
        });
      }
    }
    this.active = active;
    this.triggers = groupTriggers(triggers);
    this.readsSurveys = active.some((campaign) => campaign.audience !== null && namesSurvey(campaign.audience));
  }

  /** Whether no campaign can apply: the hot path's one test when there are none. */
  get empty(): boolean {
    return this.active.length === 0;
  }
}

/** Whether a condition has an `answeredSurvey` part (bounded: the validator limits depth and size). */
export function namesSurvey(condition: SegmentCondition): boolean {
  if ("answeredSurvey" in condition) return true;
  if ("all" in condition) return condition.all.some(namesSurvey);
  if ("any" in condition) return condition.any.some(namesSurvey);
  if ("not" in condition) return namesSurvey(condition.not);
  return false;
}

function compileCampaign(campaign: Campaign, segments: ReadonlyMap<string, Segment>, timeZone: string): CompiledCampaign {
  const skuSet = (skus: readonly string[] | null): ReadonlySet<string> | null => (skus === null ? null : new Set(skus));
  return {
    id: campaign.id,
    rule: `campaign:${campaign.id}`,
    partner: campaign.partner,
    startsAt: instantOf(campaign.start, timeZone, false),
    endsAt: instantOf(campaign.end, timeZone, true),
    // An audience naming a segment that is gone (the validator prevents it) reaches nobody.
    audience: campaign.audience === null ? null : (segments.get(campaign.audience)?.when ?? { any: [] }),
    points: campaign.mechanics.flatMap((mechanic) =>
      mechanic.kind === "points"
        ? [{ ...mechanic, skus: skuSet(mechanic.skus) }]
        : [],
    ),
    discounts: campaign.mechanics.flatMap((mechanic) => (mechanic.kind === "discount" ? [{ basisPoints: mechanic.basisPoints, skus: skuSet(mechanic.skus) }] : [])),
    countsPurchases: campaign.mechanics.some((mechanic) => mechanic.kind === "points" && mechanic.everyPurchases !== null),
    budgetPoints: campaign.budgetPoints ?? null,
    budgetDiscount: campaign.budgetDiscount ?? null,
    pointsLifetimeDays: campaign.pointsLifetimeDays ?? null,
    couponOnly: campaign.couponOnly === true,
  };
}

/** Epoch milliseconds as given; a date's local midnight (its end: the next local midnight). */
export function instantOf(instant: CampaignInstant, timeZone: string, end: boolean): number {
  if (typeof instant === "number") return instant;
  if (!end) return localMidnightOf(instant, timeZone);
  // The end of the date's day: the local midnight of the next date.
  const next = new Date(Date.parse(`${instant}T00:00:00Z`) + MILLISECONDS_PER_DAY).toISOString().slice(0, 10);
  return localMidnightOf(next, timeZone);
}
