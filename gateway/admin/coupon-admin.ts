// Thread: the gateway (main) thread.
import { randomBytes } from "node:crypto";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { Campaign } from "../../protocol/campaign-document.js";
import type { CouponIssue, CouponRevoked } from "../../protocol/admin-wire.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { COUPON_CODE_LENGTH, COUPON_CODE_PATTERN, COUPON_CODE_RANDOM_BYTES, COUPON_USES_MAX, COUPONS_PER_ISSUE_MAX, couponCodeOf, type Coupon } from "../../domain/campaigns/coupons.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { readArray, readInteger, readObject, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "./admin-service.js";

/** Member ids are "m" and 16 hex digits (enrollment.ts). */
const MEMBER_ID_PATTERN = /^m[0-9a-f]{16}$/;
/** `validUntil` as epoch milliseconds: as a campaign's instants (CAMPAIGN_INSTANT_MAX_MILLISECONDS). */
export const COUPON_VALID_UNTIL_MAX_MILLISECONDS = 10_000_000_000_000;
/** A new code: 80 random bits as 16 characters of base32 (couponCodeOf), unguessable and easy to type. */
export function newCouponCode(): string {
  return couponCodeOf(randomBytes(COUPON_CODE_RANDOM_BYTES));
}

/**
 * Issues a campaign's coupons (docs/campaigns.md, "Coupons"): `count` open
 * codes anyone may use, or one code per member of `members`, each usable on
 * `uses` receipts until `validUntil`. Each code is written on the shard
 * thread that owns its logical shard, those of one logical shard in one log
 * record. A retried issue makes new codes (codes are random): an admin issues
 * once and keeps the answer.
 */
export async function issueCoupons(cluster: ShardCluster, campaign: Campaign | undefined, input: unknown): Promise<AdminOutcome<CouponIssue>> {
  if (campaign === undefined) return failure("NOT_FOUND", "no such campaign");
  const body = readObject(input, "coupons");
  refuseUnknownFields(body, "coupons", new Set(["count", "members", "uses", "validUntil"]));
  if ((body["count"] === undefined) === (body["members"] === undefined)) return failure("BAD_REQUEST", "coupons needs exactly one of count and members");
  const members: (string | null)[] =
    body["members"] !== undefined
      ? readArray(body["members"], "members", 1, COUPONS_PER_ISSUE_MAX).map((member, index) => readString(member, `members[${index}]`, 17, MEMBER_ID_PATTERN))
      : new Array<null>(readInteger(body["count"], "count", 1, COUPONS_PER_ISSUE_MAX)).fill(null);
  const uses = body["uses"] === undefined ? 1 : readInteger(body["uses"], "uses", 1, COUPON_USES_MAX);
  const validUntil = body["validUntil"] === undefined || body["validUntil"] === null ? null : readInteger(body["validUntil"], "validUntil", 0, COUPON_VALID_UNTIL_MAX_MILLISECONDS);
  const issued = members.map((member) => ({ code: newCouponCode(), coupon: { campaign: campaign.id, member, uses, used: 0, validUntil } satisfies Coupon }));
  const byLogicalShard = new Map<number, { code: string; coupon: Coupon }[]>();
  for (const entry of issued) {
    const logicalShard = logicalShardOf(entry.code);
    byLogicalShard.set(logicalShard, [...(byLogicalShard.get(logicalShard) ?? []), entry]);
  }
  for (const [logicalShard, coupons] of byLogicalShard) {
    const reply = await cluster.requestForLogicalShard({ kind: "couponIssue", logicalShard, coupons });
    if (!reply.ok) return failure(reply.code, reply.message);
  }
  return { ok: true, value: { campaign: campaign.id, uses, validUntil, coupons: issued.map(({ code, coupon }) => ({ code, member: coupon.member })) } };
}

/**
 * Revokes a coupon (docs/campaigns.md, "Coupons"): `{ id }`, the revoke's client id. On the coupon's
 * shard, in one log record; a repeat of the id answers the same; a coupon another revoke withdrew
 * answers that one (`alreadyRevoked`). Receipts committed with it stay as they are.
 */
export async function revokeCoupon(cluster: ShardCluster, code: string, input: unknown, now: number): Promise<AdminOutcome<CouponRevoked>> {
  const body = readObject(input, "revoke");
  refuseUnknownFields(body, "revoke", new Set(["id"]));
  const id = readString(body["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
  if (code.length !== COUPON_CODE_LENGTH || !COUPON_CODE_PATTERN.test(code)) return failure("NOT_FOUND", `no coupon ${code}`);
  const reply = await cluster.requestForLogicalShard({ kind: "couponRevoke", logicalShard: logicalShardOf(code), code, id, at: now });
  return reply.ok ? { ok: true, value: { code, ...reply.value } } : failure(reply.code, reply.message);
}
