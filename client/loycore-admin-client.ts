import { readAdminClientOptions } from "./admin-client-options.js";
import type { Campaign, CampaignSet, CampaignsDefinition, CampaignState, SegmentCondition } from "../protocol/campaign-document.js";
import type { CampaignBudgetView, CampaignHistoryPreview, CouponIssue, CouponPage, CouponRevoked, CouponView, SegmentCouponJob, SegmentPreview, SegmentPreviewJob } from "../protocol/admin-wire.js";
import type { CalculateResult } from "../protocol/terminal-wire.js";
import type { AdminClientSettings, LoycoreAdminClientOptions } from "./admin-client-options.js";
import type {
  ActivityPage,
  AdjustmentRequest,
  AdjustmentResult,
  AdminEnrollRequest,
  AdminEnrollResult,
  AuditPage,
  AuditQuery,
  CreatePartnerRequest,
  EditProfileRequest,
  EditProfileResult,
  MemberSearchPage,
  MemberSearchQuery,
  CreateStoreRequest,
  CreateTerminalRequest,
  IdPageQuery,
  MemberView,
  Partner,
  PartnerPage,
  PartnerProgramList,
  PartnerProgramVersion,
  PartnerProgramVersionPage,
  Program,
  ProgramDefinition,
  ProgramVersionPage,
  SequencePageQuery,
  Store,
  StorePage,
  StorePageQuery,
  Terminal,
  TerminalPage,
  TerminalPageQuery,
  TerminalWithToken,
} from "../protocol/admin-wire.js";
import { LoycoreClientError } from "./loycore-client-error.js";

type QueryValue = string | number | null | undefined;

/**
 * The loycore admin API client: one method per endpoint of `/v1/admin/*` (docs/protocol.md, "Admin
 * API"), JSON over HTTP with the admin token. Answers have the wire types the gateway's admin service
 * answers with (protocol/admin-wire.ts).
 *
 * Failures reject with a `LoycoreClientError`: the gateway's `code` and `message` (source "server"),
 * or one of the client's own (source "client"): `TIMEOUT` (no answer in time; a write may or may not
 * have been done), `DISCONNECTED` (the gateway could not be reached, or the connection dropped),
 * `BAD_REQUEST` (an empty id or page cursor; nothing was sent), and `INTERNAL` (the answer was not a
 * loycore answer, a proxy's error page for example; the message has the HTTP status).
 *
 * Listings page: pass a page's `next` as `after` (partners, stores, terminals; id order) or `before`
 * (program versions; newest first) until `next` is null.
 *
 * ```ts
 * const admin = new LoycoreAdminClient({ url: "http://127.0.0.1:8080", token: adminToken, operator: "ops-1" });
 * const { token } = await admin.createTerminal({ id: "lane-1", store: "store-1" });
 * for (let page = await admin.terminals(); ; page = await admin.terminals({ after: page.next })) {
 *   show(page.terminals);
 *   if (page.next === null) break;
 * }
 * ```
 */
export class LoycoreAdminClient {
  private readonly settings: AdminClientSettings;

  /** Validates the options; a TypeError names the first bad one. Opens nothing: each call is one HTTP request. */
  constructor(options: LoycoreAdminClientOptions) {
    this.settings = readAdminClientOptions(options);
  }

  // -- Program ---------------------------------------------------------------

  /** The current program with its version; `NOT_FOUND` before the first is stored. */
  async program(): Promise<Program> {
    return this.call("GET", "/program");
  }

  /** Stores a new program version and resolves once every shard computes with it; a refused document is `BAD_REQUEST`. */
  async putProgram(definition: ProgramDefinition): Promise<Program> {
    return this.call("PUT", "/program", definition);
  }

  /** Stored versions newest first, as `{ version, name }`. */
  async programVersions(query: SequencePageQuery = {}): Promise<ProgramVersionPage> {
    return this.call("GET", `/program/versions${queryString({ before: query.before, limit: query.limit })}`);
  }

  /** One stored version, current or earlier; `NOT_FOUND` for a version never stored. */
  async programVersion(version: number): Promise<Program> {
    return this.call("GET", `/program/versions/${String(version)}`);
  }

  // -- Partners' own programs (docs/program.md, "Partners' own programs") ------

  /** The partners that run a program of their own now. */
  async partnerPrograms(): Promise<PartnerProgramList> {
    return this.call("GET", "/partner-programs");
  }

  /** The program at the partner's stores: its own (`program`), or `program: null` for the coalition program. */
  async partnerProgram(partner: string): Promise<PartnerProgramVersion> {
    return this.call("GET", `/partners/${segment(partner, "partner")}/program`);
  }

  /** Gives the partner a new version of its own program; resolves once every shard prices its stores with it. */
  async putPartnerProgram(partner: string, definition: Partial<ProgramDefinition>): Promise<PartnerProgramVersion> {
    return this.call("PUT", `/partners/${segment(partner, "partner")}/program`, definition);
  }

  /** Returns the partner to the coalition program; a partner already there answers as it is. */
  async removePartnerProgram(partner: string): Promise<PartnerProgramVersion> {
    return this.call("DELETE", `/partners/${segment(partner, "partner")}/program`);
  }

  /** The partner's program versions newest first, as `{ version, name, at }` (name null: the return to the coalition program). */
  async partnerProgramVersions(partner: string, query: SequencePageQuery = {}): Promise<PartnerProgramVersionPage> {
    return this.call("GET", `/partners/${segment(partner, "partner")}/program/versions${queryString({ before: query.before, limit: query.limit })}`);
  }

  async partnerProgramVersion(partner: string, version: number): Promise<PartnerProgramVersion> {
    return this.call("GET", `/partners/${segment(partner, "partner")}/program/versions/${String(version)}`);
  }

  // -- Segments and campaigns (docs/campaigns.md) ----------------------------

  /** The current campaigns document with its version (0 and empty lists before the first). */
  async campaigns(): Promise<CampaignSet> {
    return this.call("GET", "/campaigns");
  }

  /** Replaces the whole document; resolves once every shard prices with it; a refused document is `BAD_REQUEST` with its problems. */
  async putCampaigns(definition: CampaignsDefinition): Promise<CampaignSet> {
    return this.call("PUT", "/campaigns", definition);
  }

  async campaign(id: string): Promise<Campaign> {
    return this.call("GET", `/campaigns/${segment(id, "id")}`);
  }

  /** Creates or replaces one campaign (absent fields defaulted), as a new version of the document. */
  async putCampaign(id: string, campaign: Omit<Partial<Campaign>, "id">): Promise<Campaign> {
    return this.call("PUT", `/campaigns/${segment(id, "id")}`, campaign);
  }

  async setCampaignState(id: string, state: CampaignState): Promise<Campaign> {
    return this.call("POST", `/campaigns/${segment(id, "id")}/state`, { state });
  }

  /** A dry run: `calculate`'s answer for the member under the stored campaigns with `campaign` as if active; changes nothing. */
  async previewCampaign(request: {
    readonly member: string;
    readonly receipt: object;
    readonly campaign: Partial<Campaign>;
    readonly redeem?: number;
    readonly partner?: string;
    readonly cardType?: string;
  }): Promise<CalculateResult> {
    return this.call("POST", "/campaigns/preview", request);
  }

  /** A dry run over the member's last `lastReceipts` receipts (at most 20): each priced again without and with `campaign`; changes nothing. */
  async previewCampaignOnHistory(request: {
    readonly member: string;
    readonly lastReceipts: number;
    readonly campaign: Partial<Campaign>;
    readonly partner?: string;
    readonly cardType?: string;
  }): Promise<CampaignHistoryPreview> {
    return this.call("POST", "/campaigns/preview", request);
  }

  /** Issues a campaign's coupons: `count` open codes, or one per member of `members`; each usable on `uses` receipts (default 1) until `validUntil`. */
  async issueCoupons(campaign: string, request: { readonly count?: number; readonly members?: readonly string[]; readonly uses?: number; readonly validUntil?: number }): Promise<CouponIssue> {
    return this.call("POST", `/campaigns/${segment(campaign, "id")}/coupons`, request);
  }

  /** A coupon as it stands: its campaign, member, uses and how many are used now, its state and the receipts using it. */
  async coupon(code: string): Promise<CouponView> {
    return this.call("GET", `/coupons/${segment(code, "code")}`);
  }

  /** A page of a campaign's coupons (`after`: the previous page's `next`), or with `member` that member's personal code of the campaign. */
  async campaignCoupons(campaign: string, query: { readonly after?: string; readonly limit?: number; readonly member?: string } = {}): Promise<CouponPage> {
    return this.call("GET", `/campaigns/${segment(campaign, "id")}/coupons${queryString({ after: query.after, limit: query.limit, member: query.member })}`);
  }

  /** Revokes a coupon; `id` is the revoke's client id (a repeat answers the same). */
  async revokeCoupon(code: string, id: string): Promise<CouponRevoked> {
    return this.call("POST", `/coupons/${segment(code, "code")}/revoke`, { id });
  }

  /** Starts (or, repeated with its id, reads) a job giving each member of a stored segment one personal code of the campaign. */
  async issueSegmentCoupons(campaign: string, request: { readonly id: string; readonly segment: string; readonly uses?: number; readonly validUntil?: number }): Promise<SegmentCouponJob> {
    return this.call("POST", `/campaigns/${segment(campaign, "id")}/coupons/segment`, request);
  }

  /** A segment coupon job's progress. */
  async couponJob(id: string): Promise<SegmentCouponJob> {
    return this.call("GET", `/coupon-jobs/${segment(id, "id")}`);
  }

  /** What a campaign with a budget has given so far, net of returns, in all and by shard thread. */
  async campaignBudget(id: string): Promise<CampaignBudgetView> {
    return this.call("GET", `/campaigns/${segment(id, "id")}/budget`);
  }

  /** How many members a segment (a stored one's id, or a condition as is) holds now, and the first `sample` of them (at most 100). */
  async previewSegment(request: { readonly segment: string; readonly sample?: number } | { readonly when: SegmentCondition; readonly sample?: number }): Promise<SegmentPreview> {
    return this.call("POST", "/segments/preview", request);
  }

  /** The same preview in the background: answers at once with its progress (`id`: a client id to find it again; absent, one is made). */
  async startSegmentPreview(request: ({ readonly segment: string } | { readonly when: SegmentCondition }) & { readonly id?: string; readonly sample?: number }): Promise<SegmentPreviewJob> {
    return this.call("POST", "/segments/preview-jobs", request);
  }

  /** A background segment preview's progress: logical shards counted, members scanned and found, the sample so far. */
  async segmentPreviewJob(id: string): Promise<SegmentPreviewJob> {
    return this.call("GET", `/segments/preview-jobs/${segment(id, "id")}`);
  }

  // -- Partners and stores ---------------------------------------------------

  /** Idempotent: a repeat with the same fields answers the same; other fields are a `CONFLICT`. */
  async createPartner(partner: CreatePartnerRequest): Promise<Partner> {
    return this.call("POST", "/partners", partner);
  }

  async partner(id: string): Promise<Partner> {
    return this.call("GET", `/partners/${segment(id, "id")}`);
  }

  async partners(query: IdPageQuery = {}): Promise<PartnerPage> {
    return this.call("GET", `/partners${queryString({ after: query.after, limit: query.limit })}`);
  }

  /** Idempotent like `createPartner`; the partner must exist (`BAD_REQUEST` otherwise). */
  async createStore(store: CreateStoreRequest): Promise<Store> {
    return this.call("POST", "/stores", store);
  }

  async store(id: string): Promise<Store> {
    return this.call("GET", `/stores/${segment(id, "id")}`);
  }

  async stores(query: StorePageQuery = {}): Promise<StorePage> {
    return this.call("GET", `/stores${queryString({ after: query.after, limit: query.limit, partner: query.partner })}`);
  }

  // -- Terminals ---------------------------------------------------------------

  /** Creates a terminal; its token is in this answer only. A repeat is a `CONFLICT`. */
  async createTerminal(terminal: CreateTerminalRequest): Promise<TerminalWithToken> {
    return this.call("POST", "/terminals", terminal);
  }

  /** A terminal without its token. */
  async terminal(id: string): Promise<Terminal> {
    return this.call("GET", `/terminals/${segment(id, "id")}`);
  }

  /** Terminals in id order, revoked ones included, never a token. */
  async terminals(query: TerminalPageQuery = {}): Promise<TerminalPage> {
    return this.call(
      "GET",
      `/terminals${queryString({ after: query.after, limit: query.limit, store: query.store, partner: query.partner })}`,
    );
  }

  /** Revokes a terminal for good: its token is refused and its connections are closed. A repeat answers the same. */
  async revokeTerminal(id: string): Promise<Terminal> {
    return this.call("DELETE", `/terminals/${segment(id, "id")}`);
  }

  /** A new token for the terminal, in this answer only; the old one is refused from now on. */
  async rotateTerminalToken(id: string): Promise<TerminalWithToken> {
    return this.call("POST", `/terminals/${segment(id, "id")}/token`);
  }

  // -- Members -----------------------------------------------------------------

  /** Enrolls a member, idempotent on the card. */
  async enrollMember(member: AdminEnrollRequest): Promise<AdminEnrollResult> {
    return this.call("POST", "/members", member);
  }

  /** The member view; `UNKNOWN_MEMBER` for an unknown id. */
  async member(memberId: string): Promise<MemberView> {
    return this.call("GET", `/members/${segment(memberId, "memberId")}`);
  }

  /** The member view found by card; `UNKNOWN_CARD` when no member has it. */
  async memberByCard(card: string): Promise<MemberView> {
    return this.call("GET", `/members${queryString({ card: nonEmpty(card, "card") })}`);
  }

  /** The member view found by phone; `UNKNOWN_PHONE` when no member has it. */
  async memberByPhone(phone: string): Promise<MemberView> {
    return this.call("GET", `/members${queryString({ phone: nonEmpty(phone, "phone") })}`);
  }

  /** A member's history newest first; pass the last entry's `sequence` as `before` for older entries. */
  async memberActivity(memberId: string, query: SequencePageQuery = {}): Promise<ActivityPage> {
    return this.call("GET", `/members/${segment(memberId, "memberId")}/activity${queryString({ before: query.before, limit: query.limit })}`);
  }

  /**
   * Changes a member's profile (the fields given; null clears one), idempotent by `id`: a repeat answers the
   * first answer, the same id with other fields `CONFLICT`; `PHONE_TAKEN` for another member's phone.
   */
  async editMemberProfile(memberId: string, edit: EditProfileRequest): Promise<EditProfileResult> {
    return this.call("POST", `/members/${segment(memberId, "memberId")}/profile`, edit);
  }

  /** Members by card, phone, e-mail or the start of a name; pass a page's `next` as `after` until it is null. */
  async searchMembers(query: MemberSearchQuery): Promise<MemberSearchPage> {
    return this.call("GET", `/members/search${queryString({ q: nonEmpty(query.q, "q"), after: query.after, limit: query.limit })}`);
  }

  /** Credits or debits a member's points, idempotent by `id`. */
  async adjust(adjustment: AdjustmentRequest): Promise<AdjustmentResult> {
    return this.call("POST", "/adjustments", adjustment);
  }

  // -- Audit -------------------------------------------------------------------

  /** Every accepted admin write, newest first, only one operator's or action's when given; pass `next` as `before` for older ones. */
  async audit(query: AuditQuery = {}): Promise<AuditPage> {
    return this.call("GET", `/audit${queryString({ before: query.before, limit: query.limit, operator: query.operator, action: query.action })}`);
  }

  // ---------------------------------------------------------------------------

  private async call<Result>(method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: object): Promise<Result> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.settings.token}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.settings.operator !== undefined) headers["x-operator"] = this.settings.operator;
    const controller = new AbortController();
    const timeoutMilliseconds = this.settings.requestTimeoutMilliseconds;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMilliseconds);
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.settings.url}/v1/admin${path}`, {
        method,
        headers,
        signal: controller.signal,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (timedOut) throw new LoycoreClientError("TIMEOUT", `no answer to ${method} ${path} in ${timeoutMilliseconds} ms; it may or may not have been done`, "client");
      throw new LoycoreClientError("DISCONNECTED", `${method} ${path} failed: ${errorMessage(error)}`, "client");
    } finally {
      clearTimeout(timer);
    }
    const answer = parseJson(text);
    if (status === 200 && typeof answer === "object" && answer !== null) return answer as Result;
    if (isFailureAnswer(answer)) throw new LoycoreClientError(answer.code, answer.message, "server");
    throw new LoycoreClientError("INTERNAL", `${method} ${path} answered HTTP ${status} without a loycore answer`, "client");
  }
}

function isFailureAnswer(value: unknown): value is { readonly code: string; readonly message: string } {
  if (typeof value !== "object" || value === null) return false;
  const fields = value as Readonly<Record<string, unknown>>;
  return typeof fields["code"] === "string" && typeof fields["message"] === "string";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** An id as one path segment: percent-encoded, since ids may hold "/", "?" or "%". */
function segment(value: string, field: string): string {
  return encodeURIComponent(nonEmpty(value, field));
}

function nonEmpty(value: string, field: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new LoycoreClientError("BAD_REQUEST", `${field} must be a non-empty string; nothing was sent`, "client");
  }
  return value;
}

/** `?name=value&...` of the parameters that are set, each percent-encoded; "" when none is. */
function queryString(parameters: Readonly<Record<string, QueryValue>>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === "number" ? String(value) : nonEmpty(value, name);
    pairs.push(`${name}=${encodeURIComponent(text)}`);
  }
  return pairs.length === 0 ? "" : `?${pairs.join("&")}`;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
