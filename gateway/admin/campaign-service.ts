// Thread: the gateway (main) thread.
import { broadcastControl } from "../shards/control-broadcast.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { Campaign, CampaignSet, CampaignState, CampaignsDefinition } from "../../protocol/campaign-document.js";
import type { CalculateResult } from "../../protocol/terminal-wire.js";
import { validateCampaign, validateCampaignsDocument } from "../../domain/campaigns/validate-campaigns.js";
import type { CampaignBudgetView, CampaignHistoryPreview, CouponIssue, CouponPage, CouponRevoked, CouponView, SegmentCouponJob, SegmentPreview, SegmentPreviewJob } from "../../protocol/admin-wire.js";
import { issueCoupons, revokeCoupon } from "./coupon-admin.js";
import { SegmentCouponJobs } from "./segment-coupon-jobs.js";
import { readSegmentPreview, SegmentPreviewJobs } from "./segment-preview-jobs.js";
import { COUPON_PAGE_DEFAULT, COUPON_PAGE_MAX, listCoupons, memberCoupons, readCouponCursor, readCouponView } from "./coupon-listing.js";
import { sweepSegment } from "./segment-sweep.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { readInteger, readObject, readOptionalString, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import type { ControlStore } from "../control/control-store.js";
import { KeyLocks } from "../operations/key-locks.js";
import { readReceipt } from "../protocol/read-receipt.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "./admin-service.js";

/** Member ids are "m" and 16 hex digits (enrollment.ts). */
const MEMBER_ID_PATTERN = /^m[0-9a-f]{16}$/;
/** A preview's redeem: points a receipt could take at most (the balance's limit is far above; a preview is a what-if). */
const PREVIEW_REDEEM_MAX = 1_000_000_000;
const CAMPAIGN_STATES: readonly CampaignState[] = ["draft", "active", "paused", "ended"];
/** A preview over a member's last receipts prices at most this many: a marketer's look at one member, each receipt priced twice. */
export const CAMPAIGN_PREVIEW_RECEIPTS_MAX = 20;
/** The store a previewed receipt is priced for when it names none; a preview is never committed. */
const PREVIEW_STORE = "preview";

const EMPTY_DEFINITION: CampaignsDefinition = { segments: [], campaigns: [] };

/**
 * Segments and campaigns over the admin API (docs/campaigns.md): one
 * versioned document in the control store, every change a new version sent
 * to every shard (setCampaigns) before it answers. Writes run one at a time.
 */
export class CampaignService {
  private readonly locks = new KeyLocks();

  /** One personal coupon per member of a segment, swept in the background (segment-coupon-jobs.ts). */
  private readonly segmentCoupons: SegmentCouponJobs;
  /** Segment previews with progress (segment-preview-jobs.ts). */
  private readonly segmentPreviews: SegmentPreviewJobs;

  constructor(
    private readonly control: ControlStore,
    private readonly cluster: ShardCluster,
  ) {
    this.segmentCoupons = new SegmentCouponJobs(cluster);
    this.segmentPreviews = new SegmentPreviewJobs(cluster);
  }

  /** The current document with its version (version 0 and empty lists before the first). */
  current(): AdminOutcome<CampaignSet> {
    return { ok: true, value: this.control.currentCampaigns() ?? { version: 0, ...EMPTY_DEFINITION } };
  }

  campaign(id: string): AdminOutcome<Campaign> {
    const found = this.control.currentCampaigns()?.campaigns.find((campaign) => campaign.id === id);
    return found === undefined ? failure("NOT_FOUND", `no campaign ${id}`) : { ok: true, value: found };
  }

  /** Replaces the whole document (segments and campaigns), validated against the current program. */
  async putDocument(input: unknown, operator: string): Promise<AdminOutcome<CampaignSet>> {
    const definition = validateCampaignsDocument(input, this.control.currentProgram() ?? null);
    return this.store(() => definition, operator, "put-campaigns", {});
  }

  /** Creates or replaces one campaign; its audience must be a segment of the current document. */
  async putCampaign(id: string, input: unknown, operator: string): Promise<AdminOutcome<Campaign>> {
    const body = readObject(input, "campaign");
    if (body["id"] !== undefined && body["id"] !== id) return failure("BAD_REQUEST", `campaign.id must be the path's id (${id}) or absent`);
    const segmentIds = new Set(this.definition().segments.map((segment) => segment.id));
    const campaign = validateCampaign({ ...body, id }, segmentIds, this.control.currentProgram() ?? null);
    const stored = await this.store((before) => withCampaign(before, campaign), operator, "put-campaign", { campaign: id });
    return stored.ok ? { ok: true, value: campaign } : stored;
  }

  /** Moves a campaign to another state (draft, active, paused, ended). */
  async setState(id: string, input: unknown, operator: string): Promise<AdminOutcome<Campaign>> {
    const body = readObject(input, "body");
    refuseUnknownFields(body, "body", new Set(["state"]));
    const state = readString(body["state"], "state", 16) as CampaignState;
    if (!CAMPAIGN_STATES.includes(state)) return failure("BAD_REQUEST", `state must be one of ${CAMPAIGN_STATES.join(", ")}`);
    const existing = this.definition().campaigns.find((campaign) => campaign.id === id);
    if (existing === undefined) return failure("NOT_FOUND", `no campaign ${id}`);
    const campaign: Campaign = { ...existing, state };
    const stored = await this.store((before) => withCampaign(before, campaign), operator, "campaign-state", { campaign: id, state });
    return stored.ok ? { ok: true, value: campaign } : stored;
  }

  /** Issues a campaign's coupons (gateway/admin/coupon-admin.ts), audited with how many. */
  async issueCoupons(id: string, input: unknown, operator: string): Promise<AdminOutcome<CouponIssue>> {
    const issued = await issueCoupons(this.cluster, this.definition().campaigns.find((each) => each.id === id), input);
    if (issued.ok) await this.control.appendAudit({ at: Date.now(), action: "issue-coupons", operator, detail: { campaign: id, coupons: issued.value.coupons.length } });
    return issued;
  }

  coupon(code: string): Promise<AdminOutcome<CouponView>> {
    return readCouponView(this.cluster, code, Date.now());
  }

  /** A page of a campaign's coupons (`after`: a page's `next`), or the member's personal code of the campaign (`member`). */
  async coupons(id: string, query: { readonly after: string | undefined; readonly limit: string | undefined; readonly member: string | undefined }): Promise<AdminOutcome<CouponPage>> {
    if (!this.definition().campaigns.some((each) => each.id === id)) return failure("NOT_FOUND", `no campaign ${id}`);
    if (query.member !== undefined) return memberCoupons(this.cluster, id, readString(query.member, "member", 17, MEMBER_ID_PATTERN), Date.now());
    const limit = query.limit === undefined ? COUPON_PAGE_DEFAULT : readInteger(Number(query.limit), "limit", 1, COUPON_PAGE_MAX);
    return listCoupons(this.cluster, id, readCouponCursor(query.after), limit, Date.now());
  }

  /** Starts (or, for a repeat of its id, reads) a sweep giving each member of a segment one personal code of the campaign; audited. */
  async issueSegmentCoupons(id: string, input: unknown, operator: string): Promise<AdminOutcome<SegmentCouponJob>> {
    const definition = this.definition();
    const started = this.segmentCoupons.start(definition.campaigns.find((each) => each.id === id), definition, input);
    if (started.ok) await this.control.appendAudit({ at: Date.now(), action: "issue-segment-coupons", operator, detail: { campaign: id, job: started.value.id, segment: started.value.segment } });
    return started;
  }

  couponJob(id: string): AdminOutcome<SegmentCouponJob> {
    return this.segmentCoupons.get(id);
  }

  /** Revokes a coupon (coupon-admin.ts), audited with its revoke's id. */
  async revokeCoupon(code: string, input: unknown, operator: string): Promise<AdminOutcome<CouponRevoked>> {
    const revoked = await revokeCoupon(this.cluster, code, input, Date.now());
    if (revoked.ok) await this.control.appendAudit({ at: Date.now(), action: "revoke-coupon", operator, detail: { code, id: revoked.value.revoked.id, alreadyRevoked: revoked.value.alreadyRevoked } });
    return revoked;
  }

  /** What a campaign with a budget has given so far, net of returns, asked of every shard thread (docs/campaigns.md, "Budgets"). */
  async budget(id: string): Promise<AdminOutcome<CampaignBudgetView>> {
    const campaign = this.definition().campaigns.find((each) => each.id === id);
    if (campaign === undefined) return failure("NOT_FOUND", `no campaign ${id}`);
    if (campaign.budgetPoints === undefined && campaign.budgetDiscount === undefined) return failure("NOT_FOUND", `campaign ${id} has no budget`);
    const budgetDiscount = campaign.budgetDiscount ?? null;
    const replies = await this.cluster.broadcast({ kind: "campaignBudget", campaign: id, budgetPoints: campaign.budgetPoints ?? null, budgetDiscount });
    const shards: CampaignBudgetView["shards"][number][] = [];
    for (const [shard, reply] of replies.entries()) {
      if (!reply.ok) return failure(reply.code, reply.message);
      const { share, given, discountShare, discountGiven } = reply.value;
      shards.push(budgetDiscount === null ? { shard, share, given } : { shard, share, given, discountShare, discountGiven });
    }
    const given = shards.reduce((sum, each) => sum + each.given, 0);
    const view = { campaign: id, budgetPoints: campaign.budgetPoints ?? null, given, shards };
    if (budgetDiscount === null) return { ok: true, value: view };
    return { ok: true, value: { ...view, budgetDiscount, discountGiven: shards.reduce((sum, each) => sum + (each.discountGiven ?? 0), 0) } };
  }

  /**
   * A dry run: prices `receipt` for `member` under the stored campaigns with
   * `campaign` added as if active (replacing a stored one of its id), on the
   * member's shard, changing nothing.
   */
  async preview(input: unknown): Promise<AdminOutcome<CalculateResult | CampaignHistoryPreview>> {
    const body = readObject(input, "preview");
    refuseUnknownFields(body, "preview", new Set(["member", "receipt", "lastReceipts", "redeem", "partner", "cardType", "campaign"]));
    const memberId = readString(body["member"], "member", 17, MEMBER_ID_PATTERN);
    const partner = readOptionalString(body["partner"], "partner", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN) ?? "";
    const cardType = readOptionalString(body["cardType"], "cardType", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN) ?? null;
    const segmentIds = new Set(this.definition().segments.map((segment) => segment.id));
    if ((body["receipt"] === undefined) === (body["lastReceipts"] === undefined)) return failure("BAD_REQUEST", "preview needs exactly one of receipt and lastReceipts");
    if (body["lastReceipts"] !== undefined) {
      if (body["redeem"] !== undefined) return failure("BAD_REQUEST", "redeem goes with receipt, not with lastReceipts");
      const count = readInteger(body["lastReceipts"], "lastReceipts", 1, CAMPAIGN_PREVIEW_RECEIPTS_MAX);
      const draft = validateCampaign(body["campaign"], segmentIds);
      const reply = await this.cluster.requestForMember({ kind: "previewCampaignHistory", memberId, count, partner, cardType, draft });
      return reply.ok ? { ok: true, value: reply.value } : failure(reply.code, reply.message);
    }
    const receipt = readReceipt(body["receipt"], { terminalStore: PREVIEW_STORE, now: Date.now() });
    const redeem = body["redeem"] === undefined || body["redeem"] === null ? 0 : readInteger(body["redeem"], "redeem", 0, PREVIEW_REDEEM_MAX);
    const draft = validateCampaign(body["campaign"], segmentIds);
    const reply = await this.cluster.requestForMember({ kind: "previewCampaign", memberId, receipt, redeem, partner, cardType, draft });
    return reply.ok ? { ok: true, value: reply.value } : failure(reply.code, reply.message);
  }

  /**
   * How many members a segment holds now (`segment`: a stored one's id, or
   * `when`: a condition as is), and the first `sample` of them: every
   * logical shard walked a page at a time, one page in flight per shard
   * thread, at most SEGMENT_PREVIEW_MEMBERS_MAX members scanned.
   */
  async previewSegment(input: unknown): Promise<AdminOutcome<SegmentPreview>> {
    const body = readObject(input, "preview");
    refuseUnknownFields(body, "preview", new Set(["segment", "when", "sample"]));
    const request = readSegmentPreview(body, this.definition(), this.control.currentProgram() ?? null);
    if (!request.ok) return request;
    const swept = await sweepSegment(this.cluster, request.value.when, request.value.sampleMax);
    if (!swept.ok) return swept;
    return { ok: true, value: { segment: request.value.segment, members: swept.members, scanned: swept.scanned, sample: swept.sample, complete: swept.complete } };
  }

  /** A segment preview started in the background, polled for its progress (segment-preview-jobs.ts). */
  startSegmentPreview(input: unknown): AdminOutcome<SegmentPreviewJob> {
    return this.segmentPreviews.start(input, this.definition(), this.control.currentProgram() ?? null);
  }

  segmentPreviewJob(id: string): AdminOutcome<SegmentPreviewJob> {
    return this.segmentPreviews.get(id);
  }

  private definition(): CampaignsDefinition {
    return this.control.currentCampaigns() ?? EMPTY_DEFINITION;
  }

  /** Stores the next version made from the current one, sends it to every shard, audits it. */
  private async store(
    change: (before: CampaignsDefinition) => CampaignsDefinition,
    operator: string,
    action: string,
    detail: Readonly<Record<string, unknown>>,
  ): Promise<AdminOutcome<CampaignSet>> {
    return this.locks.run(["campaigns"], async () => {
      const before = this.control.currentCampaigns();
      const next = change(before ?? EMPTY_DEFINITION);
      // The whole document is checked again (limits over the set, references into the program).
      const definition = validateCampaignsDocument(next, this.control.currentProgram() ?? null);
      const campaigns: CampaignSet = { ...definition, version: (before?.version ?? 0) + 1 };
      await this.control.appendCampaigns(campaigns);
      await this.install(campaigns);
      await this.control.appendAudit({ at: Date.now(), action, operator, detail: { ...detail, version: campaigns.version } });
      return { ok: true, value: campaigns };
    });
  }

  /** Sends a campaigns version to every shard (control-broadcast.ts). */
  private async install(campaigns: CampaignSet): Promise<void> {
    await broadcastControl(this.cluster, { kind: "setCampaigns", campaigns }, "the campaigns are stored");
  }
}

/** The document with `campaign` in place of the one of its id, or added at the end. */
function withCampaign(before: CampaignsDefinition, campaign: Campaign): CampaignsDefinition {
  const index = before.campaigns.findIndex((each) => each.id === campaign.id);
  const campaigns = index < 0 ? [...before.campaigns, campaign] : before.campaigns.map((each, at) => (at === index ? campaign : each));
  return { segments: before.segments, campaigns };
}
