// Thread: the gateway (main) thread.
import { failure, LoycoreError } from "../../protocol/errors/loycore-error.js";
import type { CouponPage, CouponView } from "../../protocol/admin-wire.js";
import { COUPON_CODE_LENGTH, COUPON_CODE_PATTERN, couponState } from "../../domain/campaigns/coupons.js";
import { LOGICAL_SHARD_COUNT, logicalShardOf } from "../../domain/placement/shard-function.js";
import type { CouponStanding } from "../../shard/shard-messages.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "./admin-service.js";

/** Coupons one list page holds at most: a screen's worth, each with its first uses. */
export const COUPON_PAGE_MAX = 100;
/** Coupons a list page holds when the request says nothing. */
export const COUPON_PAGE_DEFAULT = 50;
/** Receipts listed as using one coupon read alone: a multi-use code's first hundred; `usedByComplete` says whether that is all. */
export const COUPON_USES_LISTED_MAX = 100;
/** Receipts listed per coupon in a list page: enough to see who used a single-use code, bounded for a page of multi-use ones. */
export const COUPON_USES_PER_LISTED_COUPON_MAX = 5;
/**
 * Shard requests one list page makes at most (each reads at most 1,000 coupons of every campaign:
 * COUPON_LIST_SCAN_MAX): a campaign with few coupons among many others' answers a short page with
 * `next` rather than holding an admin request for a whole sweep.
 */
export const COUPON_LIST_REQUESTS_PER_PAGE_MAX = 64;
/** A list cursor: "<logical shard>" or "<logical shard>:<code>" (continue after that code). */
const CURSOR_PATTERN = /^(\d{1,3})(?::([A-Z2-7]{16}))?$/;

/** A coupon as the admin sees it: its standing, what is left of it, and its state at `now`. */
export function couponView(standing: CouponStanding, now: number): CouponView {
  const state = couponState(standing, now);
  return { ...standing, state, usesLeft: state === "revoked" ? 0 : Math.max(0, standing.uses - standing.used) };
}

/** One coupon as it stands, with the receipts using it (at most COUPON_USES_LISTED_MAX). */
export async function readCouponView(cluster: ShardCluster, code: string, now: number): Promise<AdminOutcome<CouponView>> {
  if (code.length !== COUPON_CODE_LENGTH || !COUPON_CODE_PATTERN.test(code)) return failure("NOT_FOUND", `no coupon ${code}`);
  const reply = await cluster.requestForLogicalShard({ kind: "couponRead", logicalShard: logicalShardOf(code), code, usesMax: COUPON_USES_LISTED_MAX });
  return reply.ok ? { ok: true, value: couponView(reply.value, now) } : failure(reply.code, reply.message);
}

/** Where a page starts: a logical shard and the code to continue after (null: its first). */
export function readCouponCursor(after: string | undefined): { readonly logicalShard: number; readonly code: string | null } {
  if (after === undefined) return { logicalShard: 0, code: null };
  const match = CURSOR_PATTERN.exec(after);
  const logicalShard = match === null ? NaN : Number(match[1]);
  if (match === null || logicalShard >= LOGICAL_SHARD_COUNT) throw new LoycoreError("BAD_REQUEST", "after: must be a cursor a page answered as next");
  return { logicalShard, code: match[2] ?? null };
}

/**
 * A page of a campaign's coupons in (logical shard, code) order: each logical shard's coupons read on
 * the thread owning it, at most COUPON_LIST_REQUESTS_PER_PAGE_MAX requests; `next` continues it.
 */
export async function listCoupons(cluster: ShardCluster, campaign: string, start: { readonly logicalShard: number; readonly code: string | null }, limit: number, now: number): Promise<AdminOutcome<CouponPage>> {
  const coupons: CouponView[] = [];
  let logicalShard = start.logicalShard;
  let after = start.code;
  for (let requests = 0; logicalShard < LOGICAL_SHARD_COUNT; requests += 1) {
    if (requests >= COUPON_LIST_REQUESTS_PER_PAGE_MAX || coupons.length >= limit) return { ok: true, value: { campaign, coupons, next: cursorOf(logicalShard, after) } };
    const reply = await cluster.requestForLogicalShard({ kind: "couponList", logicalShard, campaign, after, limit: limit - coupons.length, usesMax: COUPON_USES_PER_LISTED_COUPON_MAX });
    if (!reply.ok) return failure(reply.code, reply.message);
    for (const standing of reply.value.coupons) coupons.push(couponView(standing, now));
    if (reply.value.next !== null) after = reply.value.next;
    else {
      logicalShard += 1;
      after = null;
    }
  }
  return { ok: true, value: { campaign, coupons, next: null } };
}

function cursorOf(logicalShard: number, code: string | null): string {
  return code === null ? String(logicalShard) : `${logicalShard}:${code}`;
}

/** The personal code a campaign's segment issue gave a member, as a page of it alone (none: an empty page). */
export async function memberCoupons(cluster: ShardCluster, campaign: string, memberId: string, now: number): Promise<AdminOutcome<CouponPage>> {
  const reply = await cluster.requestForMember({ kind: "memberCoupon", memberId, campaign });
  if (!reply.ok) return failure(reply.code, reply.message);
  if (reply.value.code === null) return { ok: true, value: { campaign, coupons: [], next: null } };
  const coupon = await readCouponView(cluster, reply.value.code, now);
  return coupon.ok ? { ok: true, value: { campaign, coupons: [coupon.value], next: null } } : coupon;
}
