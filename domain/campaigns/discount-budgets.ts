// Thread: any; pure domain (no I/O, no clock).
import { assert } from "../assert/assert.js";
import { floorDivide } from "../money/floor-divide.js";
import type { BudgetedDiscount } from "./campaign-mechanics.js";

/**
 * Discount budgets (docs/campaigns.md, "Budgets"): what a campaign with a
 * discount budget gave a receipt is kept in the receipt's settlement, by
 * line, so that a return gives back to the budget exactly the discount of
 * what it returned: of a line with quantity Q and campaign discount d, the
 * returns of q in all have given back floor(d x q / Q), so the last return
 * of the line gives back exactly what is left of d and no return gives back
 * more than was given.
 */

/** What one campaign with a discount budget gave a receipt, by line (only lines it gave some). */
export interface CampaignDiscountSettled {
  readonly campaign: string;
  readonly lines: readonly { readonly line: number; readonly discount: number }[];
}

/** A settlement's campaign discounts: only the campaigns that gave some; null when none did. */
export function settledDiscounts(budgeted: readonly BudgetedDiscount[] | undefined): CampaignDiscountSettled[] | null {
  if (budgeted === undefined) return null;
  const settled: CampaignDiscountSettled[] = [];
  for (const { campaign, discount, lines } of budgeted) {
    if (discount === 0) continue;
    const given: { line: number; discount: number }[] = [];
    for (let index = 0; index < lines.length; index += 1) if ((lines[index] ?? 0) > 0) given.push({ line: index, discount: lines[index] ?? 0 });
    settled.push({ campaign: campaign.id, lines: given });
  }
  return settled.length === 0 ? null : settled;
}

/** A settled line's quantity and how much of it returns have taken back (in thousandths, as the settlement keeps them). */
interface LineQuantities {
  readonly quantity: number;
  readonly returnedQuantity: number;
}

/** Per campaign, the discount a return gives back to its budget: the lines' returned quantities before and after it. */
export function discountReturned(
  settled: readonly CampaignDiscountSettled[] | undefined,
  before: readonly LineQuantities[],
  after: readonly LineQuantities[],
): { readonly campaign: string; readonly discount: number }[] {
  const returned: { campaign: string; discount: number }[] = [];
  if (settled === undefined) return returned;
  for (const { campaign, lines } of settled) {
    let discount = 0;
    for (const { line, discount: given } of lines) {
      const was = before[line];
      const now = after[line];
      assert(was !== undefined && now !== undefined && was.quantity === now.quantity, "a settled discount names a line of the receipt");
      discount += givenBack(given, now.returnedQuantity, now.quantity) - givenBack(given, was.returnedQuantity, was.quantity);
    }
    if (discount > 0) returned.push({ campaign, discount });
  }
  return returned;
}

/** floor(given x returned / quantity), exact (a line's discount times its quantity in thousandths may pass 2^53). */
function givenBack(given: number, returned: number, quantity: number): number {
  if (returned === quantity) return given;
  const product = given * returned;
  if (Number.isSafeInteger(product)) return floorDivide(product, quantity);
  return Number((BigInt(given) * BigInt(returned)) / BigInt(quantity));
}
