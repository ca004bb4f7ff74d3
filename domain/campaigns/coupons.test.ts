import { describe, expect, it } from "vitest";
import { couponUsable, type Coupon } from "./coupons.js";

const COUPON: Coupon = { campaign: "c", member: null, uses: 2, used: 0, validUntil: 1_000 };

describe("a coupon's use", () => {
  it.each([
    { name: "an open coupon with uses left, before it expires, unlocks its campaign", coupon: COUPON, member: "m1", at: 999, code: null },
    { name: "a member's coupon, for that member", coupon: { ...COUPON, member: "m1" }, member: "m1", at: 0, code: null },
    { name: "no expiry: usable whenever its campaign runs", coupon: { ...COUPON, validUntil: null }, member: "m1", at: 10 ** 13, code: null },
    { name: "an unknown code", coupon: undefined, member: "m1", at: 0, code: "COUPON_UNKNOWN" },
    { name: "another member's coupon", coupon: { ...COUPON, member: "m2" }, member: "m1", at: 0, code: "COUPON_NOT_MEMBERS" },
    { name: "at its validUntil", coupon: COUPON, member: "m1", at: 1_000, code: "COUPON_EXPIRED" },
    { name: "every use taken", coupon: { ...COUPON, used: 2 }, member: "m1", at: 0, code: "COUPON_USED_UP" },
  ])("$name", ({ coupon, member, at, code }) => {
    const outcome = couponUsable(coupon, "AAAAAAAAAAAAAAAA", member, at);
    if (code === null) expect(outcome).toEqual({ ok: true, campaign: "c" });
    else expect(outcome).toMatchObject({ ok: false, code });
  });
});
