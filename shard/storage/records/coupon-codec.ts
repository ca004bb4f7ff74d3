import { assert } from "../../../domain/assert/assert.js";
import type { Coupon } from "../../../domain/campaigns/coupons.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/** A coupon at rest: a format byte, campaign, member (nullable), uses, used, valid until (nullable). */
const COUPON_FORMAT = 1;
/** A coupon's use at rest: a format byte, the member who used it. */
const COUPON_USE_FORMAT = 1;

export function writeCoupon(writer: RecordWriter, coupon: Coupon): void {
  writer.byte(COUPON_FORMAT);
  writer.string(coupon.campaign);
  writer.nullableString(coupon.member);
  writer.uint(coupon.uses);
  writer.uint(coupon.used);
  writer.nullableInt(coupon.validUntil);
}

export function readCoupon(bytes: Uint8Array, what: string): Coupon {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== COUPON_FORMAT) assert(false, `${what}: format ${format} is known`);
  const coupon = { campaign: reader.string(), member: reader.nullableString(), uses: reader.uint(), used: reader.uint(), validUntil: reader.nullableInt() };
  assert(reader.done, `${what}: the record ends after its fields`);
  return coupon;
}

export function writeCouponUse(writer: RecordWriter, memberId: string): void {
  writer.byte(COUPON_USE_FORMAT);
  writer.string(memberId);
}

export function readCouponUse(bytes: Uint8Array, what: string): string {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== COUPON_USE_FORMAT) assert(false, `${what}: format ${format} is known`);
  const memberId = reader.string();
  assert(reader.done, `${what}: the record ends after its member`);
  return memberId;
}
