import type { Account } from "../account/account.js";
import { addPayment, subtractReceipt } from "../account/counters.js";
import { assert } from "../assert/assert.js";
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import { ledgerTotals, returnShares, revokeLot, type Ledger } from "../ledger/ledger.js";
import type { LotShare } from "../ledger/lot.js";
import { allocateProportionally } from "../money/allocate-proportionally.js";
import { floorDivide } from "../money/floor-divide.js";
import type { ReceiptCalculation, Receipt } from "../receipt/receipt.js";
import { revokeReceiptPoints, type CampaignLotSettled } from "./campaign-lots.js";

export type { CampaignLotSettled };
import { uncountCampaignPurchases, type CountedPurchase } from "../campaigns/campaign-purchases.js";
import type { CampaignDiscountSettled } from "../campaigns/discount-budgets.js";

/**
 * Quantities are counts or weights; returns compare them in thousandths so
 * that splitting a line's points by the part returned stays in integers.
 */
export const QUANTITY_SCALE = 1_000;

export function scaledQuantity(quantity: number): number {
  return Math.round(quantity * QUANTITY_SCALE);
}

/** What one line gave, and how much of it has been returned so far. */
export interface SettledLine {
  /** Quantity bought, in thousandths. */
  readonly quantity: number;
  readonly amount: number;
  readonly payable: number;
  /** Points the line accrued (its share of the receipt's points). */
  readonly points: number;
  /** Points redeemed on the line (its share of the receipt's redeem). */
  readonly redeemed: number;
  readonly returnedQuantity: number;
  readonly returnedAmount: number;
  readonly returnedPayable: number;
  readonly returnedPoints: number;
  readonly returnedRedeemed: number;
}

/** Money paid toward a receipt in one period (a receipt paid in part, then by payments). */
export interface PeriodPaid {
  readonly period: number;
  readonly paid: number;
}

/** How a receipt paid in part stands: what is still owed, and what was paid in which period (oldest first). */
export interface ReceiptPayment {
  readonly unpaid: number;
  readonly paidByPeriod: readonly PeriodPaid[];
}

/**
 * Payments one receipt may take after its commit: a receipt paid in
 * instalments takes a handful; the bound keeps its record small.
 */
export const PAYMENTS_PER_RECEIPT_MAX = 32;

/**
 * What a committed receipt did to the ledger and the counters, kept with the
 * receipt record so that a cancel or a return can undo exactly that, once.
 */
export interface ReceiptSettlement {
  /** The period the receipt counted in. */
  readonly period: number;
  /** The lot its points went to; null when it accrued nothing. */
  readonly accruedLot: number | null;
  /** The lots its redeemed points came from, minus what returns gave back. */
  readonly unreturnedShares: readonly LotShare[];
  readonly lines: readonly SettledLine[];
  readonly cancelled: boolean;
  /** A receipt paid in part at its commit; absent: paid in full then, in `period`. */
  readonly payment?: ReceiptPayment;
  /** The campaign purchase counters the receipt added to (domain/campaigns/campaign-purchases.ts); absent: none. */
  readonly campaignPurchases?: readonly CountedPurchase[];
  /**
   * The lots of the campaigns' points (source "campaign", the funding
   * partner's), apart from `accruedLot`, which then holds the rest of the
   * receipt's points; absent: no campaign gave points.
   */
  readonly campaignLots?: readonly CampaignLotSettled[];
  /** The coupon the receipt presented (domain/campaigns/coupons.ts): a cancel names it, so its use is given back. */
  readonly coupon?: string;
  /** What campaigns with a discount budget gave, by line (domain/campaigns/discount-budgets.ts): returns give it back to their budgets; absent: none. */
  readonly campaignDiscounts?: readonly CampaignDiscountSettled[];
}

export function settleReceipt(
  receipt: Receipt,
  calculation: ReceiptCalculation,
  period: number,
  accruedLot: number | null,
  shares: readonly LotShare[],
  /** The money paid at the commit, when less than the payable (a receipt paid in part). */
  paid: number = calculation.payable,
): ReceiptSettlement {
  const redeemedByLine = allocateProportionally(
    calculation.redeem,
    calculation.lines.map((line) => line.pointsPaid),
  );
  for (const line of receipt.lines) {
    assert(scaledQuantity(line.qty) >= 1, "quantities are at least one thousandth (readReceipt refuses less)");
  }
  return {
    period,
    accruedLot,
    unreturnedShares: shares,
    cancelled: false,
    lines: calculation.lines.map((line, index) => ({
      quantity: scaledQuantity(receipt.lines[index]?.qty ?? 0),
      amount: line.amount,
      payable: line.payable,
      points: line.points,
      redeemed: redeemedByLine[index] ?? 0,
      returnedQuantity: 0,
      returnedAmount: 0,
      returnedPayable: 0,
      returnedPoints: 0,
      returnedRedeemed: 0,
    })),
    ...(paid < calculation.payable
      ? { payment: { unpaid: calculation.payable - paid, paidByPeriod: paid > 0 ? [{ period, paid }] : [] } }
      : {}),
  };
}

export type PaymentOutcome = Outcome<
  { readonly account: Account; readonly settlement: ReceiptSettlement; readonly unpaid: number },
  "RECEIPT_CANCELLED" | "PAYMENT_EXCEEDS_UNPAID" | "LEDGER_LIMIT"
>;

/**
 * A later payment of `amount` toward a receipt paid in part: it counts as
 * paid in `period` (the payment's), and lowers what the receipt still owes.
 */
export function payReceipt(account: Account, settlement: ReceiptSettlement, amount: number, period: number): PaymentOutcome {
  assert(Number.isSafeInteger(amount) && amount > 0, "a payment is a positive integer");
  if (settlement.cancelled) return failure("RECEIPT_CANCELLED", "the receipt was cancelled");
  const unpaid = settlement.payment?.unpaid ?? 0;
  if (amount > unpaid) return failure("PAYMENT_EXCEEDS_UNPAID", `the receipt owes ${unpaid}; a payment of ${amount} is more`);
  const before = settlement.payment?.paidByPeriod ?? [];
  const last = before[before.length - 1];
  const paidByPeriod = last?.period === period ? [...before.slice(0, -1), { period, paid: last.paid + amount }] : [...before, { period, paid: amount }];
  if (paidByPeriod.length > PAYMENTS_PER_RECEIPT_MAX) {
    return failure("LEDGER_LIMIT", `a receipt takes payments in at most ${PAYMENTS_PER_RECEIPT_MAX} periods`);
  }
  return {
    ok: true,
    account: { ...account, counters: addPayment(account.counters, period, amount), sequence: account.sequence + 1 },
    settlement: { ...settlement, payment: { unpaid: unpaid - amount, paidByPeriod } },
    unpaid: unpaid - amount,
  };
}

/**
 * The counters after a return takes back `soldBack` of the receipt and
 * `payableBack` of what it billed: a receipt paid in part first owes less,
 * and only the rest is paid money taken back, from the newest payment's
 * period first, so each period gives back no more than it counted.
 */
function countersAfterReturn(
  account: Account,
  settlement: ReceiptSettlement,
  soldBack: number,
  payableBack: number,
  visits: 0 | 1,
): { readonly counters: Account["counters"]; readonly payment: ReceiptPayment | undefined } {
  const payment = settlement.payment;
  if (payment === undefined) return { counters: subtractReceipt(account.counters, settlement.period, soldBack, payableBack, visits), payment };
  const fromUnpaid = Math.min(payment.unpaid, payableBack);
  let paidBack = payableBack - fromUnpaid;
  let counters = subtractReceipt(account.counters, settlement.period, soldBack, 0, visits);
  const paidByPeriod = payment.paidByPeriod.map((entry) => ({ ...entry }));
  for (let index = paidByPeriod.length - 1; index >= 0 && paidBack > 0; index -= 1) {
    const entry = paidByPeriod[index] as PeriodPaid;
    const part = Math.min(entry.paid, paidBack);
    counters = subtractReceipt(counters, entry.period, 0, part, 0);
    paidByPeriod[index] = { period: entry.period, paid: entry.paid - part };
    paidBack -= part;
  }
  assert(paidBack === 0, "a return never takes back more money than the receipt was paid");
  return { counters, payment: { unpaid: payment.unpaid - fromUnpaid, paidByPeriod: paidByPeriod.filter((entry) => entry.paid > 0) } };
}

/** The sum of one field over the settled lines. */
function sumOf(lines: readonly SettledLine[], field: "points" | "returnedPoints"): number {
  let sum = 0;
  for (const line of lines) sum += line[field];
  return sum;
}

/** A part of a line to return: its index in the receipt and the quantity. */
export interface LineReturn {
  readonly line: number;
  readonly quantity: number;
}

export type ReversalOutcome = Outcome<{
  readonly account: Account;
  readonly settlement: ReceiptSettlement;
  readonly answer: {
    readonly lines: readonly {
      readonly line: number;
      readonly qty: number;
      readonly amount: number;
      readonly points: number;
      readonly pointsReturned: number;
    }[];
    readonly pointsRevoked: number;
    readonly pointsReturned: number;
    readonly debtAdded: number;
    readonly balance: number;
  };
}>;

/** The part of `total` that `part` of `whole` earns; the last part takes exactly what is left. */
function shareOf(total: number, alreadyTaken: number, part: number, whole: number, taken: number): number {
  if (taken + part === whole) return total - alreadyTaken;
  return Math.min(total - alreadyTaken, floorDivide(total * part, whole));
}

/** Takes `points` from the end of the unreturned shares: the latest spent come back first. */
function takeShares(shares: readonly LotShare[], points: number): { taken: LotShare[]; left: LotShare[] } {
  const left = shares.map((share) => ({ ...share }));
  const taken: LotShare[] = [];
  let owed = points;
  for (let index = left.length - 1; index >= 0 && owed > 0; index -= 1) {
    const share = left[index];
    assert(share !== undefined, "shares are dense");
    const part = Math.min(share.points, owed);
    taken.push({ ...share, points: part });
    left[index] = { ...share, points: share.points - part };
    owed -= part;
  }
  assert(owed === 0, "a receipt never returns more redeemed points than it spent");
  return { taken, left: left.filter((share) => share.points > 0) };
}

/**
 * Returns part of a receipt (a refund) or all that is left of it (a cancel):
 * takes back the points its lines accrued, gives back the points redeemed on
 * them to their original lots, and takes the lines out of the counters. The
 * last return of a line takes exactly what is left of it, so returns never
 * take back more than the receipt gave. Under the "refuse" policy a return
 * whose accrued points were spent changes nothing and says so.
 */
export function reverseReceipt(
  account: Account,
  ledger: Ledger,
  settlement: ReceiptSettlement,
  returns: readonly LineReturn[] | "all",
  now: number,
  policy: "debt" | "refuse",
  /** A family receipt: its points are the pool's (domain/family), so the ledger is left as it is; the answer says what the pool is to take and give back. */
  pointsInPool = false,
): ReversalOutcome {
  if (settlement.cancelled) return failure("RECEIPT_CANCELLED", "the receipt was cancelled");
  const wanted = wantedReturns(settlement, returns);
  if (!wanted.ok) return wanted;
  const reversed = reverseLines(settlement, wanted.quantities);

  if (pointsInPool) {
    const { counters, payment } = countersAfterReturn(account, settlement, reversed.soldBack, reversed.paidBack, returns === "all" ? 1 : 0);
    return {
      ok: true,
      account: { ...account, counters, sequence: account.sequence + 1 },
      settlement: { ...settlement, lines: reversed.lines, cancelled: returns === "all", ...(payment === undefined ? {} : { payment }) },
      answer: { lines: reversed.answerLines, pointsRevoked: reversed.pointsToRevoke, pointsReturned: reversed.redeemedToReturn, debtAdded: 0, balance: account.balance },
    };
  }
  const revoked = revokeReturnedPoints(ledger, settlement, reversed.pointsToRevoke, now, policy);
  if (!revoked.ok) return revoked;
  let nextLedger = revoked.ledger;
  const { debtAdded, campaignLots } = revoked;
  const { taken, left } = takeShares(settlement.unreturnedShares, reversed.redeemedToReturn);
  if (taken.length > 0) {
    const returned = returnShares(nextLedger, taken, now);
    assert(returned.ok, "shares a receipt spent can always come back");
    nextLedger = returned.ledger;
  }
  const cancelling = returns === "all";
  const { counters, payment } = countersAfterReturn(account, settlement, reversed.soldBack, reversed.paidBack, cancelling ? 1 : 0);
  const balance = ledgerTotals(nextLedger, now).available;
  // A cancel takes its purchase back from the campaign counters it added to, as it takes the visit back from the period's.
  const campaignPurchases = cancelling && settlement.campaignPurchases !== undefined ? uncountCampaignPurchases(account.campaignPurchases, settlement.campaignPurchases) : undefined;
  return {
    ok: true,
    account: { ...account, ledger: nextLedger, counters, balance, sequence: account.sequence + 1, ...(campaignPurchases === undefined ? {} : { campaignPurchases }) },
    settlement: {
      ...settlement,
      lines: reversed.lines,
      unreturnedShares: left,
      cancelled: cancelling,
      ...(payment === undefined ? {} : { payment }),
      ...(campaignLots === undefined ? {} : { campaignLots }),
    },
    answer: {
      lines: reversed.answerLines,
      pointsRevoked: reversed.pointsToRevoke,
      pointsReturned: reversed.redeemedToReturn,
      debtAdded,
      balance,
    },
  };
}

/** Takes a return's points back: from the receipt's own lot, or in proportion from it and its campaigns' lots (campaign-lots.ts). */
function revokeReturnedPoints(
  ledger: Ledger,
  settlement: ReceiptSettlement,
  points: number,
  now: number,
  policy: "debt" | "refuse",
): Outcome<{ readonly ledger: Ledger; readonly debtAdded: number; readonly campaignLots: readonly CampaignLotSettled[] | undefined }> {
  if (points === 0) return { ok: true, ledger, debtAdded: 0, campaignLots: settlement.campaignLots };
  if (settlement.campaignLots !== undefined) {
    return revokeReceiptPoints(ledger, settlement, sumOf(settlement.lines, "points"), sumOf(settlement.lines, "returnedPoints"), points, now, policy);
  }
  assert(settlement.accruedLot !== null, "points accrued means a lot");
  const revoked = revokeLot(ledger, settlement.accruedLot, points, now, policy);
  return revoked.ok ? { ok: true, ledger: revoked.ledger, debtAdded: revoked.debtAdded, campaignLots: undefined } : revoked;
}

/** The quantity to return of each line (scaled), checked against what is left of it; "all": everything left. */
function wantedReturns(
  settlement: ReceiptSettlement,
  returns: readonly LineReturn[] | "all",
): Outcome<{ readonly quantities: ReadonlyMap<number, number> }, "RETURN_EXCEEDS_PURCHASE"> {
  const wanted = new Map<number, number>();
  if (returns === "all") {
    settlement.lines.forEach((line, index) => {
      const left = line.quantity - line.returnedQuantity;
      if (left > 0) wanted.set(index, left);
    });
    return { ok: true, quantities: wanted };
  }
  for (const item of returns) {
    const line = settlement.lines[item.line];
    if (line === undefined) {
      return failure("RETURN_EXCEEDS_PURCHASE", `the receipt has no line ${item.line}`);
    }
    const quantity = (wanted.get(item.line) ?? 0) + item.quantity;
    if (line.returnedQuantity + quantity > line.quantity) {
      return failure("RETURN_EXCEEDS_PURCHASE", `line ${item.line}: ${(line.quantity - line.returnedQuantity) / QUANTITY_SCALE} left to return`);
    }
    wanted.set(item.line, quantity);
  }
  return { ok: true, quantities: wanted };
}

/** Each returned line's share of amount, payable, points and redeemed points, in line order, and the totals. */
function reverseLines(settlement: ReceiptSettlement, wanted: ReadonlyMap<number, number>) {
  const lines = settlement.lines.map((line) => ({ ...line }));
  const answerLines: { line: number; qty: number; amount: number; points: number; pointsReturned: number }[] = [];
  let pointsToRevoke = 0;
  let redeemedToReturn = 0;
  let soldBack = 0;
  let paidBack = 0;
  for (const [index, quantity] of [...wanted.entries()].sort((left, right) => left[0] - right[0])) {
    const line = lines[index];
    assert(line !== undefined, "wanted lines exist");
    const amount = shareOf(line.amount, line.returnedAmount, quantity, line.quantity, line.returnedQuantity);
    const payable = shareOf(line.payable, line.returnedPayable, quantity, line.quantity, line.returnedQuantity);
    const points = shareOf(line.points, line.returnedPoints, quantity, line.quantity, line.returnedQuantity);
    const redeemed = shareOf(line.redeemed, line.returnedRedeemed, quantity, line.quantity, line.returnedQuantity);
    lines[index] = {
      ...line,
      returnedQuantity: line.returnedQuantity + quantity,
      returnedAmount: line.returnedAmount + amount,
      returnedPayable: line.returnedPayable + payable,
      returnedPoints: line.returnedPoints + points,
      returnedRedeemed: line.returnedRedeemed + redeemed,
    };
    pointsToRevoke += points;
    redeemedToReturn += redeemed;
    soldBack += amount;
    paidBack += payable;
    answerLines.push({ line: index, qty: quantity / QUANTITY_SCALE, amount, points, pointsReturned: redeemed });
  }
  return { lines, answerLines, pointsToRevoke, redeemedToReturn, soldBack, paidBack };
}
