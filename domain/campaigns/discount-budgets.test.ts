import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { discountReturned, type CampaignDiscountSettled } from "./discount-budgets.js";

const quantities = (quantity: number, returnedQuantity: number): { quantity: number; returnedQuantity: number } => ({ quantity, returnedQuantity });

describe("a return's discount given back to a discount budget", () => {
  it.each([
    { name: "a line returned whole gives back its whole discount", given: 700, quantity: 3_000, before: 0, after: 3_000, back: 700 },
    { name: "a third of a line gives back a third, rounded down", given: 700, quantity: 3_000, before: 0, after: 1_000, back: 233 },
    { name: "the last return of a line gives back exactly what is left", given: 700, quantity: 3_000, before: 2_000, after: 3_000, back: 234 },
    { name: "nothing returned gives nothing back", given: 700, quantity: 3_000, before: 1_000, after: 1_000, back: 0 },
    { name: "a line's discount times its quantity beyond 2^53 is exact", given: 100_000_000_000, quantity: 1_000_000_000, before: 0, after: 999_999_999, back: 99_999_999_900 },
  ])("$name", ({ given, quantity, before, after, back }) => {
    const settled: CampaignDiscountSettled[] = [{ campaign: "c", lines: [{ line: 0, discount: given }] }];
    const returned = discountReturned(settled, [quantities(quantity, before)], [quantities(quantity, after)]);
    expect(returned).toEqual(back === 0 ? [] : [{ campaign: "c", discount: back }]);
  });

  it("gives back, over any returns of a line, never more than it gave and all of it once the line is returned whole", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }), (given, units, steps) => {
        const quantity = units * 1_000;
        let returnedQuantity = 0;
        let back = 0;
        for (const step of [...steps, units]) {
          const next = Math.min(quantity, returnedQuantity + step * 1_000);
          const returned = discountReturned([{ campaign: "c", lines: [{ line: 0, discount: given }] }], [quantities(quantity, returnedQuantity)], [quantities(quantity, next)]);
          back += returned[0]?.discount ?? 0;
          returnedQuantity = next;
          expect(back).toBeLessThanOrEqual(given);
        }
        expect(back).toBe(given);
      }),
    );
  });
});
