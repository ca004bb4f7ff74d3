import { assert } from "../../../domain/assert/assert.js";
import type { Coupon } from "../../../domain/campaigns/coupons.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/** A coupon at rest: a format byte, campaign, member (nullable), uses, used, valid until (nullable). */
const COUPON_FORMAT = 1;
/** A revoked coupon: format 1's fields, then the revoke's id and time. A coupon never revoked keeps format 1's bytes. */
const COUPON_REVOKED_FORMAT = 2;
/** A coupon's use at rest: a format byte, the member who used it. */
const COUPON_USE_FORMAT = 1;

export function writeCoupon(writer: RecordWriter, coupon: Coupon): void {
  writer.byte(coupon.revoked === undefined ? COUPON_FORMAT : COUPON_REVOKED_FORMAT);
  writer.string(coupon.campaign);
  writer.nullableString(coupon.member);
  writer.uint(coupon.uses);
  writer.uint(coupon.used);
  writer.nullableInt(coupon.validUntil);
  if (coupon.revoked !== undefined) {
    writer.string(coupon.revoked.id);
    writer.int(coupon.revoked.at);
  }
}

export function readCoupon(bytes: Uint8Array, what: string): Coupon {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== COUPON_FORMAT && format !== COUPON_REVOKED_FORMAT) assert(false, `${what}: format ${format} is known`);
  const coupon = { campaign: reader.string(), member: reader.nullableString(), uses: reader.uint(), used: reader.uint(), validUntil: reader.nullableInt() };
  const revoked = format === COUPON_REVOKED_FORMAT ? { id: reader.string(), at: reader.int() } : undefined;
  assert(reader.done, `${what}: the record ends after its fields`);
  return revoked === undefined ? coupon : { ...coupon, revoked };
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
