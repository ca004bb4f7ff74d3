// Thread: a shard worker thread (the ShardActor's): reads only, nothing is written or logged.
import type { Account } from "../domain/account/account.js";
import { CompiledCampaigns } from "../domain/campaigns/compiled-campaigns.js";
import { LocalDateReader } from "../domain/campaigns/local-date.js";
import { memberInSegment } from "../domain/campaigns/segment-members.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { calculateForMember } from "../domain/engine/member-operations.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import type { CampaignPreviewReceipt } from "../protocol/admin-wire.js";
import type { CampaignSet } from "../protocol/campaign-document.js";
import type { PreviewCampaignHistoryShardRequest, SegmentPreviewPage, SegmentPreviewShardRequest, ShardAnswers } from "./shard-messages.js";
import type { ShardState } from "./state/shard-state.js";
import { surveyAnswerReader } from "./operations/survey-operations.js";

/**
 * History entries a preview over a member's last receipts reads at most to
 * find them: the receipts among the member's newest entries (visits,
 * adjustments and the rest are skipped); a member with fewer receipts in them
 * is previewed on those.
 */
export const CAMPAIGN_PREVIEW_HISTORY_ENTRIES_MAX = 200;

/** What the previews read on the shard. */
export interface PreviewHost {
  readonly state: ShardState;
  readonly campaignSet: CampaignSet | null;
}

/** One page of a segment's count: the logical shard's stored members after `afterMemberId`, tested now. */
export function segmentPreviewPage(host: PreviewHost, program: CompiledProgram, request: SegmentPreviewShardRequest, now: number): SegmentPreviewPage {
  const memberIds = host.state.scanMembers(request.logicalShard, request.afterMemberId, request.limit);
  const dates = new LocalDateReader(program.program.timeZone);
  const sample: string[] = [];
  let matched = 0;
  for (const memberId of memberIds) {
    // Read without joining the account cache: a sweep must not push out the accounts lanes are using.
    const account = host.state.readAccount(request.logicalShard, memberId, false);
    if (account === undefined || !memberInSegment(program, request.when, account, now, dates, surveyAnswerReader(host.state, request.logicalShard, memberId))) continue;
    matched += 1;
    if (sample.length < request.sampleMax) sample.push(memberId);
  }
  return { scanned: memberIds.length, matched, sample, next: memberIds.length < request.limit ? null : (memberIds.at(-1) ?? null) };
}

/**
 * The member's last `count` receipts priced again, each without and with the
 * draft (as if it ran when they were made), on the member's account as it is
 * now: what the campaign would have given them.
 */
export function campaignHistoryPreview(host: PreviewHost, program: CompiledProgram, account: Account, request: PreviewCampaignHistoryShardRequest): ShardAnswers["previewCampaignHistory"] {
  const set = host.campaignSet ?? { version: 0, segments: [], campaigns: [] };
  const timeZone = program.program.timeZone;
  const without = new CompiledCampaigns(set, timeZone);
  const withDraft = new CompiledCampaigns(set, timeZone, { draft: request.draft, draftAnyTime: true });
  const receipts: CampaignPreviewReceipt[] = [];
  let addedPoints = 0;
  let addedDiscount = 0;
  for (const receipt of lastReceipts(host, account, request.count)) {
    const context = { partner: request.partner, cardType: request.cardType ?? null, surveyAnswers: surveyAnswerReader(host.state, account.logicalShard, account.memberId) };
    const before = calculateForMember(program, account, receipt, 0, { ...context, now: receipt.at, campaigns: without });
    const after = calculateForMember(program, account, receipt, 0, { ...context, now: receipt.at, campaigns: withDraft });
    if (!before.ok || !after.ok) continue;
    const rule = `campaign:${request.draft.id}`;
    receipts.push({
      receipt: receipt.id,
      store: receipt.store,
      at: receipt.at,
      without: { points: before.calculation.points, discount: before.calculation.discount },
      with: { points: after.calculation.points, discount: after.calculation.discount, rules: after.calculation.rules.filter((each) => each.rule === rule) },
    });
    addedPoints += after.calculation.points - before.calculation.points;
    addedDiscount += after.calculation.discount - before.calculation.discount;
  }
  return { member: account.memberId, receipts, addedPoints, addedDiscount };
}

/** The member's newest committed receipts as they were priced: lines by SKU and amount (the POS's line flags are not kept), at the time they were committed. */
function lastReceipts(host: PreviewHost, account: Account, count: number): Receipt[] {
  const receipts: Receipt[] = [];
  for (const entry of host.state.readHistory(account.logicalShard, account.memberId, null, CAMPAIGN_PREVIEW_HISTORY_ENTRIES_MAX)) {
    if (receipts.length >= count) break;
    const { receipt: id, store } = entry.detail as { readonly receipt?: unknown; readonly store?: unknown };
    if (entry.kind !== "receipt" || typeof id !== "string" || typeof store !== "string") continue;
    const record = host.state.readRecord(account.logicalShard, account.memberId, store, id);
    const lines = (record?.answer as { readonly lines?: readonly { readonly sku: string; readonly amount: number }[] } | undefined)?.lines;
    if (lines === undefined || lines.length === 0 || record?.settlement?.cancelled === true) continue;
    receipts.push({ id, store, at: entry.at, lines: lines.map((line) => ({ sku: line.sku, qty: 1, price: line.amount, amount: line.amount })) });
  }
  return receipts;
}
