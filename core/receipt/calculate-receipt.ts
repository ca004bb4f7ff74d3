import { assert } from "../assert/assert.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { allocateProportionally } from "../money/allocate-proportionally.js";
import { applyBasisPointsRoundingDown } from "../money/basis-points.js";
import type { Program } from "../program/program.js";
import type { CalculatedLine, Receipt, ReceiptCalculation } from "./receipt.js";

export type CalculationOutcome =
  | { readonly ok: true; readonly calculation: ReceiptCalculation }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/**
 * The skeleton program's receipt calculation. Pure: the same program, balance,
 * receipt and request give the same answer, with no I/O and no clock.
 *
 * 1. total = sum of line amounts (sold).
 * 2. redeemable = min(balance, floor(total x maxRedeemShare / pointValue)).
 * 3. redeem (requested points) must be <= balance and <= the cap; it pays
 *    redeem x pointValue minor units, spread over lines in proportion to their
 *    amounts as each line's discount.
 * 4. payable = total - discount (paid); points = floor(payable x accrualRate),
 *    spread over lines in proportion to each line's payable amount.
 * Per-line discounts and points sum exactly to the totals (largest remainder).
 */
export function calculateReceipt(
  program: Program,
  balance: number,
  receipt: Receipt,
  redeemRequested: number,
): CalculationOutcome {
  assert(Number.isSafeInteger(balance) && balance >= 0, "balance is a non-negative integer");
  assert(Number.isSafeInteger(redeemRequested) && redeemRequested >= 0, "redeem is a non-negative integer");

  const amounts = receipt.lines.map((line) => line.amount);
  let total = 0;
  for (const amount of amounts) total += amount;

  const redeemCapMinor = applyBasisPointsRoundingDown(total, program.maxRedeemShareBasisPoints);
  const redeemCapPoints = Math.floor(redeemCapMinor / program.pointValueMinor);
  const redeemable = Math.min(balance, redeemCapPoints);

  if (redeemRequested > balance) {
    return {
      ok: false,
      code: "INSUFFICIENT_POINTS",
      message: `redeem ${redeemRequested} exceeds the balance of ${balance} points`,
    };
  }
  if (redeemRequested > redeemCapPoints) {
    return {
      ok: false,
      code: "REDEEM_LIMIT_EXCEEDED",
      message: `redeem ${redeemRequested} exceeds the program's cap of ${redeemCapPoints} points for this receipt`,
    };
  }

  const discount = redeemRequested * program.pointValueMinor;
  assert(discount <= total, "redemption never exceeds the receipt total");
  const lineDiscounts = allocateProportionally(discount, amounts);
  const linePayables = amounts.map((amount, index) => amount - (lineDiscounts[index] ?? 0));
  const payable = total - discount;
  const points = applyBasisPointsRoundingDown(payable, program.accrualRateBasisPoints);
  const linePoints = allocateProportionally(points, linePayables);

  const lines: CalculatedLine[] = receipt.lines.map((line, index) => {
    const lineDiscount = lineDiscounts[index] ?? 0;
    const linePayable = linePayables[index] ?? 0;
    assert(linePayable >= 0, "a line's discount never exceeds its amount");
    return {
      sku: line.sku,
      amount: line.amount,
      discount: lineDiscount,
      payable: linePayable,
      points: linePoints[index] ?? 0,
    };
  });

  return {
    ok: true,
    calculation: {
      lines,
      total,
      discount,
      points,
      redeemable,
      redeem: redeemRequested,
      payable,
      programVersion: program.version,
    },
  };
}
