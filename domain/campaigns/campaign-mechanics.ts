// Thread: any; pure domain (no I/O, no clock).
import { allocateWithCaps } from "../money/allocate-with-caps.js";
import { applyBasisPointsRoundingDown } from "../money/basis-points.js";
import type { AppliedRule, Receipt } from "../receipt/receipt.js";
import type { CompiledCampaign } from "./compiled-campaigns.js";

/**
 * Campaign discounts, after the program's: each discount mechanic of each
 * campaign (in document order) takes floor(eligible amount x rate) off the
 * discountable lines it names (all of them without `skus`), within the room
 * each line's cap (lines.maxDiscountBasisPoints) has left, spread by amount.
 * They add to the program's discount and do not pass through its discount
 * policy (docs/campaigns.md, "How they combine"). Returns the new line
 * discounts and what the campaigns added.
 *
 * A campaign with a discount budget gives at most what is left of its
 * thread's share (`budgetLeft`, beside the campaigns), spent mechanic by
 * mechanic: a mechanic the budget cuts gives what is left (nothing when
 * nothing is), and its rule says so (`limitedBy: "budget"`). Its rules carry
 * the discount each gave (`discount`), and `budgeted` what it gave by line,
 * which the receipt's settlement keeps so that returns give it back.
 */
export function applyCampaignDiscounts(
  receipt: Receipt,
  amounts: readonly number[],
  discountCaps: readonly number[],
  lineDiscounts: readonly number[],
  campaigns: readonly CompiledCampaign[],
  rules: AppliedRule[],
  budgetLeft: readonly (number | null)[] | null = null,
): { readonly lineDiscounts: readonly number[]; readonly added: number; readonly budgeted: BudgetedDiscount[] | null } {
  let current: number[] | null = null;
  let added = 0;
  let budgeted: BudgetedDiscount[] | null = null;
  for (let campaignIndex = 0; campaignIndex < campaigns.length; campaignIndex += 1) {
    const campaign = campaigns[campaignIndex] as CompiledCampaign;
    const left = budgetLeft?.[campaignIndex] ?? null;
    const spent: BudgetedDiscount | null = left === null || campaign.discounts.length === 0 ? null : { campaign, discount: 0, lines: new Array<number>(amounts.length).fill(0) };
    if (spent !== null) (budgeted ??= []).push(spent);
    for (const mechanic of campaign.discounts) {
      const before = current ?? lineDiscounts;
      const rooms: number[] = new Array<number>(amounts.length);
      const weights: number[] = new Array<number>(amounts.length);
      let eligibleAmount = 0;
      let roomSum = 0;
      for (let index = 0; index < amounts.length; index += 1) {
        const cap = discountCaps[index] ?? 0;
        const eligible = cap > 0 && (mechanic.skus === null || mechanic.skus.has(receipt.lines[index]?.sku ?? ""));
        const room = eligible ? cap - (before[index] ?? 0) : 0;
        rooms[index] = room;
        weights[index] = room > 0 ? (amounts[index] ?? 0) : 0;
        if (eligible) eligibleAmount += amounts[index] ?? 0;
        roomSum += room;
      }
      const earned = Math.min(applyBasisPointsRoundingDown(eligibleAmount, mechanic.basisPoints), roomSum);
      if (earned === 0) continue;
      if (spent === null) {
        current = addDiscount(current ?? lineDiscounts.slice(), allocateWithCaps(earned, weights, rooms), null);
        added += earned;
        rules.push({ rule: campaign.rule, effect: "discount", basisPoints: mechanic.basisPoints });
        continue;
      }
      // Under a discount budget: at most what is left of the thread's share.
      const discount = Math.min(earned, (left ?? 0) - spent.discount);
      if (discount > 0) current = addDiscount(current ?? lineDiscounts.slice(), allocateWithCaps(discount, weights, rooms), spent);
      added += discount;
      rules.push({ rule: campaign.rule, effect: "discount", basisPoints: mechanic.basisPoints, discount, ...(discount < earned ? { limitedBy: "budget" as const } : {}) });
    }
  }
  return { lineDiscounts: current ?? lineDiscounts, added, budgeted };
}

/** What a campaign with a discount budget gave a receipt: in all and by line (the receipt's lines, dense). */
export interface BudgetedDiscount {
  readonly campaign: CompiledCampaign;
  discount: number;
  readonly lines: number[];
}

/** Adds a mechanic's parts to the line discounts (and to its budgeted campaign's). */
function addDiscount(current: number[], parts: readonly number[], spent: BudgetedDiscount | null): number[] {
  for (let index = 0; index < current.length; index += 1) {
    const part = parts[index] ?? 0;
    current[index] = (current[index] ?? 0) + part;
    if (spent !== null) {
      spent.lines[index] = (spent.lines[index] ?? 0) + part;
      spent.discount += part;
    }
  }
  return current;
}

/** What a receipt's points mechanics read: the earning lines and what each earns on, the total, which purchase it is. */
export interface CampaignPointsInput {
  readonly receipt: Receipt;
  readonly earning: readonly boolean[];
  /** The accrual base of each line (0 for lines that earn nothing). */
  readonly bases: readonly number[];
  readonly total: number;
  /** Beside the campaigns, which purchase in that campaign's own period the receipt is; null: none counts purchases. */
  readonly purchaseNumbers: readonly number[] | null;
  /** Beside the campaigns, the points each may still give under its budget (null: no budget); null: none has one. */
  readonly budgetLeft: readonly (number | null)[] | null;
}

/**
 * Campaign points: each points mechanic whose conditions hold (a receipt
 * total at least `receiptTotalAtLeast`, the purchase in the campaign's own
 * period a multiple of `everyPurchases`) gives floor(base of the lines it names x rate), or its
 * fixed points when an earning line it names is on the receipt. Each is a
 * rule of its own, rounded on its own, so the rules' points add up.
 */
export function campaignPoints(input: CampaignPointsInput, campaigns: readonly CompiledCampaign[], rules: AppliedRule[]): number {
  let points = 0;
  for (let campaignIndex = 0; campaignIndex < campaigns.length; campaignIndex += 1) {
    const campaign = campaigns[campaignIndex] as CompiledCampaign;
    // Under a budget: what is left of this thread's share (campaign-budgets.ts), spent mechanic by mechanic.
    let left = input.budgetLeft?.[campaignIndex] ?? null;
    for (const mechanic of campaign.points) {
      if (mechanic.receiptTotalAtLeast !== null && input.total < mechanic.receiptTotalAtLeast) continue;
      if (mechanic.everyPurchases !== null && (input.purchaseNumbers?.[campaignIndex] ?? 1) % mechanic.everyPurchases !== 0) continue;
      let base = 0;
      let named = false;
      for (let index = 0; index < input.earning.length; index += 1) {
        if (input.earning[index] !== true) continue;
        if (mechanic.skus !== null && !mechanic.skus.has(input.receipt.lines[index]?.sku ?? "")) continue;
        named = true;
        base += input.bases[index] ?? 0;
      }
      if (mechanic.rateBasisPoints !== null) {
        // A rate gives what is left of the budget when that is less than it earned.
        const earned = Math.min(applyBasisPointsRoundingDown(base, mechanic.rateBasisPoints), left ?? Number.MAX_SAFE_INTEGER);
        if (earned === 0) continue;
        points += earned;
        if (left !== null) left -= earned;
        rules.push({ rule: campaign.rule, effect: "accrual", basisPoints: mechanic.rateBasisPoints, points: earned });
      } else if (mechanic.fixedPoints !== null && named && (left === null || left >= mechanic.fixedPoints)) {
        // A fixed amount is given whole or not at all.
        points += mechanic.fixedPoints;
        if (left !== null) left -= mechanic.fixedPoints;
        rules.push({ rule: campaign.rule, effect: "bonus", points: mechanic.fixedPoints });
      }
    }
  }
  return points;
}
