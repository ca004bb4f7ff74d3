import { describe, expect, it } from "vitest";
import { openAccount } from "../account/account.js";
import { calculateForMember } from "../engine/member-operations.js";
import { compileProgram, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { budgetShare, type CampaignBudgetView } from "./campaign-budgets.js";
import { CompiledCampaigns } from "./compiled-campaigns.js";
import { validateCampaignsDocument } from "./validate-campaigns.js";

const AT = moscow(2026, 3, 10);
const PROGRAM = compileProgram(programDocument({ points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } }));

function campaigns(mechanics: unknown[], budgetPoints: number | null, budgetDiscount: number | null = null): CompiledCampaigns {
  const campaign = { id: "c", name: "c", start: "2026-03-01", end: "2026-03-31", state: "active", mechanics, ...(budgetPoints === null ? {} : { budgetPoints }), ...(budgetDiscount === null ? {} : { budgetDiscount }) };
  return new CompiledCampaigns({ ...validateCampaignsDocument({ segments: [], campaigns: [campaign] }, null), version: 1 }, "Europe/Moscow");
}

/** The campaign's points on a receipt of 10,000 when `left` points remain of its budget here. */
function campaignPointsWith(mechanics: unknown[], left: number | null): number {
  const budgets: CampaignBudgetView = { pointsLeft: () => left ?? 0, discountLeft: () => 0 };
  const outcome = calculateForMember(PROGRAM, openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000), receiptAt(AT, [10_000]), 0, {
    now: AT,
    partner: "p",
    campaigns: campaigns(mechanics, left === null ? null : 1_000_000),
    budgets,
  });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.calculation.rules.filter((rule) => rule.rule === "campaign:c").reduce((sum, rule) => sum + (rule.points ?? 0), 0);
}

describe("a campaign's budget in a calculation", () => {
  it.each([
    { name: "a rate within what is left gives all it earns", mechanics: [{ kind: "points", rateBasisPoints: 1_000 }], left: 5_000, points: 1_000 },
    { name: "a rate beyond what is left gives what is left", mechanics: [{ kind: "points", rateBasisPoints: 1_000 }], left: 321, points: 321 },
    { name: "a fixed amount that fits is given whole", mechanics: [{ kind: "points", fixedPoints: 300 }], left: 300, points: 300 },
    { name: "a fixed amount that does not fit is not given at all", mechanics: [{ kind: "points", fixedPoints: 300 }], left: 299, points: 0 },
    {
      name: "mechanics spend what is left in order: the rate first, then a fixed amount only if it still fits",
      mechanics: [{ kind: "points", rateBasisPoints: 1_000 }, { kind: "points", fixedPoints: 50 }],
      left: 1_040,
      points: 1_000,
    },
    { name: "a spent budget gives nothing", mechanics: [{ kind: "points", rateBasisPoints: 1_000 }], left: 0, points: 0 },
    { name: "without a budget nothing is clamped", mechanics: [{ kind: "points", rateBasisPoints: 1_000 }], left: null, points: 1_000 },
  ])("$name", ({ mechanics, left, points }) => {
    expect(campaignPointsWith(mechanics, left)).toBe(points);
  });

  it("splits a budget into shares by logical shards owned that add up to at most the budget", () => {
    for (const threads of [1, 2, 3, 5, 7]) {
      for (const budget of [1, 99, 1_000, 10_000_000_000_000]) {
        const owned = Array.from({ length: threads }, (_, thread) => Array.from({ length: 256 }, (_, shard) => shard).filter((shard) => shard % threads === thread).length);
        const shares = owned.map((count) => budgetShare(budget, count, 256));
        expect(shares.reduce((sum, share) => sum + share, 0)).toBeLessThanOrEqual(budget);
        expect(shares.reduce((sum, share) => sum + share, 0)).toBeGreaterThan(budget - threads);
      }
    }
  });
});

/** The campaign's discount rules and the receipt's discount on a receipt of two lines (6,000 and 4,000) when `left` remains of its discount budget here. */
function campaignDiscountWith(mechanics: unknown[], left: number | null): { readonly rules: readonly unknown[]; readonly discount: number; readonly lines: readonly number[] } {
  const budgets: CampaignBudgetView = { pointsLeft: () => 0, discountLeft: () => left ?? 0 };
  const outcome = calculateForMember(PROGRAM, openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000), receiptAt(AT, [6_000, 4_000]), 0, {
    now: AT,
    partner: "p",
    campaigns: campaigns(mechanics, null, left === null ? null : 1_000_000),
    budgets,
  });
  if (!outcome.ok) throw new Error(outcome.message);
  const { rules, discount, lines } = outcome.calculation;
  return { rules: rules.filter((rule) => rule.rule === "campaign:c"), discount, lines: lines.map((line) => line.discount) };
}

describe("a campaign's discount budget in a calculation", () => {
  it.each([
    {
      name: "a discount within what is left is given whole, its rule saying how much",
      mechanics: [{ kind: "discount", basisPoints: 1_000 }],
      left: 5_000,
      rules: [{ rule: "campaign:c", effect: "discount", basisPoints: 1_000, discount: 1_000 }],
      lines: [600, 400],
    },
    {
      name: "a discount beyond what is left gives what is left, spread by amount, and says the budget limited it",
      mechanics: [{ kind: "discount", basisPoints: 1_000 }],
      left: 250,
      rules: [{ rule: "campaign:c", effect: "discount", basisPoints: 1_000, discount: 250, limitedBy: "budget" }],
      lines: [150, 100],
    },
    {
      name: "a spent budget gives no discount, and its rule says why",
      mechanics: [{ kind: "discount", basisPoints: 1_000 }],
      left: 0,
      rules: [{ rule: "campaign:c", effect: "discount", basisPoints: 1_000, discount: 0, limitedBy: "budget" }],
      lines: [0, 0],
    },
    {
      name: "mechanics spend what is left in order",
      mechanics: [{ kind: "discount", basisPoints: 500, skus: ["sku-0"] }, { kind: "discount", basisPoints: 1_000 }],
      left: 800,
      rules: [
        { rule: "campaign:c", effect: "discount", basisPoints: 500, discount: 300 },
        { rule: "campaign:c", effect: "discount", basisPoints: 1_000, discount: 500, limitedBy: "budget" },
      ],
      lines: [600, 200],
    },
    { name: "without a budget the rule is as before", mechanics: [{ kind: "discount", basisPoints: 1_000 }], left: null, rules: [{ rule: "campaign:c", effect: "discount", basisPoints: 1_000 }], lines: [600, 400] },
  ])("$name", ({ mechanics, left, rules, lines }) => {
    const priced = campaignDiscountWith(mechanics, left);
    expect(priced.rules).toEqual(rules);
    expect(priced.lines).toEqual(lines);
    expect(priced.discount).toBe(lines.reduce((sum, line) => sum + line, 0));
  });
});
