import { describe, expect, it } from "vitest";
import { couponCodeOf, couponState, couponUsable, type Coupon } from "./coupons.js";

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
    { name: "a revoked coupon, whatever else holds", coupon: { ...COUPON, member: "m2", used: 2, revoked: { id: "r", at: 5 } }, member: "m1", at: 2_000, code: "COUPON_REVOKED" },
  ])("$name", ({ coupon, member, at, code }) => {
    const outcome = couponUsable(coupon, "AAAAAAAAAAAAAAAA", member, at);
    if (code === null) expect(outcome).toEqual({ ok: true, campaign: "c" });
    else expect(outcome).toMatchObject({ ok: false, code });
  });
});

describe("a coupon's state", () => {
  it.each([
    { name: "uses left before its validity ends: active", coupon: COUPON, now: 999, state: "active" },
    { name: "every use taken: used up", coupon: { ...COUPON, used: 2 }, now: 0, state: "usedUp" },
    { name: "at its validUntil: expired, even used up", coupon: { ...COUPON, used: 2 }, now: 1_000, state: "expired" },
    { name: "revoked: revoked, whatever else holds", coupon: { ...COUPON, used: 2, revoked: { id: "r", at: 5 } }, now: 1_000, state: "revoked" },
  ] as const)("$name", ({ coupon, now, state }) => {
    expect(couponState(coupon, now)).toBe(state);
  });

  it("codes are 16 characters of base32 from 10 bytes", () => {
    expect(couponCodeOf(new Uint8Array(10))).toBe("AAAAAAAAAAAAAAAA");
    expect(couponCodeOf(new Uint8Array(10).fill(255))).toBe("7777777777777777");
  });
});
