import type { Survey, SurveyInviteResult, SurveyList, SurveyResults } from "../../protocol/survey-document.js";
import type {
  ActivityPage,
  AdjustmentRequest,
  AdjustmentResult,
  AuditPage,
  CampaignBudgetView,
  CouponPage,
  CouponRevoked,
  CouponView,
  SegmentPreviewJob,
  BlockCardRequest,
  CardView,
  CreateOperatorRequest,
  EditProfileRequest,
  EditProfileResult,
  IssueCardRequest,
  MemberSearchPage,
  ReplaceCardRequest,
  ReplaceCardResult,
  CreatePartnerRequest,
  CreateStoreRequest,
  CreateTerminalRequest,
  MemberView,
  Operator,
  OperatorPage,
  Partner,
  PartnerPage,
  PartnerProgramList,
  PartnerProgramVersion,
  Principal,
  Program,
  ProgramValidation,
  ProgramVersionPage,
  SettlementReport,
  SignInResult,
  Store,
  StorePage,
  Terminal,
  TerminalPage,
  TerminalWithToken,
  CreateWebhookRequest,
  RotateWebhookSecretRequest,
  UpdateWebhookRequest,
  WebhookDeadLetterPage,
  WebhookDeliveries,
  WebhookList,
  WebhookView,
  MessageTemplate,
  MessageTemplateList,
} from "../../protocol/admin-wire.js";
import type { Campaign, CampaignSet, CampaignState } from "../../protocol/campaign-document.js";
import { ApiError, apiErrorOf } from "./api-error.js";

/** An admin request that has not answered by then is shown as a TIMEOUT; a slow shard must not freeze the page. */
const REQUEST_TIMEOUT_MILLISECONDS = 15_000;

type Query = Readonly<Record<string, string | number | null | undefined>>;

/** The admin API (`/v1/admin/*`) as the console calls it, with one bearer token (an operator session or the admin token). */
export class AdminApi {
  constructor(private readonly token: string) {}

  me(): Promise<Principal> {
    return this.call("GET", "/v1/admin/me");
  }
  program(): Promise<Program> {
    return this.call("GET", "/v1/admin/program");
  }
  programVersion(version: number): Promise<Program> {
    return this.call("GET", `/v1/admin/program/versions/${version}`);
  }
  programVersions(before?: number | null): Promise<ProgramVersionPage> {
    return this.call("GET", "/v1/admin/program/versions", { before, limit: 100 });
  }
  validateProgram(document: unknown): Promise<ProgramValidation> {
    return this.call("POST", "/v1/admin/program/validate", undefined, document);
  }
  saveProgram(document: unknown): Promise<Program> {
    return this.call("PUT", "/v1/admin/program", undefined, document);
  }
  /** The partners that run a program of their own now (docs/program.md, "Partners' own programs"). */
  partnerPrograms(): Promise<PartnerProgramList> {
    return this.call("GET", "/v1/admin/partner-programs");
  }
  partnerProgram(partner: string): Promise<PartnerProgramVersion> {
    return this.call("GET", `/v1/admin/partners/${encodeURIComponent(partner)}/program`);
  }
  validatePartnerProgram(partner: string, document: unknown): Promise<ProgramValidation> {
    return this.call("POST", `/v1/admin/partners/${encodeURIComponent(partner)}/program/validate`, undefined, document);
  }
  savePartnerProgram(partner: string, document: unknown): Promise<PartnerProgramVersion> {
    return this.call("PUT", `/v1/admin/partners/${encodeURIComponent(partner)}/program`, undefined, document);
  }
  /** The partner returns to the coalition program. */
  removePartnerProgram(partner: string): Promise<PartnerProgramVersion> {
    return this.call("DELETE", `/v1/admin/partners/${encodeURIComponent(partner)}/program`);
  }
  /** The current campaigns document (docs/campaigns.md): its segments and campaigns. */
  campaigns(): Promise<CampaignSet> {
    return this.call("GET", "/v1/admin/campaigns");
  }
  setCampaignState(id: string, state: CampaignState): Promise<Campaign> {
    return this.call("POST", `/v1/admin/campaigns/${encodeURIComponent(id)}/state`, undefined, { state });
  }
  campaignBudget(id: string): Promise<CampaignBudgetView> {
    return this.call("GET", `/v1/admin/campaigns/${encodeURIComponent(id)}/budget`);
  }
  campaignCoupons(id: string, after: string | null, limit: number): Promise<CouponPage> {
    return this.call("GET", `/v1/admin/campaigns/${encodeURIComponent(id)}/coupons`, { after, limit });
  }
  coupon(code: string): Promise<CouponView> {
    return this.call("GET", `/v1/admin/coupons/${encodeURIComponent(code)}`);
  }
  /** `id`: a client id made per click, so a retried request is the same revoke. */
  revokeCoupon(code: string, id: string): Promise<CouponRevoked> {
    return this.call("POST", `/v1/admin/coupons/${encodeURIComponent(code)}/revoke`, undefined, { id });
  }
  startSegmentPreview(segment: string, sample: number): Promise<SegmentPreviewJob> {
    return this.call("POST", "/v1/admin/segments/preview-jobs", undefined, { segment, sample });
  }
  segmentPreviewJob(id: string): Promise<SegmentPreviewJob> {
    return this.call("GET", `/v1/admin/segments/preview-jobs/${encodeURIComponent(id)}`);
  }
  memberByCard(card: string): Promise<MemberView> {
    return this.call("GET", "/v1/admin/members", { card });
  }
  memberByPhone(phone: string): Promise<MemberView> {
    return this.call("GET", "/v1/admin/members", { phone });
  }
  member(id: string): Promise<MemberView> {
    return this.call("GET", `/v1/admin/members/${encodeURIComponent(id)}`);
  }
  searchMembers(q: string, after: string | null, limit: number): Promise<MemberSearchPage> {
    return this.call("GET", "/v1/admin/members/search", { q, after, limit });
  }
  editProfile(id: string, request: EditProfileRequest): Promise<EditProfileResult> {
    return this.call("POST", `/v1/admin/members/${encodeURIComponent(id)}/profile`, undefined, request);
  }
  issueCard(memberId: string, request: IssueCardRequest): Promise<CardView> {
    return this.call("POST", `/v1/admin/members/${encodeURIComponent(memberId)}/cards`, undefined, request);
  }
  blockCard(card: string, request: BlockCardRequest): Promise<CardView> {
    return this.call("POST", `/v1/admin/cards/${encodeURIComponent(card)}/block`, undefined, request);
  }
  unblockCard(card: string): Promise<CardView> {
    return this.call("POST", `/v1/admin/cards/${encodeURIComponent(card)}/unblock`, undefined, {});
  }
  replaceCard(card: string, request: ReplaceCardRequest): Promise<ReplaceCardResult> {
    return this.call("POST", `/v1/admin/cards/${encodeURIComponent(card)}/replace`, undefined, request);
  }
  activity(id: string, before: number | null, limit: number): Promise<ActivityPage> {
    return this.call("GET", `/v1/admin/members/${encodeURIComponent(id)}/activity`, { before, limit });
  }
  adjust(request: AdjustmentRequest): Promise<AdjustmentResult> {
    return this.call("POST", "/v1/admin/adjustments", undefined, request);
  }
  partners(after?: string | null): Promise<PartnerPage> {
    return this.call("GET", "/v1/admin/partners", { after, limit: 500 });
  }
  createPartner(request: CreatePartnerRequest): Promise<Partner> {
    return this.call("POST", "/v1/admin/partners", undefined, request);
  }
  stores(after?: string | null): Promise<StorePage> {
    return this.call("GET", "/v1/admin/stores", { after, limit: 500 });
  }
  createStore(request: CreateStoreRequest): Promise<Store> {
    return this.call("POST", "/v1/admin/stores", undefined, request);
  }
  terminals(after?: string | null): Promise<TerminalPage> {
    return this.call("GET", "/v1/admin/terminals", { after, limit: 500 });
  }
  createTerminal(request: CreateTerminalRequest): Promise<TerminalWithToken> {
    return this.call("POST", "/v1/admin/terminals", undefined, request);
  }
  revokeTerminal(id: string): Promise<Terminal> {
    return this.call("DELETE", `/v1/admin/terminals/${encodeURIComponent(id)}`);
  }
  rotateTerminalToken(id: string): Promise<TerminalWithToken> {
    return this.call("POST", `/v1/admin/terminals/${encodeURIComponent(id)}/token`);
  }
  settlement(query: { from: string; to: string; issuer?: string; redeemer?: string }): Promise<SettlementReport> {
    return this.call("GET", "/v1/admin/settlement", query);
  }
  /** The settlement report's CSV, fetched with this session's token (a plain link could not send it). */
  settlementCsv(query: { from: string; to: string; issuer?: string; redeemer?: string }): Promise<string> {
    return requestText("/v1/admin/settlement" + queryString({ ...query, format: "csv" }), this.token);
  }
  audit(query: { before?: number | null; operator?: string; action?: string; limit?: number }): Promise<AuditPage> {
    return this.call("GET", "/v1/admin/audit", query);
  }
  webhooks(): Promise<WebhookList> {
    return this.call("GET", "/v1/admin/webhooks");
  }
  createWebhook(request: CreateWebhookRequest): Promise<WebhookView> {
    return this.call("POST", "/v1/admin/webhooks", undefined, request);
  }
  updateWebhook(id: string, request: UpdateWebhookRequest): Promise<WebhookView> {
    return this.call("PUT", `/v1/admin/webhooks/${encodeURIComponent(id)}`, undefined, request);
  }
  rotateWebhookSecret(id: string, request: RotateWebhookSecretRequest): Promise<WebhookView> {
    return this.call("POST", `/v1/admin/webhooks/${encodeURIComponent(id)}/secret`, undefined, request);
  }
  /** Pause, resume, disable or enable an endpoint. */
  setWebhookState(id: string, action: "pause" | "resume" | "disable" | "enable"): Promise<WebhookView> {
    return this.call("POST", `/v1/admin/webhooks/${encodeURIComponent(id)}/${action}`);
  }
  deleteWebhook(id: string): Promise<{ deleted: string }> {
    return this.call("DELETE", `/v1/admin/webhooks/${encodeURIComponent(id)}`);
  }
  webhookDeliveries(id: string): Promise<WebhookDeliveries> {
    return this.call("GET", `/v1/admin/webhooks/${encodeURIComponent(id)}/deliveries`);
  }
  webhookDeadLetters(id: string, after: string | null): Promise<WebhookDeadLetterPage> {
    return this.call("GET", `/v1/admin/webhooks/${encodeURIComponent(id)}/dead-letters`, { after, limit: 50 });
  }
  replayDeadLetter(id: string, event: string): Promise<{ replayed: string }> {
    return this.call("POST", `/v1/admin/webhooks/${encodeURIComponent(id)}/dead-letters/${encodeURIComponent(event)}/replay`);
  }
  templates(): Promise<MessageTemplateList> {
    return this.call("GET", "/v1/admin/templates");
  }
  setTemplate(kind: string, channel: string, text: string): Promise<MessageTemplate> {
    return this.call("PUT", `/v1/admin/templates/${encodeURIComponent(kind)}/${encodeURIComponent(channel)}`, undefined, { text });
  }
  deleteTemplate(kind: string, channel: string): Promise<{ deleted: { kind: string; channel: string } }> {
    return this.call("DELETE", `/v1/admin/templates/${encodeURIComponent(kind)}/${encodeURIComponent(channel)}`);
  }
  /** Surveys (docs/surveys.md): every survey, in id order. */
  surveys(): Promise<SurveyList> {
    return this.call("GET", "/v1/admin/surveys");
  }
  /** Creates or replaces a survey's definition. */
  saveSurvey(id: string, definition: unknown): Promise<Survey> {
    return this.call("PUT", `/v1/admin/surveys/${encodeURIComponent(id)}`, undefined, definition);
  }
  closeSurvey(id: string): Promise<Survey> {
    return this.call("POST", `/v1/admin/surveys/${encodeURIComponent(id)}/close`);
  }
  inviteToSurvey(id: string): Promise<SurveyInviteResult> {
    return this.call("POST", `/v1/admin/surveys/${encodeURIComponent(id)}/invite`);
  }
  surveyResults(id: string): Promise<SurveyResults> {
    return this.call("GET", `/v1/admin/surveys/${encodeURIComponent(id)}/results`);
  }
  /** A survey's answers as CSV, fetched with this session's token (a plain link could not send it). */
  surveyAnswersCsv(id: string): Promise<string> {
    return requestText(`/v1/admin/surveys/${encodeURIComponent(id)}/answers.csv`, this.token);
  }
  operators(): Promise<OperatorPage> {
    return this.call("GET", "/v1/admin/operators", { limit: 500 });
  }
  createOperator(request: CreateOperatorRequest): Promise<Operator> {
    return this.call("POST", "/v1/admin/operators", undefined, request);
  }
  disableOperator(name: string): Promise<Operator> {
    return this.call("DELETE", `/v1/admin/operators/${encodeURIComponent(name)}`);
  }

  private call<Answer>(method: string, path: string, query?: Query, body?: unknown): Promise<Answer> {
    return requestJson<Answer>(method, path + queryString(query), body, this.token);
  }
}

/** A text answer (the settlement CSV); a coded error as requestJson throws it. */
async function requestText(path: string, token: string): Promise<string> {
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (response.ok) return response.text();
  return requestJson<string>("GET", path, undefined, token);
}

/** Exchanges an operator's name and password for a session token. */
export function signIn(name: string, password: string): Promise<SignInResult> {
  return requestJson("POST", "/v1/admin/sessions", { name, password });
}

export function queryString(query: Query | undefined): string {
  if (query === undefined) return "";
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") parameters.set(name, String(value));
  }
  const text = parameters.toString();
  return text.length === 0 ? "" : `?${text}`;
}

async function requestJson<Answer>(method: string, path: string, body: unknown, token?: string): Promise<Answer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLISECONDS),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    throw new ApiError(timedOut ? "TIMEOUT" : "DISCONNECTED", timedOut ? "the server did not answer in time" : "the server could not be reached", 0);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw apiErrorOf(response.status, parsed);
  return parsed as Answer;
}
