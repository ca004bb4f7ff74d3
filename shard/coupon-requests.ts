// Thread: a shard worker thread (the ShardActor's): the coupons of the logical shards it owns.
import { assert } from "../domain/assert/assert.js";
import { couponUsable, type Coupon } from "../domain/campaigns/coupons.js";
import { failure, type Outcome } from "../protocol/errors/loycore-error.js";
import type { OutboxHost } from "./outbox-requests.js";
import type { CouponShardRequest } from "./shard-messages.js";
import { encodeOperation } from "./storage/mutations.js";
import type { ShardWrite } from "./storage/shard-store.js";

/**
 * Coupons on the shard thread that owns their code's logical shard
 * (domain/campaigns/coupons.ts). Each request is one message, handled alone:
 * a use is counted and written in one log record, so two lanes can never both
 * take a coupon's last use. A use is keyed by the receipt (store, receipt id)
 * that made it, so a retried commit finds its own use instead of taking
 * another, and a cancel gives exactly that use back.
 */

/** What a coupon request answers, and the log record it waits for (null: it wrote none). */
export type CouponOutcome = Outcome<{ readonly value: CouponUseAnswer | { readonly issued: number } | { readonly released: boolean } | CouponView; readonly sequence: number | null }>;

/** The campaign a coupon unlocks for a receipt, and whether this request counted the use (false: checked only, or the receipt's own use found again). */
export interface CouponUseAnswer {
  readonly campaign: string;
  readonly counted: boolean;
}

export interface CouponView extends Coupon {
  readonly code: string;
}

export function handleCoupon(host: OutboxHost, request: CouponShardRequest): CouponOutcome {
  if (!host.owned.has(request.logicalShard)) assert(false, `the coupon's logical shard ${request.logicalShard} is this thread's`);
  const { state } = host;
  switch (request.kind) {
    case "couponRead": {
      const coupon = state.readCoupon(request.logicalShard, request.code);
      return coupon === undefined ? failure("NOT_FOUND", `no coupon ${request.code}`) : { ok: true, value: { code: request.code, ...coupon }, sequence: null };
    }
    case "couponIssue":
      return issue(host, request);
    case "couponUse":
      return use(host, request);
    case "couponRelease": {
      const user = state.readCouponUse(request.logicalShard, request.code, request.store, request.receiptId);
      const coupon = state.readCoupon(request.logicalShard, request.code);
      if (user === undefined || coupon === undefined) return { ok: true, value: { released: false }, sequence: null };
      const writes: ShardWrite[] = [
        { kind: "couponUse", logicalShard: request.logicalShard, code: request.code, store: request.store, receiptId: request.receiptId, memberId: null },
        { kind: "coupon", logicalShard: request.logicalShard, code: request.code, coupon: { ...coupon, used: Math.max(0, coupon.used - 1) } },
      ];
      return logged(host, writes, { released: true });
    }
  }
}

/** New coupons; a code already issued with the same content is a repeat, with other content a CONFLICT (nothing written). */
function issue(host: OutboxHost, request: Extract<CouponShardRequest, { kind: "couponIssue" }>): CouponOutcome {
  const writes: ShardWrite[] = [];
  for (const { code, coupon } of request.coupons) {
    const existing = host.state.readCoupon(request.logicalShard, code);
    if (existing === undefined) writes.push({ kind: "coupon", logicalShard: request.logicalShard, code, coupon });
    else if (existing.campaign !== coupon.campaign || existing.member !== coupon.member || existing.uses !== coupon.uses || existing.validUntil !== coupon.validUntil) {
      return failure("CONFLICT", `coupon ${code} exists with other content`);
    }
  }
  return writes.length === 0 ? { ok: true, value: { issued: 0 }, sequence: null } : logged(host, writes, { issued: writes.length });
}

/** A receipt's use: its own use again (a retry), or a check and, for a commit, one more use counted. */
function use(host: OutboxHost, request: Extract<CouponShardRequest, { kind: "couponUse" }>): CouponOutcome {
  const { logicalShard, code, store, receiptId, user: memberId } = request;
  const coupon = host.state.readCoupon(logicalShard, code);
  const user = host.state.readCouponUse(logicalShard, code, store, receiptId);
  if (user !== undefined && coupon !== undefined) {
    if (user !== memberId) return failure("CONFLICT", `receipt ${receiptId} of store ${store} used coupon ${code} for another member`);
    return { ok: true, value: { campaign: coupon.campaign, counted: false }, sequence: null };
  }
  const usable = couponUsable(coupon, code, memberId, request.at);
  if (!usable.ok || !request.count || coupon === undefined) return usable.ok ? { ok: true, value: { campaign: usable.campaign, counted: false }, sequence: null } : usable;
  const writes: ShardWrite[] = [
    { kind: "couponUse", logicalShard, code, store, receiptId, memberId },
    { kind: "coupon", logicalShard, code, coupon: { ...coupon, used: coupon.used + 1 } },
  ];
  return logged(host, writes, { campaign: coupon.campaign, counted: true });
}

function logged(host: OutboxHost, writes: readonly ShardWrite[], value: CouponUseAnswer | { readonly issued: number } | { readonly released: boolean }): CouponOutcome {
  const refusal = host.refusal();
  if (refusal !== null) return refusal;
  const { payload, mutations } = encodeOperation(undefined, writes);
  const appended = host.logWithoutAccount(payload, mutations);
  if (!appended.ok) return appended;
  return { ok: true, value, sequence: appended.sequence };
}
