import { assert } from "../assert/assert.js";
import type { CompiledProgram } from "./compiled-program.js";
import type { Standing } from "./standing.js";
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import { allocateProportionally } from "../money/allocate-proportionally.js";
import { allocateWithCaps } from "../money/allocate-with-caps.js";
import { applyBasisPointsRoundingDown } from "../money/basis-points.js";
import { floorDivide } from "../money/floor-divide.js";
import type { AppliedRule, CalculatedLine, Receipt, ReceiptCalculation } from "../receipt/receipt.js";

export type CalculationOutcome = Outcome<{ readonly calculation: ReceiptCalculation }>;

export interface CalculationInput {
  readonly compiled: CompiledProgram;
  /** The member's standing at the receipt's time (domain/engine/standing.ts). */
  readonly standing: Standing;
  readonly balance: number;
  /** Which purchase of the current period this receipt is: 1 for the first. */
  readonly purchaseNumberInPeriod: number;
  readonly receipt: Receipt;
  readonly redeem: number;
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
    const cap = discountable ? applyBasisPointsRoundingDown(line.amount, program.lines.maxDiscountBasisPoints) : 0;
    discountCaps[index] = cap;
    capSum += cap;
    if (discountable) discountableAmount += line.amount;
    earning[index] = line.noPoints !== true && !compiled.noPointsSkus.has(line.sku);
  }

  const rules: AppliedRule[] = [];
  const discount = Math.min(applyBasisPointsRoundingDown(discountableAmount, standing.discountBasisPoints), capSum);
  const lineDiscounts =
    discount === 0
      ? new Array<number>(count).fill(0)
      : allocateWithCaps(
          discount,
          amounts.map((amount, index) => ((discountCaps[index] ?? 0) > 0 ? amount : 0)),
          discountCaps,
        );
  if (discount > 0) {
    for (const source of standing.appliedDiscounts) {
      rules.push({ rule: source.rule, effect: "discount", basisPoints: source.basisPoints });
    }
  }

  const roomCaps: number[] = new Array<number>(count);
  const paymentWeights: number[] = new Array<number>(count);
  let room = 0;
  for (let index = 0; index < count; index += 1) {
    const left = (discountCaps[index] ?? 0) - (lineDiscounts[index] ?? 0);
    roomCaps[index] = left;
    room += left;
    paymentWeights[index] = left > 0 ? (amounts[index] ?? 0) - (lineDiscounts[index] ?? 0) : 0;
  }
  const shareCap = applyBasisPointsRoundingDown(total - discount, program.points.maxRedeemShareBasisPoints);
  const redeemCapPoints = floorDivide(Math.min(shareCap, room), program.points.pointValueMinor);
  const redeemable = Math.min(balance, redeemCapPoints);
  if (redeem > balance) {
    return failure("INSUFFICIENT_POINTS", `redeem ${redeem} exceeds the balance of ${balance} points`);
  }
  if (redeem > redeemCapPoints) {
    return failure("REDEEM_LIMIT_EXCEEDED", `redeem ${redeem} exceeds the program's cap of ${redeemCapPoints} points for this receipt`);
  }
  const pointsPaid = redeem * program.points.pointValueMinor;
  const linePointsPaid = pointsPaid === 0 ? new Array<number>(count).fill(0) : allocateWithCaps(pointsPaid, paymentWeights, roomCaps);

  const paidWithMoney = program.points.accrualBase === "paidWithMoney";
  const linePayables: number[] = new Array<number>(count);
  const pointWeights: number[] = new Array<number>(count);
  let earningPayable = 0;
  let earningAmount = 0;
  for (let index = 0; index < count; index += 1) {
    const amount = amounts[index] ?? 0;
    const payable = amount - (lineDiscounts[index] ?? 0) - (linePointsPaid[index] ?? 0);
    assert(payable >= 0, "no line goes below zero");
    linePayables[index] = payable;
    if (earning[index]) {
      const base = paidWithMoney ? payable : amount - (lineDiscounts[index] ?? 0);
      earningPayable += base;
      earningAmount += amount;
      pointWeights[index] = base;
    } else {
      pointWeights[index] = 0;
    }
  }
  const accrual = applyBasisPointsRoundingDown(earningPayable, standing.accrualRateBasisPoints);
  if (accrual > 0) {
    rules.push({
      rule: standing.status?.accrualRateBasisPoints !== undefined ? `status:${standing.status.id}` : "program",
      effect: "accrual",
      basisPoints: standing.accrualRateBasisPoints,
      points: accrual,
    });
  }
  const bonusDefinition = standing.status?.bonus;
  const bonusPoints =
    bonusDefinition !== undefined &&
    earningAmount > 0 &&
    input.purchaseNumberInPeriod % bonusDefinition.everyPurchases === 0
      ? bonusDefinition.points
      : 0;
  if (bonusPoints > 0 && standing.status !== null) {
    rules.push({ rule: `status:${standing.status.id}`, effect: "bonus", points: bonusPoints });
  }
  const points = accrual + bonusPoints;
  // Points go to earning lines by what they paid with money; if they paid nothing, by amount.
  if (earningPayable === 0) {
    for (let index = 0; index < count; index += 1) pointWeights[index] = earning[index] ? (amounts[index] ?? 0) : 0;
  }
  const linePoints = points === 0 ? new Array<number>(count).fill(0) : allocateProportionally(points, pointWeights);

  const lines: CalculatedLine[] = new Array<CalculatedLine>(count);
  for (let index = 0; index < count; index += 1) {
    const line = receipt.lines[index];
    assert(line !== undefined, "lines are dense");
    lines[index] = {
      sku: line.sku,
      amount: line.amount,
      discount: lineDiscounts[index] ?? 0,
      pointsPaid: linePointsPaid[index] ?? 0,
      payable: linePayables[index] ?? 0,
      points: linePoints[index] ?? 0,
    };
  }
  const payable = total - discount - pointsPaid;
  return {
    ok: true,
    calculation: {
      lines,
      total,
      discount,
      pointsPaid,
      payable,
      points,
      bonusPoints,
      redeemable,
      redeem,
      discountBasisPoints: standing.discountBasisPoints,
      rules,
      programVersion: program.version,
    },
  };
}
