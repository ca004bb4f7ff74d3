import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { calculateForMember, commitForMember } from "../engine/member-operations.js";
import { compileProgram, line, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { itEach } from "../test-support/table-tests.js";
import type { Receipt } from "../receipt/receipt.js";
import { CompiledCampaigns } from "./compiled-campaigns.js";
import { validateCampaignsDocument } from "./validate-campaigns.js";

const AT = moscow(2026, 3, 10);

/** 5 % accrual, half a receipt payable with points, a 3 % rule for everyone, each line at most 20 % off. */
const PROGRAM = compileProgram(
  programDocument({
    points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 },
    discountRules: [{ id: "everyone", counter: "visits", from: 0, discountBasisPoints: 300 }],
    lines: { maxDiscountBasisPoints: 2_000 },
  }),
);

/** A campaign for everyone in March 2026 (Moscow dates) with these mechanics. */
function campaign(id: string, mechanics: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name: id, start: "2026-03-01", end: "2026-03-31", state: "active", partner: "p2", mechanics, ...overrides };
}

function compiled(campaigns: unknown[], segments: unknown[] = [], version = 7): CompiledCampaigns {
  return new CompiledCampaigns({ ...validateCampaignsDocument({ segments, campaigns }, null), version }, "Europe/Moscow");
}

function member(): Account {
  return openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000);
}

function priced(campaigns: CompiledCampaigns | null, receipt: Receipt = receiptAt(AT, [10_000]), account: Account = member()) {
  const outcome = calculateForMember(PROGRAM, account, receipt, 0, { now: AT, partner: "p", campaigns });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.calculation;
}

const BASE = priced(null);

describe("campaign receipt mechanics", () => {
  it("leaves the answer exactly as before, with no campaigns field, when there is no campaigns document", () => {
    expect(BASE).not.toHaveProperty("campaignsVersion");
    expect(BASE).toMatchObject({ discount: 300, points: 485 });
  });

  it("records the version and changes nothing else when the document has no active campaign", () => {
    const none = priced(compiled([campaign("later", [{ kind: "points", fixedPoints: 5 }], { state: "draft" })]));
    expect(none).toEqual({ ...BASE, campaignsVersion: 7 });
  });

  itEach([
    {
      name: "a rate gives its share of what the earning lines paid, as its own accrual rule",
      mechanics: [{ kind: "points", rateBasisPoints: 1_000 }],
      points: 485 + 970,
      rule: { rule: "campaign:c", effect: "accrual", basisPoints: 1_000, points: 970 },
    },
    {
      name: "a fixed amount per receipt is a bonus rule",
      mechanics: [{ kind: "points", fixedPoints: 150 }],
      points: 485 + 150,
      rule: { rule: "campaign:c", effect: "bonus", points: 150 },
    },
    {
      name: "a rate on named SKUs counts only those lines",
      mechanics: [{ kind: "points", rateBasisPoints: 1_000, skus: ["sku-0"] }],
      points: 485 + 970,
      rule: { rule: "campaign:c", effect: "accrual", basisPoints: 1_000, points: 970 },
    },
    {
      name: "a receipt total at least the threshold gets the points",
      mechanics: [{ kind: "points", fixedPoints: 40, receiptTotalAtLeast: 10_000 }],
      points: 485 + 40,
      rule: { rule: "campaign:c", effect: "bonus", points: 40 },
    },
    {
      name: "the first purchase is a multiple of every 1st purchase",
      mechanics: [{ kind: "points", fixedPoints: 40, everyPurchases: 1 }],
      points: 485 + 40,
      rule: { rule: "campaign:c", effect: "bonus", points: 40 },
    },
  ])((row) => {
    const answer = priced(compiled([campaign("c", row.mechanics)]));
    expect(answer.points).toBe(row.points);
    expect(answer.rules).toContainEqual(row.rule);
    expect(answer.lines.reduce((sum, each) => sum + each.points, 0)).toBe(row.points);
    expect(answer.discount).toBe(BASE.discount);
  });

  itEach([
    { name: "a fixed amount for SKUs not on the receipt gives nothing", mechanics: [{ kind: "points", fixedPoints: 40, skus: ["OTHER"] }] },
    { name: "a receipt below the total gives nothing", mechanics: [{ kind: "points", fixedPoints: 40, receiptTotalAtLeast: 10_001 }] },
    { name: "a purchase that is not the k-th gives nothing", mechanics: [{ kind: "points", fixedPoints: 40, everyPurchases: 2 }] },
    { name: "a campaign outside its period gives nothing", mechanics: [{ kind: "points", fixedPoints: 40 }], overrides: { start: "2026-04-01", end: "2026-04-30" } },
    { name: "a paused campaign gives nothing", mechanics: [{ kind: "points", fixedPoints: 40 }], overrides: { state: "paused" } },
    { name: "an ended campaign gives nothing", mechanics: [{ kind: "points", fixedPoints: 40 }], overrides: { state: "ended" } },
  ])((row) => {
    const answer = priced(compiled([campaign("c", row.mechanics, row.overrides ?? {})]));
    expect(answer).toEqual({ ...BASE, campaignsVersion: 7 });
  });

  it("takes a discount on lines on top of the program's discount, cited separately, within each line's cap", () => {
    // Program 3 % everywhere; the campaign 10 % on sku-0 only; sku-0's cap is 20 % = 2,000.
    const receipt = receiptAt(AT, [line("sku-0", 10_000), line("sku-1", 10_000)]);
    const answer = priced(compiled([campaign("c", [{ kind: "discount", basisPoints: 1_000, skus: ["sku-0"] }])]), receipt);
    expect(answer.lines.map((each) => each.discount)).toEqual([300 + 1_000, 300]);
    expect(answer.discount).toBe(1_600);
    expect(answer.discountBasisPoints).toBe(300);
    expect(answer.rules).toContainEqual({ rule: "campaign:c", effect: "discount", basisPoints: 1_000 });
    const capped = priced(compiled([campaign("c", [{ kind: "discount", basisPoints: 5_000, skus: ["sku-0"] }])]), receipt);
    expect(capped.lines.map((each) => each.discount)).toEqual([2_000, 300]);
  });

  it("gives no campaign discount to lines the POS or the program exclude from discounts", () => {
    const receipt = receiptAt(AT, [line("sku-0", 10_000, { noDiscount: true })]);
    const answer = priced(compiled([campaign("c", [{ kind: "discount", basisPoints: 1_000 }])]), receipt);
    expect(answer.discount).toBe(0);
    expect(answer.rules.some((rule) => rule.rule === "campaign:c")).toBe(false);
  });

  it("applies several campaigns in document order, each cited, their discounts adding up within the caps", () => {
    const answer = priced(
      compiled([campaign("a", [{ kind: "discount", basisPoints: 1_000 }, { kind: "points", fixedPoints: 10 }]), campaign("b", [{ kind: "discount", basisPoints: 1_000 }])]),
    );
    // 3 % + 10 % + the 7 % left under the 20 % cap.
    expect(answer.discount).toBe(2_000);
    expect(answer.rules.filter((rule) => rule.rule.startsWith("campaign:")).map((rule) => `${rule.rule} ${rule.effect}`)).toEqual([
      "campaign:a discount",
      "campaign:b discount",
      "campaign:a bonus",
    ]);
  });

  it("gives a campaign only to members its segment holds for at the receipt's time", () => {
    const segments = [{ id: "loyal", name: "Loyal", when: { fact: "lifetimeVisits", atLeast: 1 } }];
    const campaigns = compiled([campaign("c", [{ kind: "points", fixedPoints: 99 }], { audience: "loyal" })], segments);
    expect(priced(campaigns).points).toBe(BASE.points);
    const committed = commitForMember(PROGRAM, member(), receiptAt(AT - 100, [1_000]), 0, { now: AT - 100, partner: "p", campaigns });
    if (!committed.ok) throw new Error(committed.message);
    expect(committed.calculation.campaignsVersion).toBe(7);
    expect(priced(campaigns, receiptAt(AT, [10_000]), committed.account).rules).toContainEqual({ rule: "campaign:c", effect: "bonus", points: 99 });
  });

  it("accrues the campaign's points in a lot of their own, issued by the funding partner, beside the receipt's lot", () => {
    const receipt = receiptAt(AT, [10_000]);
    const committed = commitForMember(PROGRAM, member(), receipt, 0, { now: AT, partner: "p", campaigns: compiled([campaign("c", [{ kind: "points", fixedPoints: 150 }])]) });
    if (!committed.ok) throw new Error(committed.message);
    expect(committed.account.balance).toBe(485 + 150);
    expect(committed.account.ledger.lots.map((lot) => [lot.source, lot.partner, lot.points, lot.reference])).toEqual([
      ["receipt", "p", 485, JSON.stringify([receipt.store, receipt.id])],
      ["campaign", "p2", 150, JSON.stringify([receipt.store, receipt.id, "campaign:c"])],
    ]);
    expect(committed.settlement).toMatchObject({ accruedLot: 1, campaignLots: [{ lot: 2, points: 150, revoked: 0, campaign: "c", budgeted: false }] });
  });
});

describe("docs/campaigns.md's worked example", () => {
  it("prices the example receipt as the page's table says", async () => {
    const { readFileSync } = await import("node:fs");
    const page = readFileSync(new URL("../../docs/campaigns.md", import.meta.url), "utf8");
    const example = /## A worked example[\s\S]*?```json\n([\s\S]*?)```/.exec(page)?.[1];
    if (example === undefined) throw new Error("the worked example's JSON is on the page");
    const program = compileProgram(
      programDocument({
        points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 },
        discountRules: [{ id: "everyone", counter: "visits", from: 0, discountBasisPoints: 300 }],
        lines: { maxDiscountBasisPoints: 2_000 },
        categories: [{ id: "vip", name: "VIP" }],
      }),
    );
    const campaigns = new CompiledCampaigns({ ...validateCampaignsDocument(JSON.parse(example), program.program), version: 3 }, "Europe/Moscow");
    const account = openAccount("m0000000000000001", 1, TEST_PROFILE, moscow(2024, 3, 1));
    const receipt = receiptAt(AT, [line("COFFEE-1", 100_000), line("BREAD-1", 50_000)]);
    const outcome = calculateForMember(program, account, receipt, 0, { now: AT, partner: "p", campaigns });
    expect(outcome.ok && outcome.calculation).toMatchObject({
      discount: 14_500,
      payable: 135_500,
      points: 20_475,
      campaignsVersion: 3,
      lines: [{ discount: 13_000 }, { discount: 1_500 }],
      rules: [
        { rule: "rule:everyone", effect: "discount", basisPoints: 300 },
        { rule: "campaign:coffee", effect: "discount", basisPoints: 1_000 },
        { rule: "program", effect: "accrual", basisPoints: 500, points: 6_775 },
        { rule: "campaign:march-loyal", effect: "accrual", basisPoints: 1_000, points: 13_550 },
        { rule: "campaign:coffee", effect: "bonus", points: 150 },
      ],
    });
  });
});
