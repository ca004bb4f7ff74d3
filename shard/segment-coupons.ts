// Thread: a shard worker thread (the ShardActor's): one page of a segment's personal coupons.
import { randomBytes } from "node:crypto";
import { assert } from "../domain/assert/assert.js";
import { COUPON_CODE_RANDOM_BYTES, couponCodeOf, type Coupon } from "../domain/campaigns/coupons.js";
import { LocalDateReader } from "../domain/campaigns/local-date.js";
import { memberInSegment } from "../domain/campaigns/segment-members.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import type { Outcome } from "../protocol/errors/loycore-error.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import type { OutboxHost } from "./outbox-requests.js";
import type { SegmentCouponsPage, SegmentCouponsShardRequest } from "./shard-messages.js";
import { encodeOperation } from "./storage/mutations.js";
import type { ShardWrite } from "./storage/shard-store.js";
import { surveyAnswerReader } from "./operations/survey-operations.js";

/**
 * One personal coupon per member of a segment (docs/campaigns.md, "Coupons"):
 * the gateway sweeps every logical shard a page of accounts at a time; on the
 * member's shard thread, each member of the segment without a code of the
 * campaign gets one. The member's marker (a record under the member, which
 * names the code) and the coupon are written in **one** log record: the code
 * is drawn so that its own logical shard is one this thread owns too. So a
 * member never has a marker without its coupon, whatever crashes; a repeated
 * sweep finds the marker and makes no second code.
 */

/** Accounts one page reads: each new code is two records (about 150 bytes) of the page's one log record, far within a record's 1 MiB. */
export const SEGMENT_COUPONS_PAGE_ACCOUNTS = 500;
/**
 * Codes drawn at most to find one whose logical shard this thread owns: a
 * thread owning 1/T of them needs T draws on average; 10,000 fail only when
 * a thread owns almost none (an assertion, never a member without a code).
 */
const COUPON_CODE_DRAWS_MAX = 10_000;

/** Where a member's personal code of a campaign is noted: under the member, among the admin's records. */
export function segmentCouponRecordId(campaign: string): string {
  return `coupon ${campaign}`;
}

/** The code a member was given by a campaign's segment issue; undefined: none. */
export function memberSegmentCoupon(host: Pick<OutboxHost, "state">, logicalShard: number, memberId: string, campaign: string): string | undefined {
  const record = host.state.readRecord(logicalShard, memberId, ADMIN_RECORD_STORE, segmentCouponRecordId(campaign));
  const code = (record?.answer as { readonly code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** One page: the logical shard's stored members after `afterMemberId`, a code for each in the segment that has none, in one log record. */
export function segmentCouponsPage(host: OutboxHost, program: CompiledProgram, request: SegmentCouponsShardRequest, now: number): Outcome<{ readonly value: SegmentCouponsPage; readonly sequence: number | null }> {
  const { logicalShard, campaign } = request;
  const memberIds = host.state.scanMembers(logicalShard, request.afterMemberId, request.limit);
  const dates = new LocalDateReader(program.program.timeZone);
  const writes: ShardWrite[] = [];
  const drawn = new Set<string>();
  let matched = 0;
  for (const memberId of memberIds) {
    // Read without joining the account cache, as a segment preview.
    const account = host.state.readAccount(logicalShard, memberId, false);
    if (account === undefined || !memberInSegment(program, request.when, account, now, dates, surveyAnswerReader(host.state, logicalShard, memberId))) continue;
    matched += 1;
    if (memberSegmentCoupon(host, logicalShard, memberId, campaign) !== undefined) continue;
    const code = drawOwnedCode(host, drawn);
    const coupon: Coupon = { campaign, member: memberId, uses: request.uses, used: 0, validUntil: request.validUntil };
    const recordId = segmentCouponRecordId(campaign);
    writes.push({ kind: "receipt", receipt: { logicalShard, store: ADMIN_RECORD_STORE, receiptId: recordId, memberId, fingerprint: recordId, answer: { code } } });
    writes.push({ kind: "coupon", logicalShard: logicalShardOf(code), code, coupon });
  }
  const page = { scanned: memberIds.length, matched, created: writes.length / 2, next: memberIds.length < request.limit ? null : (memberIds.at(-1) ?? null) };
  if (writes.length === 0) return { ok: true, value: page, sequence: null };
  const refusal = host.refusal();
  if (refusal !== null) return refusal;
  const { payload, mutations } = encodeOperation(undefined, writes);
  const appended = host.logWithoutAccount(payload, mutations);
  return appended.ok ? { ok: true, value: page, sequence: appended.sequence } : appended;
}

/** A fresh random code whose logical shard this thread owns, not issued before nor drawn for this page. */
function drawOwnedCode(host: OutboxHost, drawn: Set<string>): string {
  for (let draws = 0; draws < COUPON_CODE_DRAWS_MAX; draws += 1) {
    const code = couponCodeOf(randomBytes(COUPON_CODE_RANDOM_BYTES));
    const logicalShard = logicalShardOf(code);
    if (!host.owned.has(logicalShard) || drawn.has(code) || host.state.readCoupon(logicalShard, code) !== undefined) continue;
    drawn.add(code);
    return code;
  }
  assert(false, "a code of an owned logical shard is found within the draws");
}
