// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { applyReceiptCommit, type Account } from "../account/account.js";
import { totalsOfPeriod } from "../account/counters.js";
import { assert } from "../assert/assert.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import type { MemberView } from "../../protocol/admin-wire.js";
import {
  accrueLot,
  captureHold,
  holdPoints,
  ledgerTotals,
  releaseHold,
  settleLedger,
  settleWithTotals,
  spendablePointsOfSettled,
  spendPoints,
  type Ledger,
  type LotFilter,
} from "../ledger/ledger.js";
import type { LotShare } from "../ledger/lot.js";
import { calculateReceipt, type CalculationOutcome } from "./calculate-receipt.js";
import type { Receipt } from "../receipt/receipt.js";
import type { CompiledProgram } from "./compiled-program.js";
import { settleReceipt, type CampaignLotSettled, type ReceiptSettlement } from "./receipt-settlement.js";
import { accrueCampaignLots, pointsByCampaign, type CampaignPoints } from "./campaign-lots.js";
import { pointLevelAt, reachPointLevel } from "./point-levels.js";
import type { PointLevel } from "../../protocol/program-document.js";
import type { CompiledCampaigns } from "../campaigns/compiled-campaigns.js";
import { campaignsForReceipt, type ReceiptCampaigns } from "../campaigns/receipt-campaigns.js";
import type { CampaignBudgetView } from "../campaigns/campaign-budgets.js";
import type { SurveyAnswerReader } from "../campaigns/segment.js";
import { countCampaignPurchases, type CountedPurchase } from "../campaigns/campaign-purchases.js";
import type { BudgetedDiscount } from "../campaigns/campaign-mechanics.js";
import { settledDiscounts, type CampaignDiscountSettled } from "../campaigns/discount-budgets.js";

const MILLISECONDS_PER_MINUTE = 60_000;
import {
  cardMayPayWithPoints,
  categoriesAt,
  evaluateStanding,
  importanceClassAt,
  standingWithCard,
  statusAt,
  type Standing,
  type VisitStatus,
} from "./standing.js";

/**
 * The pure operations on one member that a shard performs: state, receipt,
 * program and time in; result and next state out.
 */

/** What an operation needs besides the member and the receipt: the server's time and the terminal's partner. */
export interface OperationContext {
  /** The time the shard handles the operation; ledger times (expiry, holds) run on it. */
  readonly now: number;
  /** The partner whose store issues the points. */
  readonly partner: string;
  /** The type of the card presented (program cardTypes), null or absent: none (found by phone, or an untyped card). */
  readonly cardType?: string | null;
  /** The campaigns version in force (domain/campaigns); absent or null: no campaigns document. */
  readonly campaigns?: CompiledCampaigns | null;
  /** What the campaigns with a budget may still give on this shard (campaign-budgets.ts); absent or null: budgets are not applied (a dry run). */
  readonly budgets?: CampaignBudgetView | null;
  /** The campaign a coupon presented with the receipt unlocks (domain/campaigns/coupons.ts); absent or null: none. */
  readonly couponCampaign?: string | null;
  /** The member's survey answers, for audiences that name a survey (domain/campaigns/segment.ts); absent or null: such conditions hold for nobody. */
  readonly surveyAnswers?: SurveyAnswerReader | null;
}

function defaultContext(receipt: Receipt, context: OperationContext | undefined): OperationContext {
  return context ?? { now: receipt.at, partner: "" };
}

/** The key of a receipt's hold: one hold per (store, receipt id). */
export function holdKey(receipt: Receipt): string {
  return JSON.stringify([receipt.store, receipt.id]);
}

/** The account with its ledger settled at `now` and its balance what it could spend then (a hold of this receipt counts). */
function settledAccount(account: Account, now: number, key: string | null): { account: Account; heldForReceipt: number } {
  const { ledger, balances } = settleWithTotals(account.ledger, now);
  const heldForReceipt = key === null ? 0 : (ledger.holds.find((hold) => hold.key === key)?.points ?? 0);
  return {
    account: { ...account, ledger, balance: balances.available + heldForReceipt },
    heldForReceipt,
  };
}

export function calculateForMember(
  compiled: CompiledProgram,
  account: Account,
  receipt: Receipt,
  redeem: number,
  context?: OperationContext,
): CalculationOutcome {
  return calculateWithSpendable(compiled, account, receipt, redeem, context).outcome;
}

/** calculateForMember, also telling the points the receipt could spend (the answer's `balance`): one ledger settle for both. */
export function calculateWithSpendable(
  compiled: CompiledProgram,
  account: Account,
  receipt: Receipt,
  redeem: number,
  context?: OperationContext,
): { readonly outcome: CalculationOutcome; readonly spendable: number } {
  const { now, cardType, partner, campaigns } = defaultContext(receipt, context);
  const { account: settled, heldForReceipt } = settledAccount(account, now, holdKey(receipt));
  const standing = receiptStanding(compiled, settled, receipt, cardType ?? null);
  const here = spendableHere(compiled, settled, heldForReceipt, now, partner);
  const priced = pricingCampaigns(campaigns ?? null, settled, standing, cardType ?? null, receipt, context);
  const outcome = calculateWithStanding(compiled, settled, standing, receipt, redeem, cardType ?? null, here, priced);
  return { outcome, spendable: settled.balance };
}

/** The lots whose points may pay at `partner`'s store (the coalition policy); undefined: all may. */
function lotFilterAt(compiled: CompiledProgram, partner: string): LotFilter | undefined {
  if ((compiled.program.coalition?.redemption ?? "anywhere") === "anywhere") return undefined;
  return (lot) => compiled.mayRedeem(lot.partner, partner);
}

/** Points the member can pay with at `partner`'s store: the balance, less other partners' points the policy keeps out. */
function spendableHere(compiled: CompiledProgram, settled: Account, heldForReceipt: number, now: number, partner: string): number {
  const mayUse = lotFilterAt(compiled, partner);
  // This receipt's own hold was taken at this store, under the same policy: its points count.
  return mayUse === undefined ? settled.balance : spendablePointsOfSettled(settled.ledger, now, mayUse) + heldForReceipt;
}

/** The member's standing at the receipt's time, with the effects of the card presented (standingWithCard). */
function receiptStanding(compiled: CompiledProgram, account: Account, receipt: Receipt, cardType: string | null): Standing {
  return standingWithCard(compiled, evaluateStanding(compiled, account, receipt.at), cardType);
}

/** The campaigns that price this member's receipt; null: no campaigns document. */
function pricingCampaigns(
  campaigns: CompiledCampaigns | null,
  account: Account,
  standing: Standing,
  cardType: string | null,
  receipt: Receipt,
  context: OperationContext | undefined,
): ReceiptCampaigns | null {
  if (campaigns === null) return null;
  return campaignsForReceipt(campaigns, account, standing, cardType, receipt, context?.budgets ?? null, context?.couponCampaign ?? null, context?.surveyAnswers ?? null);
}

function calculateWithStanding(
  compiled: CompiledProgram,
  account: Account,
  standing: Standing,
  receipt: Receipt,
  redeem: number,
  cardType: string | null,
  spendable: number,
  priced: ReceiptCampaigns | null,
): CalculationOutcome {
  return calculateReceipt({
    compiled,
    standing,
    balance: account.balance,
    spendable,
    purchaseNumberInPeriod: totalsOfPeriod(account.counters, standing.period).visits + 1,
    receipt,
    redeem,
    mayPayWithPoints: cardMayPayWithPoints(compiled, cardType),
    campaigns: priced?.campaigns,
    campaignsVersion: priced?.version,
    campaignPurchaseNumbers: priced?.purchaseNumbers,
    campaignBudgetLeft: priced?.budgetLeft,
    campaignDiscountBudgetLeft: priced?.discountBudgetLeft,
  });
}

type Calculated = Extract<CalculationOutcome, { ok: true }>["calculation"];

export type CommitOutcome = Outcome<{
  readonly calculation: Calculated;
  readonly account: Account;
  /** What the receipt did to ledger and counters, for returns and cancels. */
  readonly settlement: ReceiptSettlement;
  /** The member's status level since their previous receipt, when it changed (for the history). */
  readonly statusChange: { readonly from: string | null; readonly to: string | null } | null;
  /** The level by active points this commit reached (its pointsOnReach applied), or null. */
  readonly pointLevelReached: PointLevel | null;
  /** What each campaign gave in points (in lots of their own), or null without campaigns: what budgets count. */
  readonly campaignPoints: readonly CampaignPoints[] | null;
  /** What each campaign with a discount budget gave in discount, or null: what discount budgets count. */
  readonly campaignDiscounts: readonly BudgetedDiscount[] | null;
  /** The member's importance class at the receipt's time, before and after it, when the receipt changed it. */
  readonly classChange: { readonly from: string | null; readonly to: string | null } | null;
}>;

/**
 * Commits a receipt: calculates it on the member's standing at the receipt's
 * time, spends the redeemed points (capturing this receipt's hold if there is
 * one), accrues the points as a new lot (pending for the program's pending
 * window, expiring after its lifetime), adds it to the counters, then
 * re-applies the category rules with the new counters.
 */
export function commitForMember(
  compiled: CompiledProgram,
  account: Account,
  receipt: Receipt,
  redeem: number,
  context?: OperationContext,
  /** The money paid now, when the receipt is paid in part (at most its payable); absent: paid in full. */
  paid?: number,
): CommitOutcome {
  const { now, partner, cardType = null, campaigns = null } = defaultContext(receipt, context);
  const key = holdKey(receipt);
  const { account: settled, heldForReceipt } = settledAccount(account, now, key);
  const standing = receiptStanding(compiled, settled, receipt, cardType);
  const here = spendableHere(compiled, settled, heldForReceipt, now, partner);
  const priced = pricingCampaigns(campaigns, settled, standing, cardType, receipt, context);
  const outcome = calculateWithStanding(compiled, settled, standing, receipt, redeem, cardType, here, priced);
  if (!outcome.ok) return outcome;
  const calculation = outcome.calculation;
  const paidNow = paid ?? calculation.payable;
  if (paidNow > calculation.payable) {
    return failure("PAYMENT_EXCEEDS_UNPAID", `paid ${paidNow} exceeds the receipt's payable of ${calculation.payable}`);
  }

  const spent = payWithPoints(settled.ledger, key, heldForReceipt, calculation.redeem, now, lotFilterAt(compiled, partner));
  if (!spent.ok) return spent;
  // Campaigns' points go to lots of their own (domain/engine/campaign-lots.ts); none without campaigns.
  const given = priced === null || priced.campaigns.length === 0 ? null : pointsByCampaign(calculation.rules, priced.campaigns);
  let campaignPointsGiven = 0;
  if (given !== null) for (const entry of given) campaignPointsGiven += entry.points;
  const accrued = accrueReceiptPoints(compiled, spent.ledger, calculation.points - campaignPointsGiven, key, partner, now);
  if (!accrued.ok) return accrued;
  const campaignLots = given === null || given.length === 0 ? null : accrueCampaignLots(compiled, accrued.ledger, receipt, given, now);
  if (campaignLots !== null && !campaignLots.ok) return campaignLots;
  const ledger = campaignLots === null ? accrued.ledger : campaignLots.ledger;

  const applied = applyReceiptCommit(settled, calculation, receipt.at, standing.period, paidNow);
  // Campaigns that give on every k-th purchase count this one in their own periods (null: none applies; nothing changes).
  const purchases = priced === null || priced.purchaseNumbers === null ? null : countCampaignPurchases(settled.campaignPurchases, priced.campaigns, receipt.at);
  const afterReceipt: Account = {
    ...applied,
    ...(purchases === null ? {} : { campaignPurchases: purchases.counts }),
    ledger,
    balance: ledgerTotals(ledger, now).available,
    categories: standing.categories,
  };
  const classAfter = importanceClassAt(compiled, afterReceipt, receipt.at);
  const own = categoriesAt(compiled, afterReceipt, classAfter, receipt.at);
  const categories = categoriesToStore(compiled, settled.categories, own);
  const levelled = reachPointLevel(compiled, { ...afterReceipt, categories }, now);
  if (!levelled.ok) return levelled;
  return {
    ok: true,
    calculation,
    account: levelled.account,
    pointLevelReached: levelled.reached,
    campaignPoints: given,
    campaignDiscounts: outcome.campaignDiscounts ?? null,
    settlement: withCampaignParts(settleReceipt(receipt, calculation, standing.period, accrued.lot, spent.shares, paidNow), purchases?.counted ?? null, campaignLots?.lots ?? null, settledDiscounts(outcome.campaignDiscounts)),
    statusChange: statusChangeOf(compiled, account, receipt.at, standing),
    classChange: standing.importanceClass?.id === classAfter?.id ? null : { from: standing.importanceClass?.id ?? null, to: classAfter?.id ?? null },
  };
}

/** The settlement with the campaign purchases the receipt counted and its campaigns' lots, so that a return or cancel takes them back; none: as it is. */
function withCampaignParts(
  settlement: ReceiptSettlement,
  counted: readonly CountedPurchase[] | null,
  lots: readonly CampaignLotSettled[] | null,
  discounts: readonly CampaignDiscountSettled[] | null,
): ReceiptSettlement {
  if (counted === null && lots === null && discounts === null) return settlement;
  return {
    ...settlement,
    ...(counted === null ? {} : { campaignPurchases: counted }),
    ...(lots === null ? {} : { campaignLots: lots }),
    ...(discounts === null ? {} : { campaignDiscounts: discounts }),
  };
}

/**
 * The redeemed points leave the ledger: the receipt's hold captured when it
 * holds exactly the redeem (released when it holds another amount), else
 * spent from the active lots.
 */
function payWithPoints(
  ledger: Ledger,
  key: string,
  heldForReceipt: number,
  redeem: number,
  now: number,
  mayUse: LotFilter | undefined,
): Outcome<{ readonly ledger: Ledger; readonly shares: readonly LotShare[] }, "INSUFFICIENT_POINTS"> {
  let next = ledger;
  if (heldForReceipt > 0) {
    if (heldForReceipt === redeem) {
      const captured = captureHold(next, key, now);
      assert(captured.ok, "a hold found at settle time can be captured");
      if (captured.shares.length > 0) return { ok: true, ledger: captured.ledger, shares: captured.shares };
      next = captured.ledger;
    } else {
      const released = releaseHold(next, key, now);
      assert(released.ok, "a hold found at settle time can be released");
      next = released.ledger;
    }
  }
  if (redeem === 0) return { ok: true, ledger: next, shares: [] };
  const spent = spendPoints(next, redeem, now, mayUse);
  if (!spent.ok) return spent;
  return { ok: true, ledger: spent.ledger, shares: spent.shares };
}

/** The receipt's points as a new lot: pending for the program's pending window, expiring after its lifetime. */
function accrueReceiptPoints(
  compiled: CompiledProgram,
  ledger: Ledger,
  points: number,
  key: string,
  partner: string,
  now: number,
): Outcome<{ readonly ledger: Ledger; readonly lot: number | null }, "LEDGER_LIMIT"> {
  if (points === 0) return { ok: true, ledger, lot: null };
  const rules = compiled.program.points;
  const accrued = accrueLot(ledger, {
    points,
    source: "receipt",
    reference: key,
    partner,
    at: now,
    activatesAt: now + rules.pendingDays * MILLISECONDS_PER_DAY,
    expiresAt: rules.lifetimeDays === null ? null : now + rules.lifetimeDays * MILLISECONDS_PER_DAY,
  });
  if (!accrued.ok) return accrued;
  return { ok: true, ledger: accrued.ledger, lot: accrued.lot.id };
}

/**
 * The member's status level since their previous receipt, when this receipt
 * changed it. A status holds for a whole period: only the first receipt of a
 * period can see it change; checking that first keeps the calendar's
 * one-period cache warm on the common path.
 */
function statusChangeOf(
  compiled: CompiledProgram,
  account: Account,
  receiptAt: number,
  standing: Standing,
): { readonly from: string | null; readonly to: string | null } | null {
  const lastVisitAt = account.counters.lastVisitAt;
  if (lastVisitAt === null) return null;
  const receiptPeriod = compiled.calendar.periodOf(receiptAt);
  if (lastVisitAt >= receiptPeriod.startsAt && lastVisitAt < receiptPeriod.endsAt) return null;
  const before = statusAt(compiled, account.counters, compiled.calendar.periodOf(lastVisitAt).index);
  return before?.id !== standing.status?.id ? { from: before?.id ?? null, to: standing.status?.id ?? null } : null;
}

export type HoldOutcome = Outcome<{
  readonly calculation: Calculated;
  readonly account: Account;
  readonly hold: { readonly points: number; readonly expiresAt: number };
}>;

/**
 * `calculate` with a hold: reserves the points the receipt redeems until its
 * commit captures them, its cancel releases them, or the program's hold
 * time passes. Two lanes can never spend the same points: held points leave
 * the available balance at once.
 */
export function holdForMember(
  compiled: CompiledProgram,
  account: Account,
  receipt: Receipt,
  redeem: number,
  context: OperationContext,
): HoldOutcome {
  const key = holdKey(receipt);
  const { account: settled, heldForReceipt } = settledAccount(account, context.now, key);
  const cardType = context.cardType ?? null;
  const standing = receiptStanding(compiled, settled, receipt, cardType);
  const here = spendableHere(compiled, settled, heldForReceipt, context.now, context.partner);
  const priced = pricingCampaigns(context.campaigns ?? null, settled, standing, cardType, receipt, context);
  const outcome = calculateWithStanding(compiled, settled, standing, receipt, redeem, cardType, here, priced);
  if (!outcome.ok) return outcome;
  let ledger = settled.ledger;
  if (heldForReceipt > 0 && heldForReceipt !== redeem) {
    // A lane that recalculates with another redeem replaces its own hold.
    const released = releaseHold(ledger, key, context.now);
    assert(released.ok, "a hold found at settle time can be released");
    ledger = released.ledger;
  }
  let expiresAt = context.now;
  if (redeem > 0) {
    const held = holdPoints(ledger, key, redeem, context.now, compiled.program.points.holdMinutes * MILLISECONDS_PER_MINUTE, lotFilterAt(compiled, context.partner));
    if (!held.ok) return held;
    ledger = held.ledger;
    expiresAt = held.hold.expiresAt;
  }
  const next: Account = {
    ...settled,
    ledger,
    balance: ledgerTotals(ledger, context.now).available,
    sequence: settled.sequence + 1,
  };
  return { ok: true, calculation: outcome.calculation, account: next, hold: { points: redeem, expiresAt } };
}

/** Points a receipt may redeem now: the available balance plus this receipt's own hold. */
export function spendableForReceipt(account: Account, receipt: Receipt, now: number): number {
  return settledAccount(account, now, holdKey(receipt)).account.balance;
}

export type AdjustOutcome = Outcome<{ readonly account: Account }>;

/**
 * An administrator's adjustment: a credit is a new lot (source "adjustment",
 * the program's lifetime, active at once); a debit spends points like a
 * redemption and is refused with INSUFFICIENT_POINTS beyond the balance.
 */
export function adjustForMember(compiled: CompiledProgram, account: Account, adjustmentId: string, points: number, now: number): AdjustOutcome {
  assert(Number.isSafeInteger(points) && points !== 0, "an adjustment moves a non-zero whole number of points");
  let ledger = settleLedger(account.ledger, now).ledger;
  if (points > 0) {
    const lifetime = compiled.program.points.lifetimeDays;
    const accrued = accrueLot(ledger, {
      points,
      source: "adjustment",
      reference: adjustmentId,
      partner: "",
      at: now,
      activatesAt: now,
      expiresAt: lifetime === null ? null : now + lifetime * MILLISECONDS_PER_DAY,
    });
    if (!accrued.ok) return accrued;
    ledger = accrued.ledger;
  } else {
    const spent = spendPoints(ledger, -points, now);
    if (!spent.ok) return spent;
    ledger = spent.ledger;
  }
  const levelled = reachPointLevel(compiled, { ...account, ledger, balance: ledgerTotals(ledger, now).available, sequence: account.sequence + 1 }, now);
  if (!levelled.ok) return levelled;
  return { ok: true, account: levelled.account };
}

/** Releases a receipt's hold (a cancel before commit). */
export function releaseHoldForMember(account: Account, receipt: { readonly store: string; readonly id: string }, now: number): Account | null {
  const key = JSON.stringify([receipt.store, receipt.id]);
  const settled = settleLedger(account.ledger, now).ledger;
  if (!settled.holds.some((hold) => hold.key === key)) return null;
  const released = releaseHold(settled, key, now);
  assert(released.ok, "a hold found at settle time can be released");
  return {
    ...account,
    ledger: released.ledger,
    balance: ledgerTotals(released.ledger, now).available,
    sequence: account.sequence + 1,
  };
}

/**
 * A visit-status event ("came", "did not come"): becomes the member's last
 * visit status, which category rules may test; counters do not change.
 */
export function reportVisitForMember(compiled: CompiledProgram, account: Account, status: VisitStatus, at: number): Account {
  const before = evaluateStanding(compiled, account, at);
  const reported = { ...account, categories: before.categories, lastVisitStatus: status };
  const categories = categoriesToStore(compiled, account.categories, categoriesAt(compiled, reported, before.importanceClass, at));
  return { ...reported, categories, sequence: account.sequence + 1 };
}

/**
 * The categories an account keeps after `compiled` applied its rules: the program's own (`own`), then
 * those of other programs the account held (a partner's own program and the coalition program each
 * keep theirs: domain/program/partner-program.ts). `own` itself, allocating nothing, when there are
 * none: always while no partner has a program of its own.
 */
export function categoriesToStore(compiled: CompiledProgram, held: readonly string[], own: readonly string[]): readonly string[] {
  let others: string[] | null = null;
  for (const id of held) if (compiled.isOtherProgramsCategory(id)) (others ??= []).push(id);
  return others === null ? own : [...own, ...others];
}

/** What identify and the admin view show of a member's standing at `now` (the admin view's fields of it). */
export type StandingView = Pick<
  MemberView,
  "status" | "importanceClass" | "categories" | "discountBasisPoints" | "discountSources" | "accrualRateBasisPoints" | "discountLapsesAt" | "classLapsesAt" | "pointLevel"
>;

/** What identify and the admin view show of a member at `now`. */
export function standingView(compiled: CompiledProgram | null, account: Account, now: number): StandingView {
  if (compiled === null) {
    return {
      status: null,
      importanceClass: null,
      categories: [],
      discountBasisPoints: 0,
      discountSources: [],
      discountLapsesAt: null,
      classLapsesAt: null,
      pointLevel: null,
    };
  }
  const held = pointLevelAt(compiled, account, now);
  const standing = evaluateStanding(compiled, account, now);
  return {
    status: standing.status === null ? null : { id: standing.status.id, name: standing.status.name },
    importanceClass: standing.importanceClass === null ? null : { id: standing.importanceClass.id, name: standing.importanceClass.name },
    categories: standing.categories.map((id) => ({ id, name: compiled.categoriesById.get(id)?.name ?? id })),
    discountBasisPoints: standing.discountBasisPoints,
    discountSources: standing.appliedDiscounts,
    accrualRateBasisPoints: standing.accrualRateBasisPoints,
    discountLapsesAt: standing.discountLapsesAt,
    classLapsesAt: standing.classLapsesAt,
    pointLevel: held === null ? null : { id: held.level.id, name: held.level.name, expiresAt: held.state.expiresAt },
  };
}
