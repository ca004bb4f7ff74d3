import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { commitForMember } from "../engine/member-operations.js";
import { reverseReceipt } from "../engine/receipt-settlement.js";
import { compileProgram, DAY, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { CompiledCampaigns } from "./compiled-campaigns.js";
import { CAMPAIGN_PURCHASE_COUNTERS_MAX, CAMPAIGN_PURCHASES_KEPT_AFTER_END_MILLISECONDS, countCampaignPurchases } from "./campaign-purchases.js";
import { validateCampaignsDocument } from "./validate-campaigns.js";

/** 5 % accrual, nothing else. */
const PROGRAM = compileProgram(programDocument({ points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } }));

/** Every 2nd purchase from 10 March 2026 (Moscow) gives 40 points. */
function everySecond(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: "second", name: "second", start: "2026-03-10", end: "2026-03-31", state: "active", mechanics: [{ kind: "points", fixedPoints: 40, everyPurchases: 2 }], ...overrides };
}

function compiled(campaigns: unknown[], segments: unknown[] = []): CompiledCampaigns {
  return new CompiledCampaigns({ ...validateCampaignsDocument({ segments, campaigns }, null), version: 1 }, "Europe/Moscow");
}

/** Commits a receipt of 10,000 at `at`; returns the account after and the campaign's bonus, if any. */
function buy(account: Account, at: number, campaigns: CompiledCampaigns | null, id = `r-${at}`) {
  const committed = commitForMember(PROGRAM, account, receiptAt(at, [10_000], id), 0, { now: at, partner: "p", campaigns });
  if (!committed.ok) throw new Error(committed.message);
  const bonus = committed.calculation.rules.find((rule) => rule.rule === "campaign:second")?.points ?? 0;
  return { account: committed.account, bonus, settlement: committed.settlement };
}

describe("every k-th purchase in the campaign's own period", () => {
  it("counts only the purchases made while the campaign applied, not those earlier in the program's period", () => {
    const campaigns = compiled([everySecond()]);
    let account = openAccount("m0000000000000001", 1, TEST_PROFILE, moscow(2026, 3, 1));
    // Three purchases in March before the campaign starts: the program's period counts them, the campaign does not.
    for (const day of [2, 3, 4]) account = buy(account, moscow(2026, 3, day), campaigns).account;
    expect(account).not.toHaveProperty("campaignPurchases");
    const bonuses: number[] = [];
    for (const day of [10, 11, 12, 13]) {
      const bought = buy(account, moscow(2026, 3, day), campaigns);
      bonuses.push(bought.bonus);
      account = bought.account;
    }
    // The 4th purchase of the program's period (10 March) is the campaign's 1st: nothing; its 2nd and 4th give.
    expect(bonuses).toEqual([0, 40, 0, 40]);
    expect(account.campaignPurchases).toEqual([{ campaign: "second", startsAt: moscow(2026, 3, 10, 0), endsAt: moscow(2026, 4, 1, 0), count: 4 }]);
  });

  it("counts only the members the audience holds for, and keeps no counter for a campaign without every-k-th mechanics", () => {
    const segments = [{ id: "regulars", name: "Regulars", when: { fact: "lifetimeVisits", atLeast: 1 } }];
    const campaigns = compiled([everySecond({ audience: "regulars" }), { ...everySecond({ id: "flat" }), mechanics: [{ kind: "points", fixedPoints: 5 }] }], segments);
    let account = openAccount("m0000000000000001", 1, TEST_PROFILE, moscow(2026, 3, 1));
    account = buy(account, moscow(2026, 3, 10), campaigns).account;
    // The first purchase was not in the segment (no visit before it): nothing counted.
    expect(account).not.toHaveProperty("campaignPurchases");
    const second = buy(account, moscow(2026, 3, 11), campaigns);
    expect(second.bonus).toBe(0);
    expect(second.account.campaignPurchases?.map((count) => [count.campaign, count.count])).toEqual([["second", 1]]);
    expect(buy(second.account, moscow(2026, 3, 12), campaigns).bonus).toBe(40);
  });

  it("takes a cancelled receipt's purchase back, so the next purchase is the k-th again", () => {
    const campaigns = compiled([everySecond()]);
    const first = buy(openAccount("m0000000000000001", 1, TEST_PROFILE, moscow(2026, 3, 1)), moscow(2026, 3, 10), campaigns);
    expect(first.settlement.campaignPurchases).toEqual([{ campaign: "second", startsAt: moscow(2026, 3, 10, 0) }]);
    const cancelled = reverseReceipt(first.account, first.account.ledger, first.settlement, "all", moscow(2026, 3, 10, 13), "debt");
    if (!cancelled.ok) throw new Error(cancelled.message);
    expect(cancelled.account.campaignPurchases?.[0]?.count).toBe(0);
    const again = buy(cancelled.account, moscow(2026, 3, 11), campaigns);
    expect(again.bonus).toBe(0);
    expect(buy(again.account, moscow(2026, 3, 12), campaigns).bonus).toBe(40);
  });

  it("counts again from zero when the campaign's period is moved", () => {
    let account = buy(openAccount("m0000000000000001", 1, TEST_PROFILE, moscow(2026, 3, 1)), moscow(2026, 3, 10), compiled([everySecond()])).account;
    const moved = compiled([everySecond({ start: "2026-03-11" })]);
    const bought = buy(account, moscow(2026, 3, 12), moved);
    expect(bought.bonus).toBe(0);
    account = bought.account;
    expect(account.campaignPurchases).toEqual([{ campaign: "second", startsAt: moscow(2026, 3, 11, 0), endsAt: moscow(2026, 4, 1, 0), count: 1 }]);
  });

  it("drops counters a month after their campaign ended, and beyond the limit the earliest ending of those not applying", () => {
    const campaigns = compiled([everySecond()]);
    const at = moscow(2026, 3, 12);
    const old = { campaign: "old", startsAt: 0, endsAt: at - CAMPAIGN_PURCHASES_KEPT_AFTER_END_MILLISECONDS, count: 3 };
    const recent = { campaign: "recent", startsAt: 0, endsAt: at - DAY, count: 2 };
    expect(countCampaignPurchases([old, recent], campaigns.active, at)?.counts.map((count) => count.campaign)).toEqual(["recent", "second"]);
    const many = Array.from({ length: CAMPAIGN_PURCHASE_COUNTERS_MAX }, (_, index) => ({ campaign: `c${index}`, startsAt: 0, endsAt: at + index, count: 1 }));
    const counted = countCampaignPurchases(many, campaigns.active, at);
    expect(counted?.counts).toHaveLength(CAMPAIGN_PURCHASE_COUNTERS_MAX);
    expect(counted?.counts.map((count) => count.campaign)).not.toContain("c0");
    expect(counted?.counts.map((count) => count.campaign)).toContain("second");
  });

  it("leaves the account alone when no campaign that counts purchases applies", () => {
    expect(countCampaignPurchases(undefined, compiled([{ ...everySecond(), mechanics: [{ kind: "points", fixedPoints: 5 }] }]).active, moscow(2026, 3, 12))).toBeNull();
  });
});
