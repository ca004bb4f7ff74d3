import { describe, expect, it } from "vitest";
import type { MemberLookup } from "../shard-messages.js";
import { balanceResult, enrollResult, identifyResult, maskPhone } from "./cashier-view.js";

describe("the cashier's view of a member", () => {
  it.each([
    { phone: "+79001234567", masked: "+7900*****67" },
    { phone: "+4915112345678", masked: "+4915*******78" },
    { phone: "+12345", masked: "+***45" },
    { phone: "+123456", masked: "+****56" },
  ])("masks $phone as $masked", ({ phone, masked }) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  const view: MemberLookup = {
    member: "m1",
    logicalShard: 7,
    card: "1",
    phone: "+79001234567",
    name: "Anna",
    birthDate: "1990-01-01",
    email: "anna@example.com",
    consent: { sms: true, email: false },
    balance: 5,
    points: { active: 5, pending: 2, held: 1, debt: 0 },
    status: null,
    importanceClass: null,
    categories: [],
    discountBasisPoints: 300,
    discountSources: [{ rule: "rule:r", basisPoints: 300 }],
    discountLapsesAt: null,
    classLapsesAt: null,
    pointLevel: null,
    counters: { lifetime: { sold: 0, paid: 0, visits: 0 }, recentPeriods: [], firstVisitAt: null, lastVisitAt: null },
    createdAt: 0,
    transactions: 3,
    programVersion: 1,
  };

  it("shows a lane the card view with the phone masked and without the birth date or the admin's fields", () => {
    expect(identifyResult(view, null)).toEqual({
      member: "m1",
      card: "1",
      cardType: null,
      phone: "+7900*****67",
      name: "Anna",
      balance: 5,
      status: null,
      importanceClass: null,
      categories: [],
      discountBasisPoints: 300,
      discountLapsesAt: null,
      classLapsesAt: null,
      pointLevel: null,
    });
    expect(enrollResult({ ...view, phone: null })).toEqual({ member: "m1", card: "1", phone: null, name: "Anna", balance: 5, status: null });
  });

  it("shows the card presented and its type, rather than the card the member enrolled with", () => {
    expect(identifyResult(view, { card: "2", type: "vip" })).toMatchObject({ card: "2", cardType: "vip" });
  });

  it("shows the points view, with lots only when asked", () => {
    expect(balanceResult(view, false)).toEqual({ member: "m1", balance: 5, active: 5, pending: 2, held: 1, debt: 0 });
    expect(balanceResult(view, true)).toEqual({ member: "m1", balance: 5, active: 5, pending: 2, held: 1, debt: 0, lots: [] });
  });
});
