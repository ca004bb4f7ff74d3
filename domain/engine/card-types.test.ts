import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { compileProgram, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { calculateForMember, commitForMember } from "./member-operations.js";

const AT = moscow(2026, 3, 10);

const CARD_TYPES = [
  { id: "vip", name: "VIP", discountBasisPoints: 700, extraAccrualBasisPoints: 200 },
  { id: "plain", name: "Plain" },
  { id: "gift", name: "Gift", mayPayWithPoints: false },
];

/** 5 % accrual, up to half a receipt paid with points, statuses off; a "largest" or "sum" discount policy. */
function program(discountPolicy: Record<string, unknown> = { kind: "largest" }, discountRules: unknown[] = []) {
  return compileProgram(
    programDocument({
      points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 },
      discountRules,
      discountPolicy,
      cardTypes: CARD_TYPES,
    }),
  );
}

/** A member with `points` active points (a welcome receipt's accrual, pending 0 days). */
function memberWithPoints(points: number): Account {
  const account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 1_000);
  if (points === 0) return account;
  const committed = commitForMember(program(), account, receiptAt(AT - 500, [points * 20]), 0, { now: AT - 500, partner: "p" });
  if (!committed.ok) throw new Error(committed.message);
  return committed.account;
}

describe("card types: what a receipt presented with a card of a type gets", () => {
  it("gives a receipt with a VIP card the type's discount and a second accrual rule citing the card", () => {
    const outcome = calculateForMember(program(), memberWithPoints(0), receiptAt(AT, [10_000]), 0, { now: AT, partner: "p", cardType: "vip" });
    expect(outcome.ok && outcome.calculation).toMatchObject({
      discount: 700,
      discountBasisPoints: 700,
      // 5 % and 2 % of the 9,300 paid with money, each rounded down on its own.
      points: 465 + 186,
      rules: [
        { rule: "card:vip", effect: "discount", basisPoints: 700 },
        { rule: "program", effect: "accrual", basisPoints: 500, points: 465 },
        { rule: "card:vip", effect: "accrual", basisPoints: 200, points: 186 },
      ],
    });
  });

  it("gives the same answer as no card for a type without effects, for an unknown type and when found by phone (null)", () => {
    const receipt = receiptAt(AT, [10_000]);
    const none = calculateForMember(program(), memberWithPoints(0), receipt, 0, { now: AT, partner: "p" });
    for (const cardType of ["plain", "dropped-by-a-later-version", null]) {
      expect(calculateForMember(program(), memberWithPoints(0), receipt, 0, { now: AT, partner: "p", cardType })).toEqual(none);
    }
  });

  it("combines the card's discount with the rules' under the largest policy (the larger wins) and the sum policy (added)", () => {
    const rule = [{ id: "loyal", counter: "visits", from: 0, discountBasisPoints: 300 }];
    const receipt = receiptAt(AT, [10_000]);
    const largest = calculateForMember(program({ kind: "largest" }, rule), memberWithPoints(0), receipt, 0, { now: AT, partner: "p", cardType: "vip" });
    const sum = calculateForMember(program({ kind: "sum", capBasisPoints: 900 }, rule), memberWithPoints(0), receipt, 0, { now: AT, partner: "p", cardType: "vip" });
    expect(largest.ok && largest.calculation.discountBasisPoints).toBe(700);
    expect(sum.ok && sum.calculation.discountBasisPoints).toBe(900);
  });

  it("refuses to pay with points with a gift card (REDEEM_NOT_ALLOWED) and offers nothing redeemable, changing nothing", () => {
    const member = memberWithPoints(200);
    const receipt = receiptAt(AT, [10_000]);
    const offered = calculateForMember(program(), member, receipt, 0, { now: AT, partner: "p", cardType: "gift" });
    expect(offered.ok && offered.calculation.redeemable).toBe(0);
    expect(commitForMember(program(), member, receipt, 50, { now: AT, partner: "p", cardType: "gift" })).toMatchObject({ ok: false, code: "REDEEM_NOT_ALLOWED" });
    const withPlainCard = commitForMember(program(), member, receipt, 50, { now: AT, partner: "p", cardType: "plain" });
    expect(withPlainCard.ok && withPlainCard.calculation.redeem).toBe(50);
  });
});
