// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";

/**
 * Coupons (docs/campaigns.md, "Coupons"): codes a campaign issues that a
 * receipt presents; a campaign with `couponOnly` applies only to receipts
 * presenting one of its coupons. A coupon lives on the logical shard its
 * code hashes to, one shard thread is its only writer, and each use is kept
 * under the receipt that made it: so a code is used at most its uses, each
 * receipt at most once, across every lane and shard thread.
 */
export interface Coupon {
  readonly campaign: string;
  /** The member it was issued to; null: anyone's. */
  readonly member: string | null;
  /** Receipts it may be used on. */
  readonly uses: number;
  /** Receipts it is used on now (cancelled ones give theirs back). */
  readonly used: number;
  /** Usable before this instant; null: until its campaign ends. */
  readonly validUntil: number | null;
  /** An operator revoked it (the revoke's client id and when): no receipt may use it again; absent: not revoked. */
  readonly revoked?: CouponRevoke;
}

/** A coupon's revocation: the admin request's client id (a repeat is found by it) and when it was made. */
export interface CouponRevoke {
  readonly id: string;
  readonly at: number;
}

/** What a coupon is now: usable, used up, past its validity, or revoked (a revoked one says so whatever else holds). */
export type CouponState = "active" | "usedUp" | "expired" | "revoked";

export function couponState(coupon: Coupon, now: number): CouponState {
  if (coupon.revoked !== undefined) return "revoked";
  if (coupon.validUntil !== null && now >= coupon.validUntil) return "expired";
  return coupon.used >= coupon.uses ? "usedUp" : "active";
}

/** Coupons one issue makes at most: one admin request, one record each on the shards. */
export const COUPONS_PER_ISSUE_MAX = 1_000;
/** Uses one coupon may have at most: a campaign's open code for everyone, still a bounded count. */
export const COUPON_USES_MAX = 1_000_000;
/** A code: 16 characters of RFC 4648 base32 (80 random bits: unguessable, easy to type). */
export const COUPON_CODE_PATTERN = /^[A-Z2-7]{16}$/;
export const COUPON_CODE_LENGTH = 16;

/** Whether `memberId` may use the coupon on a receipt at `at` (before one more use is counted); the campaign it unlocks. */
export function couponUsable(coupon: Coupon | undefined, code: string, memberId: string, at: number): Outcome<{ readonly campaign: string }> {
  if (coupon === undefined) return failure("COUPON_UNKNOWN", `no coupon ${code}`);
  if (coupon.revoked !== undefined) return failure("COUPON_REVOKED", `coupon ${code} was revoked at ${new Date(coupon.revoked.at).toISOString()}`);
  if (coupon.member !== null && coupon.member !== memberId) return failure("COUPON_NOT_MEMBERS", `coupon ${code} was issued to another member`);
  if (coupon.validUntil !== null && at >= coupon.validUntil) return failure("COUPON_EXPIRED", `coupon ${code} was valid until ${new Date(coupon.validUntil).toISOString()}`);
  if (coupon.used >= coupon.uses) return failure("COUPON_USED_UP", `coupon ${code} is used up (${coupon.uses} use${coupon.uses === 1 ? "" : "s"})`);
  return { ok: true, campaign: coupon.campaign };
}

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Random bytes a code is made of: 80 bits. */
export const COUPON_CODE_RANDOM_BYTES = 10;

/** A code from 10 random bytes (the caller's randomness): 80 bits as 16 characters of base32, unguessable and easy to type. */
export function couponCodeOf(bytes: Uint8Array): string {
  let code = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      code += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return code;
}
