// Thread: a shard worker thread (the ShardActor's): the coupons of the logical shards it owns.
import { assert } from "../domain/assert/assert.js";
import { couponUsable, type Coupon, type CouponRevoke } from "../domain/campaigns/coupons.js";
import { afterMember, COUPON_MEMBER, couponKey, couponRange, couponUseRange, decodeCouponKey, decodeCouponUseKey, memberPrefix } from "./storage/record-keys.js";
import { readCoupon, readCouponUse } from "./storage/records/coupon-codec.js";
import type { ShardState } from "./state/shard-state.js";
import { failure, type Outcome } from "../protocol/errors/loycore-error.js";
import type { OutboxHost } from "./outbox-requests.js";
import type { CouponListPage, CouponShardRequest, CouponStanding } from "./shard-messages.js";
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

/** Coupons one list request reads at most on its logical shard (of every campaign, a coupon record each): about a millisecond of the shard thread. */
export const COUPON_LIST_SCAN_MAX = 1_000;

/** What a coupon request answers, and the log record it waits for (null: it wrote none). */
export type CouponOutcome = Outcome<{ readonly value: CouponAnswer; readonly sequence: number | null }>;
type CouponAnswer = CouponUseAnswer | { readonly issued: number } | { readonly released: boolean } | CouponStanding | CouponListPage | CouponRevokeAnswer;

export interface CouponRevokeAnswer {
  readonly revoked: CouponRevoke;
  readonly alreadyRevoked: boolean;
}

/** The campaign a coupon unlocks for a receipt, and whether this request counted the use (false: checked only, or the receipt's own use found again). */
export interface CouponUseAnswer {
  readonly campaign: string;
  readonly counted: boolean;
}

export function handleCoupon(host: OutboxHost, request: CouponShardRequest): CouponOutcome {
  if (!host.owned.has(request.logicalShard)) assert(false, `the coupon's logical shard ${request.logicalShard} is this thread's`);
  const { state } = host;
  switch (request.kind) {
    case "couponRead": {
      const coupon = state.readCoupon(request.logicalShard, request.code);
      if (coupon === undefined) return failure("NOT_FOUND", `no coupon ${request.code}`);
      return { ok: true, value: standing(state, request.logicalShard, request.code, coupon, request.usesMax ?? 0), sequence: null };
    }
    case "couponList":
      return { ok: true, value: listPage(state, request), sequence: null };
    case "couponRevoke":
      return revoke(host, request);
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

/** The overlay's coupon records of a logical shard: read once per request, then every range read of it filters this. */
function stagedCoupons(state: ShardState, logicalShard: number): ReadonlyMap<string, Uint8Array | null> {
  return state.stagedRange(memberPrefix(logicalShard, COUPON_MEMBER), afterMember(logicalShard, COUPON_MEMBER));
}

/** The coupon with up to `usesMax` of the receipts using it (one range read of its uses). */
function standing(state: ShardState, logicalShard: number, code: string, coupon: Coupon, usesMax: number, staged = stagedCoupons(state, logicalShard)): CouponStanding {
  const range = couponUseRange(logicalShard, code);
  const uses = usesMax === 0 ? [] : state.readRange(range.start, range.end, null, usesMax + 1, staged);
  const usedBy = uses.slice(0, usesMax).map(({ key, value }) => {
    const { store, receiptId } = decodeCouponUseKey(key);
    return { store, receipt: receiptId, member: readCouponUse(value, `use of coupon ${code}`) };
  });
  return { code, ...coupon, usedBy, usedByComplete: uses.length <= usesMax && (usesMax > 0 || coupon.used === 0) };
}

/** A campaign's coupons on one logical shard after `after`: at most `limit` found among at most COUPON_LIST_SCAN_MAX coupons read. */
function listPage(state: ShardState, request: Extract<CouponShardRequest, { kind: "couponList" }>): CouponListPage {
  const range = couponRange(request.logicalShard);
  const after = request.after === null ? null : couponKey(request.logicalShard, request.after);
  const staged = stagedCoupons(state, request.logicalShard);
  const read = state.readRange(range.start, range.end, after, COUPON_LIST_SCAN_MAX, staged);
  const coupons: CouponStanding[] = [];
  for (let index = 0; index < read.length; index += 1) {
    const { key, value } = read[index] as { key: Buffer; value: Uint8Array };
    const code = decodeCouponKey(key);
    const coupon = readCoupon(value, `coupon ${code}`);
    if (coupon.campaign !== request.campaign) continue;
    coupons.push(standing(state, request.logicalShard, code, coupon, request.usesMax, staged));
    // A full page continues after its last coupon (the next page may find none: it says so then).
    if (coupons.length >= request.limit) return { coupons, next: code };
  }
  const last = read[read.length - 1];
  return { coupons, next: read.length < COUPON_LIST_SCAN_MAX || last === undefined ? null : decodeCouponKey(last.key) };
}

/** Withdraws a coupon: written with the revoke's id and time; a repeat of that id finds it and answers the same; another id, the first revoke. */
function revoke(host: OutboxHost, request: Extract<CouponShardRequest, { kind: "couponRevoke" }>): CouponOutcome {
  const coupon = host.state.readCoupon(request.logicalShard, request.code);
  if (coupon === undefined) return failure("NOT_FOUND", `no coupon ${request.code}`);
  if (coupon.revoked !== undefined) return { ok: true, value: { revoked: coupon.revoked, alreadyRevoked: coupon.revoked.id !== request.id }, sequence: null };
  const revoked = { id: request.id, at: request.at };
  return logged(host, [{ kind: "coupon", logicalShard: request.logicalShard, code: request.code, coupon: { ...coupon, revoked } }], { revoked, alreadyRevoked: false });
}

function logged(host: OutboxHost, writes: readonly ShardWrite[], value: CouponAnswer): CouponOutcome {
  const refusal = host.refusal();
  if (refusal !== null) return refusal;
  const { payload, mutations } = encodeOperation(undefined, writes);
  const appended = host.logWithoutAccount(payload, mutations);
  if (!appended.ok) return appended;
  return { ok: true, value, sequence: appended.sequence };
}
