import type { Campaign, CampaignInstant, CampaignMechanic, CampaignState, CampaignTrigger } from "../../protocol/campaign-document.js";
import { formatBasisPoints, formatPoints } from "./format.js";

/** A campaign's start or end as the document has it: a local date as written, epoch ms as a UTC time. */
export function formatInstant(instant: CampaignInstant): string {
  return typeof instant === "string" ? instant : new Date(instant).toISOString().replace(/:\d\d\.\d{3}Z$/, " UTC").replace("T", " ");
}

/** `2026-03-01 – 2026-03-31`: a date end is the end of that day, so both dates are included. */
export function formatPeriod(campaign: Pick<Campaign, "start" | "end">): string {
  return `${formatInstant(campaign.start)} – ${formatInstant(campaign.end)}`;
}

/** One mechanic in a few words (an optional field may be null or absent, as the document allows: `== null`): `+5 % points`, `+100 points every 3rd purchase`, `10 % off (2 SKUs)`. */
export function mechanicSummary(mechanic: CampaignMechanic): string {
  const skus = mechanic.skus == null ? "" : ` (${mechanic.skus.length} SKU${mechanic.skus.length === 1 ? "" : "s"})`;
  if (mechanic.kind === "discount") return `${formatBasisPoints(mechanic.basisPoints)} off${skus}`;
  const amount = mechanic.rateBasisPoints != null ? `+${formatBasisPoints(mechanic.rateBasisPoints)} points` : `+${formatPoints(mechanic.fixedPoints ?? 0)} points`;
  const total = mechanic.receiptTotalAtLeast == null ? "" : ` on receipts of ${formatPoints(mechanic.receiptTotalAtLeast)}+`;
  const every = mechanic.everyPurchases == null ? "" : ` every ${ordinal(mechanic.everyPurchases)} purchase`;
  return `${amount}${skus}${total}${every}`;
}

/** A campaign's mechanics, `;`-separated, with `coupon only` when it applies only with its coupons; `none` for a trigger-only campaign. */
export function mechanicsSummary(campaign: Pick<Campaign, "mechanics" | "couponOnly">): string {
  const parts = campaign.mechanics.map(mechanicSummary);
  if (campaign.couponOnly === true) parts.push("coupon only");
  return parts.length === 0 ? "none" : parts.join("; ");
}

/** `birthday: 500 points`, `statusReached gold: 100 points`, `oneTime 2026-05-01: 50 points`. */
export function triggerSummary(trigger: CampaignTrigger | undefined): string {
  if (trigger === undefined) return "—";
  const detail = trigger.status ?? trigger.date;
  return `${trigger.kind}${detail === undefined ? "" : ` ${detail}`}: ${formatPoints(trigger.points)} points`;
}

export type StateAction = { readonly label: "Activate" | "Pause" | "End"; readonly state: CampaignState };

/** The state changes offered for a campaign: Activate unless active, Pause when active, End unless ended. */
export function stateActions(state: CampaignState): readonly StateAction[] {
  const actions: StateAction[] = [];
  if (state !== "active") actions.push({ label: "Activate", state: "active" });
  if (state === "active") actions.push({ label: "Pause", state: "paused" });
  if (state !== "ended") actions.push({ label: "End", state: "ended" });
  return actions;
}

/** A client id for a write that must happen once per click (a coupon's revoke): unique per click, so a retry of the same request is not a second one. */
export function newClientId(now: number, random: () => number = Math.random): string {
  return `console-${now.toString(36)}-${Math.floor(random() * 2 ** 40).toString(36)}`;
}

function ordinal(count: number): string {
  const tens = count % 100;
  if (tens >= 11 && tens <= 13) return `${count}th`;
  return `${count}${["th", "st", "nd", "rd"][count % 10] ?? "th"}`;
}
