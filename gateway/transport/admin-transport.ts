import type uWS from "uWebSockets.js";
import { isPlainObject, type InputObject } from "../../domain/validation/fields.js";
import type { Principal } from "../../protocol/admin-wire.js";
import type { AdminService } from "../admin/admin-service.js";
import type { CampaignService } from "../admin/campaign-service.js";
import type { PartnerProgramService } from "../admin/partner-program-service.js";
import type { CardService } from "../operations/card-service.js";
import type { FamilyService } from "../operations/family-service.js";
import type { SurveyService } from "../surveys/survey-service.js";
import { settlementReport } from "../admin/settlement-report.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { MemberEdits } from "../admin/member-edits.js";
import type { MemberSearch } from "../admin/member-search.js";
import type { AdminPermission } from "../admin/operator-roles.js";
import { mayAct } from "../admin/operator-roles.js";
import type { Operators } from "../admin/operators.js";
import { bearerToken } from "../control/tokens.js";
import type { WebhookAdmin } from "../notifications/webhook-admin.js";
import type { WebhookEndpoints } from "../notifications/webhook-endpoints.js";
import type { MessageTemplates } from "../notifications/message-templates.js";
import { TextAnswer, type OperationOutcome } from "../operations/operation-outcome.js";
import { decodeFrame } from "../../protocol/frame-codec.js";
import {
  answerMediaTypeOf,
  decodeBody,
  HttpExchange,
  mediaTypeOf,
  SUPPORTED_CONTENT_TYPES_TEXT,
  type MediaType,
} from "./http-exchange.js";
import { REQUEST_BYTES_MAX } from "./limits.js";
import { outcomeOfError } from "./request-handler.js";

/** `parameters`: the path's parameters, read (percent-decoded) when the request arrived. */
type AdminWrite = (service: AdminService, body: unknown, operator: string, parameters: readonly string[]) => Promise<OperationOutcome>;
/** Reads what it needs of the request at once (uWS forbids touching it later) and returns the work. */
type AdminRead = (request: uWS.HttpRequest) => () => OperationOutcome | Promise<OperationOutcome>;

/** Who is acting with the admin token, for the audit trail: the `x-operator` header, else "admin". An operator's session names its operator. */
const OPERATOR_HEADER = "x-operator";
const OPERATOR_HEADER_LENGTH_MAX = 100;

/** A path segment, percent-decoded: ids may hold any visible ASCII, "/" and "?" included, sent encoded. */
function pathParameter(request: uWS.HttpRequest, index: number): string {
  const raw = request.getParameter(index) ?? "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * A query parameter; undefined when absent or empty. uWS has already
 * percent-decoded it: decoding again would turn an id's "%20" into a space.
 */
function query(request: uWS.HttpRequest, name: string): string | undefined {
  const value = request.getQuery(name);
  return value === undefined || value.length === 0 ? undefined : value;
}

function namedOperatorOf(request: uWS.HttpRequest): string {
  return request.getHeader(OPERATOR_HEADER).trim().slice(0, OPERATOR_HEADER_LENGTH_MAX);
}

/** An authorised request: where to answer, and who acts. */
interface Authorised {
  readonly exchange: HttpExchange;
  readonly principal: Principal;
}

/**
 * `/v1/admin/*`: JSON (or msgpack) over HTTP, authorised by the admin token or
 * an operator's session token, each route by the permission it needs
 * (operator-roles.ts). Every route answers a coded error for bad input, never throws.
 */
export class AdminTransport {
  constructor(
    private readonly operators: Operators,
    private readonly service: AdminService,
    private readonly cards: CardService,
    private readonly edits: MemberEdits,
    private readonly search: MemberSearch,
    private readonly cluster: ShardCluster,
    private readonly webhooks: { readonly endpoints: WebhookEndpoints; readonly admin: WebhookAdmin; readonly templates: MessageTemplates },
    private readonly campaigns: CampaignService,
    /** Partners' own programs (docs/program.md, "Partners' own programs"); absent: no such routes. */
    private readonly partnerPrograms?: PartnerProgramService,
    /** Family accounts (gateway/operations/family-service.ts); absent: no such routes. */
    private readonly family?: FamilyService,
    /** Surveys (gateway/surveys/survey-service.ts); absent: no such routes. */
    private readonly surveys?: SurveyService,
  ) {}

  /** The route table, in registration order; the request plumbing is registerRead, registerWrite, authorise and answer. */
  register(app: uWS.TemplatedApp): void {
    this.registerProgramRoutes(app);
    this.registerCampaignRoutes(app);
    this.registerPartnerRoutes(app);
    this.registerPartnerProgramRoutes(app);
    this.registerStoreRoutes(app);
    this.registerTerminalRoutes(app);
    this.registerMemberAndAuditRoutes(app);
    this.registerCardRoutes(app);
    this.registerSettlementRoutes(app);
    this.registerFamilyRoutes(app);
    this.registerWebhookRoutes(app);
    this.registerTemplateRoutes(app);
    this.registerSurveyRoutes(app);
    this.registerOperatorRoutes(app);
  }

  /** Surveys (docs/surveys.md): definitions, close, invite, results and answers. The program's people run them ("program"); results need "read". */
  private registerSurveyRoutes(app: uWS.TemplatedApp): void {
    const surveys = this.surveys;
    if (surveys === undefined) return;
    this.registerRead(app, "/v1/admin/surveys", () => () => surveys.list());
    this.registerRead(app, "/v1/admin/surveys/:survey", (request) => {
      const id = pathParameter(request, 0);
      return () => surveys.get(id);
    });
    this.registerWrite(app, "put", "/v1/admin/surveys/:survey", "program", (_, body, operator, [id = ""]) => surveys.put(id, body, operator));
    for (const [action, act] of [
      ["close", (id: string, operator: string) => surveys.close(id, operator)],
      ["invite", (id: string, operator: string) => surveys.invite(id, operator)],
    ] as const) {
      app.post(`/v1/admin/surveys/:survey/${action}`, (response, request) => {
        const id = pathParameter(request, 0);
        const authorised = this.authorise(response, request, "program");
        if (authorised !== undefined) this.answer(authorised.exchange, () => act(id, authorised.principal.name));
      });
    }
    this.registerRead(app, "/v1/admin/surveys/:survey/results", (request) => {
      const id = pathParameter(request, 0);
      return () => surveys.results(id);
    });
    // Members' own words, by member id: for the program's people, as the campaigns' previews.
    this.registerRead(
      app,
      "/v1/admin/surveys/:survey/answers.csv",
      (request) => {
        const id = pathParameter(request, 0);
        return () => surveys.answersCsv(id);
      },
      "program",
    );
  }

  /** Webhook endpoints (gateway/notifications/, docs/notifications.md): set up, pause, see deliveries and dead letters, replay one. */
  private registerWebhookRoutes(app: uWS.TemplatedApp): void {
    const { endpoints, admin } = this.webhooks;
    this.registerWrite(app, "post", "/v1/admin/webhooks", "setup", (_, body, operator) => endpoints.create(body as InputObject, operator));
    // "setup": an endpoint's URL is configuration only those who set it up see.
    this.registerRead(app, "/v1/admin/webhooks", () => () => endpoints.list(), "setup");
    this.registerWithoutBody(app, "del", "/v1/admin/webhooks/:webhook", (id, operator) => endpoints.remove(id, operator));
    this.registerWithoutBody(app, "post", "/v1/admin/webhooks/:webhook/pause", (id, operator) => endpoints.setPaused(id, true, operator));
    this.registerWithoutBody(app, "post", "/v1/admin/webhooks/:webhook/resume", (id, operator) => endpoints.setPaused(id, false, operator));
    this.registerWrite(app, "put", "/v1/admin/webhooks/:webhook", "setup", (_, body, operator, [id = ""]) => endpoints.update(id, body as InputObject, operator));
    this.registerWrite(app, "post", "/v1/admin/webhooks/:webhook/secret", "setup", (_, body, operator, [id = ""]) => endpoints.rotateSecret(id, body as InputObject, operator));
    this.registerWithoutBody(app, "post", "/v1/admin/webhooks/:webhook/disable", (id, operator) => endpoints.setDisabled(id, true, operator));
    this.registerWithoutBody(app, "post", "/v1/admin/webhooks/:webhook/enable", (id, operator) => endpoints.setDisabled(id, false, operator));
    this.registerRead(app, "/v1/admin/webhooks/:webhook/deliveries", (request) => {
      const id = pathParameter(request, 0);
      return () => admin.deliveries(id);
    });
    this.registerRead(app, "/v1/admin/webhooks/:webhook/dead-letters", (request) => {
      const id = pathParameter(request, 0);
      const after = query(request, "after");
      const limit = query(request, "limit");
      return () => admin.deadLetters(id, after, limit);
    });
    app.post("/v1/admin/webhooks/:webhook/dead-letters/:event/replay", (response, request) => {
      const id = pathParameter(request, 0);
      const event = pathParameter(request, 1);
      const authorised = this.authorise(response, request, "setup");
      if (authorised !== undefined) this.answer(authorised.exchange, () => admin.replay(id, event));
    });
  }

  /** Message templates per event kind and channel (gateway/notifications/message-templates.ts): the program's people write them. */
  private registerTemplateRoutes(app: uWS.TemplatedApp): void {
    const templates = this.webhooks.templates;
    this.registerRead(app, "/v1/admin/templates", () => () => templates.list());
    this.registerWrite(app, "put", "/v1/admin/templates/:kind/:channel", "program", (_, body, operator, [kind = "", channel = ""]) => templates.set(kind, channel, body as InputObject, operator));
    app.del("/v1/admin/templates/:kind/:channel", (response, request) => {
      const kind = pathParameter(request, 0);
      const channel = pathParameter(request, 1);
      const authorised = this.authorise(response, request, "program");
      if (authorised !== undefined) this.answer(authorised.exchange, () => templates.remove(kind, channel, authorised.principal.name));
    });
  }

  /** A "setup" route on one webhook that takes no body. */
  private registerWithoutBody(app: uWS.TemplatedApp, method: "post" | "del", path: string, act: (id: string, operator: string) => Promise<OperationOutcome>): void {
    app[method](path, (response, request) => {
      const id = pathParameter(request, 0);
      const authorised = this.authorise(response, request, "setup");
      if (authorised !== undefined) this.answer(authorised.exchange, () => act(id, authorised.principal.name));
    });
  }

  /** Cards: a member's cards, issue one, read, block, unblock, replace (gateway/operations/card-service.ts). */
  private registerCardRoutes(app: uWS.TemplatedApp): void {
    const cards = this.cards;
    this.registerRead(app, "/v1/admin/members/:member/cards", (request) => {
      const memberId = pathParameter(request, 0);
      return () => cards.memberCards(memberId);
    });
    this.registerWrite(app, "post", "/v1/admin/members/:member/cards", "members", (_, body, operator, [memberId = ""]) => cards.issue(memberId, body, operator));
    this.registerRead(app, "/v1/admin/cards/:card", (request) => {
      const card = pathParameter(request, 0);
      return () => cards.card(card);
    });
    this.registerWrite(app, "post", "/v1/admin/cards/:card/block", "members", (_, body, operator, [card = ""]) => cards.block(card, body, operator));
    this.registerWrite(app, "post", "/v1/admin/cards/:card/unblock", "members", (_, _body, operator, [card = ""]) => cards.unblock(card, operator));
    this.registerWrite(app, "post", "/v1/admin/cards/:card/replace", "members", (_, body, operator, [card = ""]) => cards.replace(card, body, operator));
  }

  /** Family (master) accounts (gateway/operations/family-service.ts): the pool's view, join, leave. */
  private registerFamilyRoutes(app: uWS.TemplatedApp): void {
    const family = this.family;
    if (family === undefined) return;
    this.registerRead(app, "/v1/admin/families/:family", (request) => {
      const id = pathParameter(request, 0);
      return () => family.view(id);
    });
    this.registerWrite(app, "post", "/v1/admin/families/:family/join", "members", (_, body, operator, [id = ""]) => family.join(id, body, operator));
    this.registerWrite(app, "post", "/v1/admin/families/:family/leave", "members", (_, body, operator, [id = ""]) => family.leave(id, body, operator));
  }

  /** The settlement report between partners (gateway/admin/settlement-report.ts), JSON or CSV. */
  private registerSettlementRoutes(app: uWS.TemplatedApp): void {
    const cluster = this.cluster;
    this.registerRead(app, "/v1/admin/settlement", (request) => {
      const settlementQuery = {
        from: query(request, "from"),
        to: query(request, "to"),
        issuer: query(request, "issuer"),
        redeemer: query(request, "redeemer"),
        format: query(request, "format"),
      };
      return () => settlementReport(cluster, settlementQuery);
    });
  }

  /** Operators: sign in (no token), who am I, and (admin role) list, create, disable. */
  private registerOperatorRoutes(app: uWS.TemplatedApp): void {
    const operators = this.operators;
    app.post("/v1/admin/sessions", (response, request) => {
      const exchange = this.jsonExchange(response, request);
      if (exchange === undefined) return;
      exchange.readBody(REQUEST_BYTES_MAX, (body) => {
        const document = decodeBody(body, "json", decodeFrame);
        this.answer(exchange, () => operators.signIn(document));
      });
    });
    app.get("/v1/admin/me", (response, request) => {
      const authorised = this.authorise(response, request, "read");
      if (authorised !== undefined) this.answer(authorised.exchange, () => Promise.resolve({ ok: true, value: authorised.principal }));
    });
    this.registerWrite(app, "post", "/v1/admin/operators", "operators", (_service, body, operator) => operators.create(body, operator));
    this.registerRead(
      app,
      "/v1/admin/operators",
      (request) => {
        const after = query(request, "after");
        const limit = query(request, "limit");
        return () => operators.list(after, limit);
      },
      "operators",
    );
    app.del("/v1/admin/operators/:operator", (response, request) => {
      const name = pathParameter(request, 0);
      const authorised = this.authorise(response, request, "operators");
      if (authorised !== undefined) this.answer(authorised.exchange, () => operators.disable(name, authorised.principal.name));
    });
  }

  /** An exchange for a JSON body without a token (sign-in); answers UNSUPPORTED_MEDIA_TYPE itself. */
  private jsonExchange(response: uWS.HttpResponse, request: uWS.HttpRequest): HttpExchange | undefined {
    const requestType = mediaTypeOf(request.getHeader("content-type"));
    const exchange = new HttpExchange(response, answerMediaTypeOf(request.getHeader("accept"), requestType));
    if (requestType?.format !== "json") {
      exchange.fail("UNSUPPORTED_MEDIA_TYPE", "content-type must be application/json");
      return undefined;
    }
    return exchange;
  }

  /** The program: the current one, a new one, and its past versions. */
  private registerProgramRoutes(app: uWS.TemplatedApp): void {
    const service = this.service;
    this.registerRead(app, "/v1/admin/program", () => () => service.currentProgram());
    this.registerWrite(app, "put", "/v1/admin/program", "program", (service, body, operator) => service.putProgram(body, operator));
    // Stores nothing, so any role may ask: a read-only operator can see what is wrong with a draft too.
    this.registerWrite(app, "post", "/v1/admin/program/validate", "read", (service, body) => Promise.resolve(service.validateProgram(body)));
    this.registerRead(app, "/v1/admin/program/versions", (request) => {
      const before = query(request, "before");
      const limit = query(request, "limit");
      return () => service.programVersions(before, limit);
    });
    this.registerRead(app, "/v1/admin/program/versions/:version", (request) => {
      const version = pathParameter(request, 0);
      return () => service.programVersion(version);
    });
  }

  /**
   * Segments and campaigns (gateway/admin/campaign-service.ts): the document, one campaign, its
   * state, and a dry run. Writes need "program", as the program does; the preview changes nothing
   * but prices with a draft, so it needs "program" too.
   */
  private registerCampaignRoutes(app: uWS.TemplatedApp): void {
    const campaigns = this.campaigns;
    this.registerRead(app, "/v1/admin/campaigns", () => () => campaigns.current());
    this.registerWrite(app, "put", "/v1/admin/campaigns", "program", (_, body, operator) => campaigns.putDocument(body, operator));
    // Before /v1/admin/campaigns/:campaign, so that "preview" is never read as a campaign id.
    this.registerWrite(app, "post", "/v1/admin/campaigns/preview", "program", (_, body) => campaigns.preview(body));
    this.registerRead(app, "/v1/admin/campaigns/:campaign", (request) => {
      const id = pathParameter(request, 0);
      return () => campaigns.campaign(id);
    });
    this.registerWrite(app, "put", "/v1/admin/campaigns/:campaign", "program", (_, body, operator, [id = ""]) => campaigns.putCampaign(id, body, operator));
    this.registerWrite(app, "post", "/v1/admin/campaigns/:campaign/state", "program", (_, body, operator, [id = ""]) => campaigns.setState(id, body, operator));
    this.registerRead(app, "/v1/admin/campaigns/:campaign/budget", (request) => {
      const id = pathParameter(request, 0);
      return () => campaigns.budget(id);
    });
    this.registerWrite(app, "post", "/v1/admin/campaigns/:campaign/coupons", "program", (_, body, operator, [id = ""]) => campaigns.issueCoupons(id, body, operator));
    this.registerRead(app, "/v1/admin/coupons/:code", (request) => {
      const code = pathParameter(request, 0);
      return () => campaigns.coupon(code);
    });
    // A segment's count sweeps every member: a marketer's tool, under "program" as the campaigns' preview.
    this.registerWrite(app, "post", "/v1/admin/segments/preview", "program", (_, body) => campaigns.previewSegment(body));
  }

  /** Partners: create, list, one by id. */
  private registerPartnerRoutes(app: uWS.TemplatedApp): void {
    const service = this.service;
    this.registerWrite(app, "post", "/v1/admin/partners", "setup", (service, body, operator) => service.createPartner(body, operator));
    this.registerRead(app, "/v1/admin/partners", (request) => {
      const after = query(request, "after");
      const limit = query(request, "limit");
      return () => service.partners(after, limit);
    });
    this.registerRead(app, "/v1/admin/partners/:partner", (request) => {
      const partnerId = pathParameter(request, 0);
      return () => service.partner(partnerId);
    });
  }

  /**
   * A partner's own program (gateway/admin/partner-program-service.ts): the partners that run one,
   * one partner's (read, new version, back to the coalition program, validate, past versions).
   * Changes need "program", as the coalition program's do; validation stores nothing, so any role.
   */
  private registerPartnerProgramRoutes(app: uWS.TemplatedApp): void {
    const programs = this.partnerPrograms;
    if (programs === undefined) return;
    this.registerRead(app, "/v1/admin/partner-programs", () => () => programs.list());
    this.registerRead(app, "/v1/admin/partners/:partner/program", (request) => {
      const partner = pathParameter(request, 0);
      return () => programs.current(partner);
    });
    this.registerWrite(app, "put", "/v1/admin/partners/:partner/program", "program", (_, body, operator, [partner = ""]) => programs.put(partner, body, operator));
    app.del("/v1/admin/partners/:partner/program", (response, request) => {
      const partner = pathParameter(request, 0);
      const authorised = this.authorise(response, request, "program");
      if (authorised !== undefined) this.answer(authorised.exchange, () => programs.remove(partner, authorised.principal.name));
    });
    this.registerWrite(app, "post", "/v1/admin/partners/:partner/program/validate", "read", (_, body, _operator, [partner = ""]) =>
      Promise.resolve(programs.validate(partner, body)),
    );
    this.registerRead(app, "/v1/admin/partners/:partner/program/versions", (request) => {
      const partner = pathParameter(request, 0);
      const before = query(request, "before");
      const limit = query(request, "limit");
      return () => programs.versions(partner, before, limit);
    });
    this.registerRead(app, "/v1/admin/partners/:partner/program/versions/:version", (request) => {
      const partner = pathParameter(request, 0);
      const version = pathParameter(request, 1);
      return () => programs.version(partner, version);
    });
  }

  /** Stores: create, list (by partner), one by id. */
  private registerStoreRoutes(app: uWS.TemplatedApp): void {
    const service = this.service;
    this.registerWrite(app, "post", "/v1/admin/stores", "setup", (service, body, operator) => service.createStore(body, operator));
    this.registerRead(app, "/v1/admin/stores", (request) => {
      const after = query(request, "after");
      const limit = query(request, "limit");
      const partner = query(request, "partner");
      return () => service.stores(after, limit, partner);
    });
    this.registerRead(app, "/v1/admin/stores/:store", (request) => {
      const storeId = pathParameter(request, 0);
      return () => service.store(storeId);
    });
  }

  /** Terminals: create, list, one by id, revoke, and a new token. */
  private registerTerminalRoutes(app: uWS.TemplatedApp): void {
    const service = this.service;
    this.registerWrite(app, "post", "/v1/admin/terminals", "setup", (service, body, operator) => service.createTerminal(body, operator));
    this.registerRead(app, "/v1/admin/terminals", (request) => {
      const after = query(request, "after");
      const limit = query(request, "limit");
      const store = query(request, "store");
      const partner = query(request, "partner");
      return () => service.terminals(after, limit, store, partner);
    });
    this.registerRead(app, "/v1/admin/terminals/:terminal", (request) => {
      const terminalId = pathParameter(request, 0);
      return () => service.terminal(terminalId);
    });
    app.del("/v1/admin/terminals/:terminal", (response, request) => {
      const terminalId = pathParameter(request, 0);
      const authorised = this.authorise(response, request, "terminals");
      if (authorised !== undefined) this.answer(authorised.exchange, () => this.service.revokeTerminal(terminalId, authorised.principal.name));
    });
    // No body: the new token is made by the server, never chosen by the caller.
    app.post("/v1/admin/terminals/:terminal/token", (response, request) => {
      const terminalId = pathParameter(request, 0);
      const authorised = this.authorise(response, request, "terminals");
      if (authorised !== undefined) this.answer(authorised.exchange, () => this.service.rotateTerminalToken(terminalId, authorised.principal.name));
    });
  }

  /** Members: enrol, edit, search, adjust, activity, look up by id or by card or phone; and the audit trail. */
  private registerMemberAndAuditRoutes(app: uWS.TemplatedApp): void {
    this.registerWrite(app, "post", "/v1/admin/members", "members", (service, body, operator) => service.enrollMember(body, operator));
    const edits = this.edits;
    this.registerWrite(app, "post", "/v1/admin/members/:member/profile", "members", (_, body, operator, [memberId = ""]) => edits.edit(memberId, body, operator));
    const search = this.search;
    // Before /v1/admin/members/:member, so that "search" is never read as a member id.
    this.registerRead(app, "/v1/admin/members/search", (request) => {
      const text = query(request, "q");
      const after = query(request, "after");
      const limit = query(request, "limit");
      return () => search.search(text, after, limit);
    });
    this.registerWrite(app, "post", "/v1/admin/adjustments", "members", (service, body, operator) => service.adjust(body, operator));
    app.get("/v1/admin/members/:member/activity", (response, request) => {
      const memberId = request.getParameter(0) ?? "";
      const before = query(request, "before");
      const limit = query(request, "limit");
      const authorised = this.authorise(response, request, "read");
      if (authorised !== undefined) this.answer(authorised.exchange, () => this.service.memberActivity(memberId, before, limit));
    });
    app.get("/v1/admin/audit", (response, request) => {
      const before = query(request, "before");
      const limit = query(request, "limit");
      const filter = { operator: query(request, "operator"), action: query(request, "action") };
      const authorised = this.authorise(response, request, "read");
      if (authorised !== undefined) this.answer(authorised.exchange, () => Promise.resolve(this.service.auditTrail(before, limit, filter)));
    });
    app.get("/v1/admin/members/:member", (response, request) => {
      const memberId = request.getParameter(0) ?? "";
      const partner = query(request, "partner");
      const authorised = this.authorise(response, request, "read");
      if (authorised !== undefined) this.answer(authorised.exchange, () => this.service.memberById(memberId, partner));
    });
    app.get("/v1/admin/members", (response, request) => {
      const card = query(request, "card");
      const phone = query(request, "phone");
      const partner = query(request, "partner");
      const authorised = this.authorise(response, request, "read");
      if (authorised !== undefined) this.answer(authorised.exchange, () => this.service.memberByIdentifier(card, phone, partner));
    });
  }

  private registerRead(app: uWS.TemplatedApp, path: string, read: AdminRead, permission: AdminPermission = "read"): void {
    app.get(path, (response, request) => {
      let work: () => OperationOutcome | Promise<OperationOutcome>;
      try {
        work = read(request);
      } catch (error) {
        const failure = outcomeOfError(error);
        work = () => failure;
      }
      const authorised = this.authorise(response, request, permission);
      if (authorised !== undefined) this.answer(authorised.exchange, () => Promise.resolve(work()));
    });
  }

  private registerWrite(app: uWS.TemplatedApp, method: "put" | "post", path: string, permission: AdminPermission, write: AdminWrite): void {
    const parameterCount = path.split("/").filter((segment) => segment.startsWith(":")).length;
    app[method](path, (response, request) => {
      const requestType = mediaTypeOf(request.getHeader("content-type"));
      const parameters = Array.from({ length: parameterCount }, (_, index) => pathParameter(request, index));
      const authorised = this.authorise(response, request, permission, requestType);
      if (authorised === undefined) return;
      const { exchange, principal } = authorised;
      const operator = principal.name;
      if (requestType === undefined) {
        exchange.fail("UNSUPPORTED_MEDIA_TYPE", `content-type must be ${SUPPORTED_CONTENT_TYPES_TEXT}`);
        return;
      }
      const format = requestType.format;
      exchange.readBody(REQUEST_BYTES_MAX, (body) => {
        const document = decodeBody(body, format, decodeFrame);
        if (!isPlainObject(document)) {
          exchange.fail("BAD_REQUEST", "the body must be an object");
          return;
        }
        this.answer(exchange, () => write(this.service, document, operator, parameters));
      });
    });
  }

  /** The caller, if its token is valid and its role has the permission; otherwise answers UNAUTHORIZED or FORBIDDEN itself. */
  private authorise(
    response: uWS.HttpResponse,
    request: uWS.HttpRequest,
    permission: AdminPermission,
    requestType?: MediaType,
  ): Authorised | undefined {
    const token = bearerToken(request.getHeader("authorization"));
    const exchange = new HttpExchange(response, answerMediaTypeOf(request.getHeader("accept"), requestType));
    const principal = this.operators.principalOf(token, namedOperatorOf(request));
    if (principal === undefined) {
      exchange.fail("UNAUTHORIZED", "a valid admin token or operator session is required");
      return undefined;
    }
    if (!mayAct(principal.role, permission)) {
      exchange.fail("FORBIDDEN", `operator ${principal.name} (role ${principal.role}) may not do this (needs permission ${permission})`);
      return undefined;
    }
    return { exchange, principal };
  }

  private answer(exchange: HttpExchange, work: () => Promise<OperationOutcome>): void {
    let pending: Promise<OperationOutcome>;
    try {
      pending = work();
    } catch (error) {
      pending = Promise.resolve(outcomeOfError(error));
    }
    void pending
      .catch((error: unknown) => outcomeOfError(error))
      .then((outcome) => {
        if (outcome.ok && outcome.value instanceof TextAnswer) exchange.writeText(200, outcome.value.contentType, outcome.value.body);
        else if (outcome.ok) exchange.succeed(outcome.value);
        else exchange.fail(outcome.code, outcome.message, outcome.details);
      });
  }
}
