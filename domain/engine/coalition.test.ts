import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { compileProgram, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { calculateForMember, commitForMember, holdForMember } from "./member-operations.js";

const AT = moscow(2026, 3, 10);

/** 10 % back, points pay up to the whole receipt, under a coalition policy. */
function program(coalition: Record<string, unknown>) {
  return compileProgram(programDocument({ points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 }, coalition }));
}

/** A member with 100 points the bakery issued and 50 the cafe issued. */
function member(compiled: ReturnType<typeof program>): Account {
  let account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 10_000);
  for (const [partner, amount, id] of [["bakery", 1_000, "b-1"], ["cafe", 500, "c-1"]] as const) {
    const committed = commitForMember(compiled, account, receiptAt(AT - 5_000, [amount], id), 0, { now: AT - 5_000, partner });
    if (!committed.ok) throw new Error(committed.message);
    account = committed.account;
  }
  return account;
}

const context = (partner: string) => ({ now: AT, partner });

describe("the coalition policy: which partners' points may pay at a store", () => {
  it("lets every partner's points pay anywhere by default", () => {
    const compiled = program({ redemption: "anywhere" });
    const outcome = calculateForMember(compiled, member(compiled), receiptAt(AT, [10_000]), 0, context("cinema"));
    expect(outcome.ok && outcome.calculation.redeemable).toBe(150);
  });

  it("lets points pay only at their issuer's stores under issuerOnly, refusing more with POINTS_NOT_ACCEPTED_HERE", () => {
    const compiled = program({ redemption: "issuerOnly" });
    const account = member(compiled);
    const atCafe = calculateForMember(compiled, account, receiptAt(AT, [10_000]), 0, context("cafe"));
    expect(atCafe.ok && atCafe.calculation.redeemable).toBe(50);
    expect(commitForMember(compiled, account, receiptAt(AT, [10_000]), 51, context("cafe"))).toMatchObject({ ok: false, code: "POINTS_NOT_ACCEPTED_HERE" });
    expect(commitForMember(compiled, account, receiptAt(AT, [10_000]), 151, context("cafe"))).toMatchObject({ ok: false, code: "INSUFFICIENT_POINTS" });
    const paid = commitForMember(compiled, account, receiptAt(AT, [10_000]), 50, context("cafe"));
    expect(paid.ok && paid.settlement.unreturnedShares.map((share) => share.partner)).toEqual(["cafe"]);
  });

  it("lets a pair's issuer's points pay at its redeemer, in holds too, and nowhere else", () => {
    const compiled = program({ redemption: "pairs", pairs: [{ issuer: "bakery", redeemer: "cafe" }] });
    const account = member(compiled);
    const atCafe = calculateForMember(compiled, account, receiptAt(AT, [10_000]), 0, context("cafe"));
    const atBakery = calculateForMember(compiled, account, receiptAt(AT, [10_000]), 0, context("bakery"));
    expect(atCafe.ok && atCafe.calculation.redeemable).toBe(150);
    expect(atBakery.ok && atBakery.calculation.redeemable).toBe(100);
    expect(holdForMember(compiled, account, receiptAt(AT, [10_000]), 101, context("bakery"))).toMatchObject({ ok: false, code: "POINTS_NOT_ACCEPTED_HERE" });
    const held = holdForMember(compiled, account, receiptAt(AT, [10_000], "h-1"), 100, context("bakery"));
    expect(held.ok && held.account.ledger.holds.flatMap((hold) => hold.shares.map((share) => share.partner))).toEqual(["bakery"]);
  });
});
