import { assert } from "../assert/assert.js";
import type { CompiledProgram } from "./compiled-program.js";
import type { Standing } from "./standing.js";
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import { allocateProportionally } from "../money/allocate-proportionally.js";
import { allocateWithCaps } from "../money/allocate-with-caps.js";
import { applyBasisPointsRoundingDown } from "../money/basis-points.js";
import { floorDivide } from "../money/floor-divide.js";
import type { AppliedRule, CalculatedLine, Receipt, ReceiptCalculation } from "../receipt/receipt.js";
import type { CompiledCampaign } from "../campaigns/compiled-campaigns.js";
import { applyCampaignDiscounts, campaignPoints, type BudgetedDiscount } from "../campaigns/campaign-mechanics.js";

export type CalculationOutcome = Outcome<{
  readonly calculation: ReceiptCalculation;
  /** What each campaign with a discount budget gave, in all and by line (a commit counts it and keeps it for returns); absent: none has one. */
  readonly campaignDiscounts?: readonly BudgetedDiscount[];
}>;

export interface CalculationInput {
  readonly compiled: CompiledProgram;
  /** The member's standing at the receipt's time (domain/engine/standing.ts). */
  readonly standing: Standing;
  readonly balance: number;
  /** Of `balance`, the points that may pay at this store (the coalition policy); the balance when absent. */
  readonly spendable?: number;
  /** Which purchase of the current period this receipt is: 1 for the first. */
  readonly purchaseNumberInPeriod: number;
  readonly receipt: Receipt;
  readonly redeem: number;
  /** false: the card presented may not pay with points (its type's mayPayWithPoints); nothing is redeemable. Default true. */
  readonly mayPayWithPoints?: boolean;
  /** The campaigns that apply to this member's receipt (active, in period, audience holds); absent or empty: none. */
  readonly campaigns?: readonly CompiledCampaign[] | undefined;
  /** The campaigns version in force, recorded in the answer; absent: no campaigns document (the answer has no such field). */
  readonly campaignsVersion?: number | undefined;
  /** Beside `campaigns`, which purchase in that campaign's own period the receipt is; absent or null: none counts purchases. */
  readonly campaignPurchaseNumbers?: readonly number[] | null | undefined;
  /** Beside `campaigns`, the points each may still give under its budget (null: no budget); absent or null: none has one. */
  readonly campaignBudgetLeft?: readonly (number | null)[] | null | undefined;
  /** Beside `campaigns`, the discount each may still give under its discount budget (null: none); absent or null: none has one. */
  readonly campaignDiscountBudgetLeft?: readonly (number | null)[] | null | undefined;
}

/**
 * The receipt calculation. Pure: no I/O, no clock; the standing carries the
 * time-dependent part. Steps, all in integer minor units:
 *
 * 1. Lines that take discounts: not flagged noDiscount by the POS and not in
 *    the program's noDiscountSkus. Each has a cap, maxDiscountBasisPoints of
 *    its amount, covering discount and points together.
 * 2. discount = floor(discountable amount x rate), at most the caps' sum,
 *    spread over discountable lines by amount, each within its cap.
 * 3. redeemable = min(balance, floor(min(share of (total - discount), room
 *    left under the caps) / point value)); a larger redeem is refused with a
 *    code. Points pay redeem x point value, spread like the discount.
 * 4. payable per line = amount - discount - pointsPaid (paid with money).
 * 5. Accrual = floor(payable of earning lines x rate) (or of amount - discount
 *    with accrualBase "afterDiscount"); the status bonus joins
 *    it on every k-th purchase of the period; both spread over earning lines.
 * Every split sums exactly to its total and no line goes below zero.
 */
export function calculateReceipt(input: CalculationInput): CalculationOutcome {
  const { compiled, standing, balance, receipt, redeem } = input;
  const program = compiled.program;
  assert(Number.isSafeInteger(balance) && balance >= 0, "balance is a non-negative integer");
  assert(Number.isSafeInteger(redeem) && redeem >= 0, "redeem is a non-negative integer");

  const rules: AppliedRule[] = [];
  const lines = readLines(compiled, receipt);
  const campaigns = input.campaigns !== undefined && input.campaigns.length > 0 ? input.campaigns : null;
  const discounts = withCampaignDiscounts(receipt, lines, spreadDiscount(lines, standing, rules), campaigns, rules, input.campaignDiscountBudgetLeft ?? null);
  const room = paymentRoom(lines, discounts.lineDiscounts);
  const shareCap = applyBasisPointsRoundingDown(lines.total - discounts.discount, program.points.maxRedeemShareBasisPoints);
  const redeemCapPoints = floorDivide(Math.min(shareCap, room.room), program.points.pointValueMinor);
  const mayPay = input.mayPayWithPoints !== false;
  const spendable = Math.min(input.spendable ?? balance, balance);
  const redeemable = mayPay ? Math.min(spendable, redeemCapPoints) : 0;
  if (redeem > 0 && !mayPay) {
    return failure("REDEEM_NOT_ALLOWED", "receipts presented with this card cannot be paid with points (its card type)");
  }
  if (redeem > balance) {
    return failure("INSUFFICIENT_POINTS", `redeem ${redeem} exceeds the balance of ${balance} points`);
  }
  if (redeem > spendable) {
    return failure("POINTS_NOT_ACCEPTED_HERE", `of the balance of ${balance} points, ${spendable} may pay at this store (the program's coalition policy)`);
  }
  if (redeem > redeemCapPoints) {
    return failure("REDEEM_LIMIT_EXCEEDED", `redeem ${redeem} exceeds the program's cap of ${redeemCapPoints} points for this receipt`);
  }
  const pointsPaid = redeem * program.points.pointValueMinor;
  const linePointsPaid = pointsPaid === 0 ? new Array<number>(lines.count).fill(0) : allocateWithCaps(pointsPaid, room.paymentWeights, room.roomCaps);
  const payables = linePayables(lines, discounts.lineDiscounts, linePointsPaid, program.points.accrualBase === "paidWithMoney");
  const earned = earnPoints(receipt, lines, payables, standing, input, campaigns, rules);
  const calculation: ReceiptCalculation = {
    lines: calculatedLines(receipt, discounts.lineDiscounts, linePointsPaid, payables.linePayables, earned.linePoints),
    total: lines.total,
    discount: discounts.discount,
    pointsPaid,
    payable: lines.total - discounts.discount - pointsPaid,
    points: earned.points,
    bonusPoints: earned.bonusPoints,
    redeemable,
    redeem,
    discountBasisPoints: standing.discountBasisPoints,
    rules,
    programVersion: program.version,
  };
  // The answer names the campaigns version only when a campaigns document exists (the answers without are byte for byte as before).
  const priced = input.campaignsVersion === undefined ? calculation : { ...calculation, campaignsVersion: input.campaignsVersion };
  // A partner's own program names its partner (the coalition program's answers are as before it existed).
  const answered = compiled.partner === null ? priced : { ...priced, programPartner: compiled.partner };
  return discounts.budgeted === undefined || discounts.budgeted === null ? { ok: true, calculation: answered } : { ok: true, calculation: answered, campaignDiscounts: discounts.budgeted };
}

/** Step 5 with campaigns: their points join the accrual, cited after the program's rules; nothing is allocated without campaigns. */
function earnPoints(
  receipt: Receipt,
  lines: ReadLines,
  payables: Payables,
  standing: Standing,
  input: CalculationInput,
  campaigns: readonly CompiledCampaign[] | null,
  rules: AppliedRule[],
): { readonly points: number; readonly bonusPoints: number; readonly linePoints: readonly number[] } {
  const purchaseNumberInPeriod = input.purchaseNumberInPeriod;
  if (campaigns === null) return accruePoints(lines, payables, standing, purchaseNumberInPeriod, rules, 0);
  const campaignRules: AppliedRule[] = [];
  const purchaseNumbers = input.campaignPurchaseNumbers ?? null;
  const budgetLeft = input.campaignBudgetLeft ?? null;
  const bases = { receipt, earning: lines.earning, bases: payables.pointWeights, total: lines.total, purchaseNumbers, budgetLeft };
  const extraPoints = campaignPoints(bases, campaigns, campaignRules);
  const earned = accruePoints(lines, payables, standing, purchaseNumberInPeriod, rules, extraPoints);
  for (const rule of campaignRules) rules.push(rule);
  return earned;
}

/** Step 2 with campaigns: their discounts on top of the program's (domain/campaigns/campaign-mechanics.ts). */
function withCampaignDiscounts(
  receipt: Receipt,
  lines: ReadLines,
  discounts: { readonly discount: number; readonly lineDiscounts: readonly number[] },
  campaigns: readonly CompiledCampaign[] | null,
  rules: AppliedRule[],
  budgetLeft: readonly (number | null)[] | null,
): { readonly discount: number; readonly lineDiscounts: readonly number[]; readonly budgeted?: BudgetedDiscount[] | null } {
  if (campaigns === null) return discounts;
  const applied = applyCampaignDiscounts(receipt, lines.amounts, lines.discountCaps, discounts.lineDiscounts, campaigns, rules, budgetLeft);
  return { discount: discounts.discount + applied.added, lineDiscounts: applied.lineDiscounts, budgeted: applied.budgeted };
}

/** Step 1: each line's amount, discount cap (0 when it takes no discount) and whether it earns points. */
interface ReadLines {
  readonly count: number;
  readonly amounts: readonly number[];
  readonly discountCaps: readonly number[];
  readonly earning: readonly boolean[];
  readonly total: number;
  readonly discountableAmount: number;
  readonly capSum: number;
}

function readLines(compiled: CompiledProgram, receipt: Receipt): ReadLines {
  const count = receipt.lines.length;
  const amounts: number[] = new Array<number>(count);
  const discountCaps: number[] = new Array<number>(count);
  const earning: boolean[] = new Array<boolean>(count);
  let total = 0;
  let discountableAmount = 0;
  let capSum = 0;
  for (let index = 0; index < count; index += 1) {
    const line = receipt.lines[index];
    assert(line !== undefined, "lines are dense");
    amounts[index] = line.amount;
    total += line.amount;
    const discountable = line.noDiscount !== true && !compiled.noDiscountSkus.has(line.sku);
    const cap = discountable ? applyBasisPointsRoundingDown(line.amount, compiled.program.lines.maxDiscountBasisPoints) : 0;
    discountCaps[index] = cap;
    capSum += cap;
    if (discountable) discountableAmount += line.amount;
    earning[index] = line.noPoints !== true && !compiled.noPointsSkus.has(line.sku);
  }
  return { count, amounts, discountCaps, earning, total, discountableAmount, capSum };
}

/** Step 2: the discount, at most the caps' sum, spread over discountable lines by amount within their caps. */
function spreadDiscount(lines: ReadLines, standing: Standing, rules: AppliedRule[]): { readonly discount: number; readonly lineDiscounts: readonly number[] } {
  const { count, amounts, discountCaps } = lines;
  const discount = Math.min(applyBasisPointsRoundingDown(lines.discountableAmount, standing.discountBasisPoints), lines.capSum);
  if (discount === 0) return { discount, lineDiscounts: new Array<number>(count).fill(0) };
  const lineDiscounts = allocateWithCaps(
    discount,
    amounts.map((amount, index) => ((discountCaps[index] ?? 0) > 0 ? amount : 0)),
    discountCaps,
  );
  for (const source of standing.appliedDiscounts) {
    rules.push({ rule: source.rule, effect: "discount", basisPoints: source.basisPoints });
  }
  return { discount, lineDiscounts };
}

/** Step 3's room: what each line's cap leaves after its discount, and the weights points pay by. */
function paymentRoom(lines: ReadLines, lineDiscounts: readonly number[]): { readonly roomCaps: number[]; readonly paymentWeights: number[]; readonly room: number } {
  const roomCaps: number[] = new Array<number>(lines.count);
  const paymentWeights: number[] = new Array<number>(lines.count);
  let room = 0;
  for (let index = 0; index < lines.count; index += 1) {
    const left = (lines.discountCaps[index] ?? 0) - (lineDiscounts[index] ?? 0);
    roomCaps[index] = left;
    room += left;
    paymentWeights[index] = left > 0 ? (lines.amounts[index] ?? 0) - (lineDiscounts[index] ?? 0) : 0;
  }
  return { roomCaps, paymentWeights, room };
}

/** Step 4 and the accrual base of step 5: each line's payable, and the base of each earning line. */
interface Payables {
  readonly linePayables: readonly number[];
  readonly pointWeights: number[];
  readonly earningPayable: number;
  readonly earningAmount: number;
}

function linePayables(lines: ReadLines, lineDiscounts: readonly number[], linePointsPaid: readonly number[], paidWithMoney: boolean): Payables {
  const payables: number[] = new Array<number>(lines.count);
  const pointWeights: number[] = new Array<number>(lines.count);
  let earningPayable = 0;
  let earningAmount = 0;
  for (let index = 0; index < lines.count; index += 1) {
    const amount = lines.amounts[index] ?? 0;
    const payable = amount - (lineDiscounts[index] ?? 0) - (linePointsPaid[index] ?? 0);
    assert(payable >= 0, "no line goes below zero");
    payables[index] = payable;
    if (lines.earning[index]) {
      const base = paidWithMoney ? payable : amount - (lineDiscounts[index] ?? 0);
      earningPayable += base;
      earningAmount += amount;
      pointWeights[index] = base;
    } else {
      pointWeights[index] = 0;
    }
  }
  return { linePayables: payables, pointWeights, earningPayable, earningAmount };
}

/** Step 5: the accrual and the status bonus, spread over earning lines. */
function accruePoints(
  lines: ReadLines,
  payables: Payables,
  standing: Standing,
  purchaseNumberInPeriod: number,
  rules: AppliedRule[],
  /** The campaigns' points, joining the accrual and spread with it. */
  extraPoints: number,
): { readonly points: number; readonly bonusPoints: number; readonly linePoints: readonly number[] } {
  const { earningPayable, earningAmount, pointWeights } = payables;
  const baseAccrual = applyBasisPointsRoundingDown(earningPayable, standing.accrualRateBasisPoints);
  if (baseAccrual > 0) {
    rules.push({
      rule: standing.status?.accrualRateBasisPoints !== undefined ? `status:${standing.status.id}` : "program",
      effect: "accrual",
      basisPoints: standing.accrualRateBasisPoints,
      points: baseAccrual,
    });
  }
  // The card type's extra accrual is its own rule, rounded on its own: the rules' points add up to the accrual.
  const cardAccrual = standing.cardAccrual === undefined ? 0 : applyBasisPointsRoundingDown(earningPayable, standing.cardAccrual.basisPoints);
  if (cardAccrual > 0 && standing.cardAccrual !== undefined) {
    rules.push({ rule: standing.cardAccrual.rule, effect: "accrual", basisPoints: standing.cardAccrual.basisPoints, points: cardAccrual });
  }
  const accrual = baseAccrual + cardAccrual;
  const bonusDefinition = standing.status?.bonus;
  const bonusPoints =
    bonusDefinition !== undefined && earningAmount > 0 && purchaseNumberInPeriod % bonusDefinition.everyPurchases === 0 ? bonusDefinition.points : 0;
  if (bonusPoints > 0 && standing.status !== null) {
    rules.push({ rule: `status:${standing.status.id}`, effect: "bonus", points: bonusPoints });
  }
  const points = accrual + bonusPoints + extraPoints;
  // Points go to earning lines by what they paid with money; if they paid nothing, by amount.
  if (earningPayable === 0) {
    for (let index = 0; index < lines.count; index += 1) pointWeights[index] = lines.earning[index] ? (lines.amounts[index] ?? 0) : 0;
  }
  const linePoints = points === 0 ? new Array<number>(lines.count).fill(0) : allocateProportionally(points, pointWeights);
  return { points, bonusPoints, linePoints };
}

function calculatedLines(
  receipt: Receipt,
  lineDiscounts: readonly number[],
  linePointsPaid: readonly number[],
  payables: readonly number[],
  linePoints: readonly number[],
): CalculatedLine[] {
  const lines: CalculatedLine[] = new Array<CalculatedLine>(receipt.lines.length);
  for (let index = 0; index < receipt.lines.length; index += 1) {
    const line = receipt.lines[index];
    assert(line !== undefined, "lines are dense");
    lines[index] = {
      sku: line.sku,
      amount: line.amount,
      discount: lineDiscounts[index] ?? 0,
      pointsPaid: linePointsPaid[index] ?? 0,
      payable: payables[index] ?? 0,
      points: linePoints[index] ?? 0,
    };
  }
  return lines;
}
