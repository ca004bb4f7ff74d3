import { describe, expect, it } from "vitest";
import { forCashier, maskPhone } from "./cashier-view.js";

describe("the cashier's view of a member", () => {
  it.each([
    { phone: "+79001234567", masked: "+7900*****67" },
    { phone: "+4915112345678", masked: "+4915*******78" },
    { phone: "+12345", masked: "+***45" },
    { phone: "+123456", masked: "+****56" },
  ])("masks $phone as $masked", ({ phone, masked }) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it("masks the phone and leaves out the birth date, keeping everything else", () => {
    expect(forCashier({ member: "m1", card: "1", phone: "+79001234567", name: "Anna", birthDate: "1990-01-01", balance: 5 })).toEqual({
      member: "m1",
      card: "1",
      phone: "+7900*****67",
      name: "Anna",
      balance: 5,
    });
    expect(forCashier({ member: "m1", phone: null })).toEqual({ member: "m1", phone: null });
  });
});
