import { describe, expect, it } from "vitest";
import { openAccount } from "../account/account.js";
import { CompiledCampaigns } from "../campaigns/compiled-campaigns.js";
import { validateCampaignsDocument } from "../campaigns/validate-campaigns.js";
import { ledgerTotals } from "../ledger/ledger.js";
import { compileProgram, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { commitForMember } from "./member-operations.js";
import { reverseReceipt } from "./receipt-settlement.js";

/** 10 % accrual, nothing pending, no expiry. */
const PROGRAM = compileProgram(programDocument({ points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } }));
const AT = moscow(2026, 3, 12);

/** Two campaigns in March: 5 % extra funded by "fuel", 30 fixed points funded by "cafe". */
const CAMPAIGNS = new CompiledCampaigns(
  {
    ...validateCampaignsDocument(
      {
        segments: [],
        campaigns: [
          { id: "rate", name: "rate", start: "2026-03-01", end: "2026-03-31", state: "active", partner: "fuel", mechanics: [{ kind: "points", rateBasisPoints: 500 }] },
          { id: "fixed", name: "fixed", start: "2026-03-01", end: "2026-03-31", state: "active", partner: "cafe", mechanics: [{ kind: "points", fixedPoints: 30 }] },
        ],
      },
      null,
    ),
    version: 1,
  },
  "Europe/Moscow",
);

function committed(amounts: readonly number[]) {
  const account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000);
  const outcome = commitForMember(PROGRAM, account, receiptAt(AT, amounts, "r-1"), 0, { now: AT, partner: "store-partner", campaigns: CAMPAIGNS });
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome;
}

describe("campaign points in lots of their own", () => {
  it("puts each campaign's points in a lot of the funding partner, the rest in the receipt's lot", () => {
    const outcome = committed([10_000, 5_000]);
    // 10 % of 15,000 = 1,500; 5 % = 750; 30 fixed.
    expect(outcome.calculation.points).toBe(1_500 + 750 + 30);
    expect(outcome.account.ledger.lots.map((lot) => [lot.source, lot.partner, lot.points])).toEqual([
      ["receipt", "store-partner", 1_500],
      ["campaign", "fuel", 750],
      ["campaign", "cafe", 30],
    ]);
    expect(outcome.settlement.campaignLots).toEqual([
      { lot: 2, points: 750, revoked: 0, campaign: "rate", budgeted: false },
      { lot: 3, points: 30, revoked: 0, campaign: "fixed", budgeted: false },
    ]);
  });

  it("takes a refund's points from every lot in proportion, and a cancel after it exactly what each has left", () => {
    const outcome = committed([10_000, 5_000]);
    const refunded = reverseReceipt(outcome.account, outcome.account.ledger, outcome.settlement, [{ line: 1, quantity: 1_000 }], AT + 1_000, "debt");
    if (!refunded.ok) throw new Error(refunded.message);
    // Line 1 earned a third of the 2,280 points: 760, split 1,500 : 750 : 30.
    expect(refunded.answer.pointsRevoked).toBe(760);
    const revokedByLot = refunded.account.ledger.lots.map((lot) => lot.revoked);
    expect(revokedByLot.reduce((sum, each) => sum + each, 0)).toBe(760);
    expect(revokedByLot).toEqual([500, 250, 10]);
    expect(refunded.settlement.campaignLots).toEqual([
      { lot: 2, points: 750, revoked: 250, campaign: "rate", budgeted: false },
      { lot: 3, points: 30, revoked: 10, campaign: "fixed", budgeted: false },
    ]);
    const cancelled = reverseReceipt(refunded.account, refunded.account.ledger, refunded.settlement, "all", AT + 2_000, "debt");
    if (!cancelled.ok) throw new Error(cancelled.message);
    // Every lot revoked whole (closed lots leave the ledger; its lifetime totals keep them).
    expect(cancelled.answer.pointsRevoked).toBe(2_280 - 760);
    expect(cancelled.account.ledger.lots).toEqual([]);
    expect(cancelled.account.ledger.totals.revoked).toBe(2_280);
    expect(ledgerTotals(cancelled.account.ledger, AT + 2_000).available).toBe(0);
    expect(cancelled.settlement.campaignLots?.map((lot) => lot.revoked)).toEqual([750, 30]);
  });

  it("gives a receipt that earns only campaign points no receipt lot, and still reverses it", () => {
    const program = compileProgram(programDocument({ points: { accrualRateBasisPoints: 0, maxRedeemShareBasisPoints: 5_000 } }));
    const account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000);
    const outcome = commitForMember(program, account, receiptAt(AT, [10_000], "r-1"), 0, { now: AT, partner: "p", campaigns: CAMPAIGNS });
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.settlement.accruedLot).toBeNull();
    expect(outcome.account.ledger.lots.map((lot) => lot.source)).toEqual(["campaign", "campaign"]);
    const cancelled = reverseReceipt(outcome.account, outcome.account.ledger, outcome.settlement, "all", AT + 1_000, "refuse");
    if (!cancelled.ok) throw new Error(cancelled.message);
    expect(cancelled.answer.pointsRevoked).toBe(500 + 30);
    expect(cancelled.account.balance).toBe(0);
  });

  it("gives a campaign's lot the campaign's own lifetime when it has one, else the program's", () => {
    const program = compileProgram(programDocument({ points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000, lifetimeDays: 365 } }));
    const campaigns = new CompiledCampaigns(
      {
        ...validateCampaignsDocument(
          {
            campaigns: [
              { id: "short", name: "short", start: "2026-03-01", end: "2026-03-31", state: "active", pointsLifetimeDays: 30, mechanics: [{ kind: "points", fixedPoints: 10 }] },
              { id: "plain", name: "plain", start: "2026-03-01", end: "2026-03-31", state: "active", mechanics: [{ kind: "points", fixedPoints: 20 }] },
            ],
          },
          null,
        ),
        version: 1,
      },
      "Europe/Moscow",
    );
    const outcome = commitForMember(program, openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000), receiptAt(AT, [10_000], "r-1"), 0, { now: AT, partner: "p", campaigns });
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.account.ledger.lots.map((lot) => [lot.reference.includes("campaign:") ? lot.reference.split(",")[2] : "receipt", (lot.expiresAt ?? 0) - AT])).toEqual([
      ["receipt", 365 * 86_400_000],
      ['"campaign:short"]', 30 * 86_400_000],
      ['"campaign:plain"]', 365 * 86_400_000],
    ]);
  });

  it("keeps one receipt lot and no campaign part in the settlement without campaigns", () => {
    const account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000);
    const outcome = commitForMember(PROGRAM, account, receiptAt(AT, [10_000], "r-1"), 0, { now: AT, partner: "p", campaigns: null });
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.settlement).not.toHaveProperty("campaignLots");
    expect(outcome.settlement).not.toHaveProperty("campaignPurchases");
    expect(outcome.account.ledger.lots).toHaveLength(1);
  });
});
