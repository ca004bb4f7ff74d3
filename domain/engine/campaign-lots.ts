// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { assert } from "../assert/assert.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import type { Outcome } from "../../protocol/errors/loycore-error.js";
import { accrueLot, revokeLot, type DebtPolicy, type Ledger } from "../ledger/ledger.js";
import { allocateWithCaps } from "../money/allocate-with-caps.js";
import type { AppliedRule, Receipt } from "../receipt/receipt.js";
import type { CompiledCampaign } from "../campaigns/compiled-campaigns.js";
import type { CompiledProgram } from "./compiled-program.js";

/**
 * A campaign's points on a receipt are a lot of their own (source
 * "campaign"), issued by the partner that funds the campaign: so the
 * detailed balance shows them apart, and settlement between partners
 * charges the funding partner when they are redeemed elsewhere. The rest of
 * the receipt's points keep the receipt's lot (the store's partner). A
 * return takes points back from all of them (revokeReceiptPoints, below); a
 * cancel, exactly what each has left.
 */

/** A campaign's points on one receipt, in a lot of their own, and how many of them returns took back. */
export interface CampaignLotSettled {
  readonly lot: number;
  readonly points: number;
  readonly revoked: number;
  readonly campaign: string;
  /** Whether the points counted against the campaign's budget: a return then gives them back to it. */
  readonly budgeted: boolean;
}

/** What one campaign gave a receipt in points, by the rules that cite it. */
export interface CampaignPoints {
  readonly campaign: CompiledCampaign;
  readonly points: number;
}

/** Per campaign (in the given order), the points its rules gave; only campaigns that gave some. */
export function pointsByCampaign(rules: readonly AppliedRule[], campaigns: readonly CompiledCampaign[]): CampaignPoints[] {
  const given: CampaignPoints[] = [];
  for (const campaign of campaigns) {
    let points = 0;
    for (const rule of rules) if (rule.rule === campaign.rule && rule.points !== undefined && rule.effect !== "discount") points += rule.points;
    if (points > 0) given.push({ campaign, points });
  }
  return given;
}

/** A campaign lot's reference: the receipt's [store, id] and the campaign's rule, as JSON. */
export function campaignLotReference(receipt: Receipt, campaign: CompiledCampaign): string {
  return JSON.stringify([receipt.store, receipt.id, campaign.rule]);
}

/** The campaigns' lots of a receipt: the program's pending window, the campaign's lifetime (else the program's), the funding partner. */
export function accrueCampaignLots(
  compiled: CompiledProgram,
  ledger: Ledger,
  receipt: Receipt,
  given: readonly CampaignPoints[],
  now: number,
): Outcome<{ readonly ledger: Ledger; readonly lots: readonly CampaignLotSettled[] }, "LEDGER_LIMIT"> {
  const rules = compiled.program.points;
  let next = ledger;
  const lots: CampaignLotSettled[] = [];
  for (const { campaign, points } of given) {
    // Counted from the accrual, as a receipt's lot's.
    const lifetime = campaign.pointsLifetimeDays ?? rules.lifetimeDays;
    const accrued = accrueLot(next, {
      points,
      source: "campaign",
      reference: campaignLotReference(receipt, campaign),
      partner: campaign.partner,
      at: now,
      activatesAt: now + rules.pendingDays * MILLISECONDS_PER_DAY,
      expiresAt: lifetime === null ? null : now + lifetime * MILLISECONDS_PER_DAY,
    });
    if (!accrued.ok) return accrued;
    next = accrued.ledger;
    lots.push({ lot: accrued.lot.id, points, revoked: 0, campaign: campaign.id, budgeted: campaign.budgetPoints !== null });
  }
  return { ok: true, ledger: next, lots };
}

/**
 * Takes `points` of a return back from the receipt's lots: its own lot and
 * its campaigns' lots, in proportion to what each was given, none beyond
 * what it has left to give back; a cancel (everything left) takes exactly
 * what each has left. `returnedBefore`: the points earlier returns took.
 */
/** Per campaign with a budget, the points a return took back from its lots: what goes back to its budget. */
export function budgetReturned(before: readonly CampaignLotSettled[] | undefined, after: readonly CampaignLotSettled[] | undefined): { readonly campaign: string; readonly points: number }[] {
  const returned: { campaign: string; points: number }[] = [];
  if (before === undefined || after === undefined) return returned;
  for (let index = 0; index < after.length; index += 1) {
    const lot = after[index] as CampaignLotSettled;
    const points = lot.revoked - (before[index]?.revoked ?? 0);
    if (lot.budgeted && points > 0) returned.push({ campaign: lot.campaign, points });
  }
  return returned;
}

/** Takes `points` back from a receipt's own lot and its campaigns' lots, in proportion to what each gave (returns, cancels). */
export function revokeReceiptPoints(
  ledger: Ledger,
  settlement: { readonly accruedLot: number | null; readonly campaignLots?: readonly CampaignLotSettled[] },
  totalPoints: number,
  returnedBefore: number,
  points: number,
  now: number,
  policy: DebtPolicy,
): Outcome<{ readonly ledger: Ledger; readonly debtAdded: number; readonly campaignLots: readonly CampaignLotSettled[] | undefined }> {
  const campaignLots = settlement.campaignLots ?? [];
  let campaignGiven = 0;
  let campaignRevoked = 0;
  for (const lot of campaignLots) {
    campaignGiven += lot.points;
    campaignRevoked += lot.revoked;
  }
  // Index 0: the receipt's own lot; then the campaigns' lots.
  const weights = [totalPoints - campaignGiven, ...campaignLots.map((lot) => lot.points)];
  const caps = [totalPoints - campaignGiven - (returnedBefore - campaignRevoked), ...campaignLots.map((lot) => lot.points - lot.revoked)];
  const parts = allocateWithCaps(points, weights, caps);
  const lotIds = [settlement.accruedLot, ...campaignLots.map((lot) => lot.lot)];
  let next = ledger;
  let debtAdded = 0;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] ?? 0;
    if (part === 0) continue;
    const lotId = lotIds[index];
    assert(lotId !== null && lotId !== undefined, "points given means a lot");
    const revoked = revokeLot(next, lotId, part, now, policy);
    if (!revoked.ok) return revoked;
    next = revoked.ledger;
    debtAdded += revoked.debtAdded;
  }
  const after = settlement.campaignLots?.map((lot, index) => ({ ...lot, revoked: lot.revoked + (parts[index + 1] ?? 0) }));
  return { ok: true, ledger: next, debtAdded, campaignLots: after };
}
