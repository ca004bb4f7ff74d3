import { failure, LoycoreError, type Failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import { broadcastControl } from "../shards/control-broadcast.js";
import type { DirectoryStore } from "../directory/directory-store.js";
import type { Program } from "../../protocol/program-document.js";
import { validateProgramDocument } from "../../domain/program/validate-program-document.js";
import { CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX } from "../../domain/limits.js";
import { ACTIVITY_PAGE_SIZE_MAX } from "../../shard/storage/shard-store.js";
import { readInteger, readObject, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import type {
  ActivityPage,
  AdjustmentResult,
  AdminEnrollResult,
  AuditPage,
  MemberView,
  Partner,
  PartnerPage,
  ProgramValidation,
  ProgramVersionPage,
  Store,
  StorePage,
  Terminal,
  TerminalPage,
  TerminalWithToken,
} from "../../protocol/admin-wire.js";
import type { ControlStore, PartnerRecord, StoreRecord, TerminalRecord } from "../control/control-store.js";
import { generateToken, hashToken } from "../control/tokens.js";
import type { Enrollment } from "../operations/enrollment.js";
import { cardsOfMember } from "../operations/card-service.js";
import { KeyLocks } from "../operations/key-locks.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import { readCard, readMemberProfile, readPhone } from "../protocol/read-operation-request.js";
import type { TerminalAuthenticator } from "../transport/terminal-authenticator.js";

/** Operators name themselves in the audit trail; a name, not an essay. */
const OPERATOR_LENGTH_MAX = 100;
const ADJUSTMENT_REASON_LENGTH_MAX = 500;
/** Action names are short kebab-case words ("put-program"); a filter longer than this matches nothing anyway. */
const AUDIT_ACTION_LENGTH_MAX = 64;
/** A single adjustment beyond a billion points is a typo, not a goodwill gesture. */
const ADJUSTMENT_POINTS_MAX = 1_000_000_000;
const ACTIVITY_PAGE_DEFAULT = 50;
/** The member view shows the latest entries; the activity endpoint pages through the rest. */
const MEMBER_VIEW_ACTIVITY_ENTRIES = 20;

/** A listing page without `limit` in the query. */
const LIST_PAGE_SIZE_DEFAULT = 50;
/**
 * A listing page is one JSON answer: 500 short records are tens of kilobytes,
 * more than an admin screen shows; an export pages through with `next`.
 */
export const LIST_PAGE_SIZE_MAX = 500;

/** A successful answer whose value has the admin API's wire type, or a coded failure. */
export type AdminOutcome<Value extends object> = Outcome<{ readonly value: Value }>;

/** Member ids are "m" and 16 hex digits (enrollment.ts); anything else is not a member. */
const MEMBER_ID_PATTERN = /^m[0-9a-f]{16}$/;
const DISPLAY_NAME_LENGTH_MAX = 200;

/**
 * The admin API's logic, transport-free: program versions, partners, stores,
 * terminals and the member view. Writes run one at a time per record.
 */
export class AdminService {
  private readonly locks = new KeyLocks();

  constructor(
    private readonly control: ControlStore,
    private readonly directory: DirectoryStore,
    private readonly cluster: ShardCluster,
    private readonly enrollment: Enrollment,
    private readonly authenticator: TerminalAuthenticator,
  ) {}

  /** Records an accepted administrative action in the audit trail, then answers with its outcome. */
  private async audited<Answer extends OperationOutcome>(action: string, operator: string, detail: Readonly<Record<string, unknown>>, outcome: Answer): Promise<Answer> {
    if (outcome.ok) await this.control.appendAudit({ at: Date.now(), action, operator, detail });
    return outcome;
  }

  /** Credits (points > 0) or debits (points < 0) a member, idempotent by adjustment id; reason and operator required. */
  async adjust(input: unknown, operator: string): Promise<AdminOutcome<AdjustmentResult>> {
    const document = readObject(input, "adjustment");
    refuseUnknownFields(document, "adjustment", new Set(["id", "member", "card", "phone", "points", "reason", "operator"]));
    const adjustmentId = readIdentifier(document["id"], "adjustment.id");
    const points = readInteger(document["points"], "adjustment.points", -ADJUSTMENT_POINTS_MAX, ADJUSTMENT_POINTS_MAX);
    if (points === 0) return failure("BAD_REQUEST", "adjustment.points must not be 0");
    const reason = readString(document["reason"], "adjustment.reason", ADJUSTMENT_REASON_LENGTH_MAX);
    const named = readString(document["operator"], "adjustment.operator", OPERATOR_LENGTH_MAX);
    const memberId = this.memberIdOf(document);
    if (typeof memberId !== "string") return memberId;
    const reply = await this.cluster.requestForMember({ kind: "adjust", memberId, adjustmentId, points, reason, operator: named });
    const outcome: AdminOutcome<AdjustmentResult> = reply.ok ? { ok: true, value: reply.value } : failure(reply.code, reply.message);
    return this.audited("adjust", operator, { adjustment: adjustmentId, member: memberId, points, reason, operator: named }, outcome);
  }

  async memberActivity(memberId: string, before: string | undefined, limit: string | undefined): Promise<AdminOutcome<ActivityPage>> {
    if (!MEMBER_ID_PATTERN.test(memberId)) return failure("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const page = readPage(before, limit);
    if (!page.ok) return page;
    const reply = await this.cluster.requestForMember({ kind: "activity", memberId, before: page.before, limit: page.limit });
    return reply.ok ? { ok: true, value: reply.value } : failure(reply.code, reply.message);
  }

  /** The audit trail newest first; only one operator's or one action's entries when given. */
  auditTrail(before: string | undefined, limit: string | undefined, filter: { operator?: string | undefined; action?: string | undefined } = {}): AdminOutcome<AuditPage> {
    const page = readPage(before, limit);
    if (!page.ok) return page;
    const kept = {
      ...(filter.operator === undefined ? {} : { operator: readString(filter.operator, "operator", OPERATOR_LENGTH_MAX) }),
      ...(filter.action === undefined ? {} : { action: readString(filter.action, "action", AUDIT_ACTION_LENGTH_MAX) }),
    };
    const { items, next } = this.control.readAuditFiltered(page.before, page.limit, kept);
    return { ok: true, value: { audit: items, next } };
  }

  /** Validates a program definition and stores nothing: the console shows each problem at its field before saving. */
  validateProgram(input: unknown): AdminOutcome<ProgramValidation> {
    validateProgramDocument(input);
    return { ok: true, value: { valid: true } };
  }

  /** Member id from `member`, `card` or `phone` (exactly one). */
  private memberIdOf(document: Readonly<Record<string, unknown>>): string | Failure {
    const given = ["member", "card", "phone"].filter((field) => document[field] !== undefined && document[field] !== null);
    if (given.length !== 1) return failure("BAD_REQUEST", "give exactly one of member, card or phone");
    if (document["member"] !== undefined && document["member"] !== null) {
      const memberId = readString(document["member"], "member", 17, MEMBER_ID_PATTERN);
      return memberId;
    }
    const memberId =
      document["card"] !== undefined && document["card"] !== null
        ? this.directory.findMemberByCard(readCard(document["card"], "card"))
        : this.directory.findMemberByPhone(readPhone(document["phone"], "phone"));
    return memberId ?? failure("UNKNOWN_MEMBER", "no member has that card or phone");
  }

  currentProgram(): AdminOutcome<Program> {
    const program = this.control.currentProgram();
    return program === undefined ? failure("NOT_FOUND", "no program has been stored yet") : { ok: true, value: program };
  }

  /** One stored program version, the current one or an earlier one. */
  programVersion(version: string): AdminOutcome<Program> {
    const number = Number(version);
    if (!/^[0-9]+$/.test(version) || !Number.isSafeInteger(number) || number < 1) {
      return failure("BAD_REQUEST", "program version must be a positive integer");
    }
    const program = this.control.readProgram(number);
    return program === undefined ? failure("NOT_FOUND", `no program version ${number}`) : { ok: true, value: program };
  }

  /** Stored program versions newest first, as summaries; `before` is the previous page's `next`. */
  programVersions(before: string | undefined, limit: string | undefined): AdminOutcome<ProgramVersionPage> {
    const page = readPage(before, limit, LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX);
    if (!page.ok) return page;
    const { items, next } = this.control.listPrograms(page.before, page.limit);
    return { ok: true, value: { versions: items.map((program) => ({ version: program.version, name: program.name })), next } };
  }

  partner(partnerId: string): AdminOutcome<Partner> {
    const id = readIdentifier(partnerId, "partner id");
    const partner = this.control.readPartner(id);
    return partner === undefined ? failure("NOT_FOUND", `no partner ${id}`) : { ok: true, value: { id: partner.id, name: partner.name } };
  }

  partners(after: string | undefined, limit: string | undefined): AdminOutcome<PartnerPage> {
    const page = readIdPage(after, limit);
    const { items, next } = this.control.listPartners(page.after, page.limit);
    return { ok: true, value: { partners: items.map((partner) => ({ id: partner.id, name: partner.name })), next } };
  }

  store(storeId: string): AdminOutcome<Store> {
    const id = readIdentifier(storeId, "store id");
    const store = this.control.readStore(id);
    return store === undefined ? failure("NOT_FOUND", `no store ${id}`) : { ok: true, value: storeView(store) };
  }

  /** Stores in id order; only one partner's when `partner` is given. */
  stores(after: string | undefined, limit: string | undefined, partner: string | undefined): AdminOutcome<StorePage> {
    const page = readIdPage(after, limit);
    const partnerId = partner === undefined ? undefined : readIdentifier(partner, "partner");
    const { items, next } = this.control.listStores(page.after, page.limit, partnerId);
    return { ok: true, value: { stores: items.map(storeView), next } };
  }

  /** A terminal without its token: the token was shown once, when it was made. */
  terminal(terminalId: string): AdminOutcome<Terminal> {
    const id = readIdentifier(terminalId, "terminal id");
    const terminal = this.control.readTerminal(id);
    return terminal === undefined ? failure("NOT_FOUND", `no terminal ${id}`) : { ok: true, value: terminalView(terminal) };
  }

  /** Terminals in id order, revoked ones included; only one store's or partner's when given. Never a token. */
  terminals(after: string | undefined, limit: string | undefined, store: string | undefined, partner: string | undefined): AdminOutcome<TerminalPage> {
    const page = readIdPage(after, limit);
    const filter = {
      ...(store === undefined ? {} : { store: readIdentifier(store, "store") }),
      ...(partner === undefined ? {} : { partner: readIdentifier(partner, "partner") }),
    };
    const { items, next } = this.control.listTerminals(page.after, page.limit, filter);
    return { ok: true, value: { terminals: items.map(terminalView), next } };
  }

  /** Validates, stores a new version, and waits until every shard computes with it. */
  async putProgram(input: unknown, operator = "admin"): Promise<AdminOutcome<Program>> {
    const definition = validateProgramDocument(input);
    return this.locks.run(["program"], async () => {
      const version = (this.control.currentProgram()?.version ?? 0) + 1;
      const program: Program = { ...definition, version };
      await this.control.appendProgram(program);
      await this.installProgram(program);
      const outcome: AdminOutcome<Program> = { ok: true, value: program };
      return this.audited("put-program", operator, { version, name: program.name }, outcome);
    });
  }

  /** Sends the program to every shard (control-broadcast.ts). */
  async installProgram(program: Program): Promise<void> {
    await broadcastControl(this.cluster, { kind: "setProgram", program }, "the program is stored");
  }

  async createPartner(input: unknown, operator = "admin"): Promise<AdminOutcome<Partner>> {
    const document = readObject(input, "partner");
    refuseUnknownFields(document, "partner", new Set(["id", "name"]));
    const partner: PartnerRecord = {
      id: readIdentifier(document["id"], "partner.id"),
      name: readString(document["name"], "partner.name", DISPLAY_NAME_LENGTH_MAX),
    };
    return this.locks.run([`partner:${partner.id}`], async () => {
      const existing = this.control.readPartner(partner.id);
      if (existing !== undefined) return sameOrConflict(existing, partner, `partner ${partner.id}`);
      await this.control.writePartner(partner);
      const outcome: AdminOutcome<Partner> = { ok: true, value: partner };
      return this.audited("create-partner", operator, { ...partner }, outcome);
    });
  }

  async createStore(input: unknown, operator = "admin"): Promise<AdminOutcome<Store>> {
    const document = readObject(input, "store");
    refuseUnknownFields(document, "store", new Set(["id", "partner", "name"]));
    const store: StoreRecord = {
      id: readIdentifier(document["id"], "store.id"),
      partner: readIdentifier(document["partner"], "store.partner"),
      name: readString(document["name"], "store.name", DISPLAY_NAME_LENGTH_MAX),
    };
    if (this.control.readPartner(store.partner) === undefined) {
      return failure("BAD_REQUEST", `store.partner ${store.partner} does not exist`);
    }
    return this.locks.run([`store:${store.id}`], async () => {
      const existing = this.control.readStore(store.id);
      if (existing !== undefined) return sameOrConflict(existing, store, `store ${store.id}`);
      await this.control.writeStore(store);
      const outcome: AdminOutcome<Store> = { ok: true, value: store };
      return this.audited("create-store", operator, { ...store }, outcome);
    });
  }

  /**
   * Creates a terminal and returns its token, the only time the token is
   * shown: loycore keeps only its hash. A repeat is a CONFLICT for that reason.
   */
  async createTerminal(input: unknown, operator = "admin", token: string = generateToken("lt")): Promise<AdminOutcome<TerminalWithToken>> {
    const document = readObject(input, "terminal");
    refuseUnknownFields(document, "terminal", new Set(["id", "store"]));
    const id = readIdentifier(document["id"], "terminal.id");
    const storeId = readIdentifier(document["store"], "terminal.store");
    const store = this.control.readStore(storeId);
    if (store === undefined) return failure("BAD_REQUEST", `terminal.store ${storeId} does not exist`);
    return this.locks.run([`terminal:${id}`], async (): Promise<AdminOutcome<TerminalWithToken>> => {
      if (this.control.readTerminal(id) !== undefined) {
        return failure("CONFLICT", `terminal ${id} already exists; its token was shown when it was created`);
      }
      const record: TerminalRecord = { id, store: store.id, partner: store.partner, tokenHash: hashToken(token) };
      // The token itself never goes to the audit trail.
      await this.control.writeTerminal(record, { at: Date.now(), action: "create-terminal", operator, detail: { id, store: store.id, partner: store.partner } });
      this.authenticator.remember(record);
      return { ok: true, value: { id, store: store.id, partner: store.partner, token } };
    });
  }

  /**
   * Revokes a terminal: its token is refused from now on and its open
   * connections are closed. Final: the id is not reused; a replacement lane
   * gets a new terminal. A repeat answers the same and audits nothing.
   */
  async revokeTerminal(terminalId: string, operator = "admin"): Promise<AdminOutcome<Terminal>> {
    const id = readIdentifier(terminalId, "terminal id");
    return this.locks.run([`terminal:${id}`], async (): Promise<AdminOutcome<Terminal>> => {
      const existing = this.control.readTerminal(id);
      if (existing === undefined) return failure("NOT_FOUND", `no terminal ${id}`);
      if (existing.revokedAt !== undefined) return { ok: true, value: terminalView(existing) };
      const revoked: TerminalRecord = { ...existing, revokedAt: Date.now() };
      await this.control.writeTerminal(revoked, {
        at: revoked.revokedAt ?? 0,
        action: "revoke-terminal",
        operator,
        detail: { id, store: existing.store, partner: existing.partner },
      });
      this.authenticator.remember(revoked);
      return { ok: true, value: terminalView(revoked) };
    });
  }

  /**
   * Issues a new token for a terminal (shown only in this answer); the old
   * token is refused from now on and connections opened with it are closed.
   * Not idempotent by design: each call makes a new secret.
   */
  async rotateTerminalToken(terminalId: string, operator = "admin", token: string = generateToken("lt")): Promise<AdminOutcome<TerminalWithToken>> {
    const id = readIdentifier(terminalId, "terminal id");
    return this.locks.run([`terminal:${id}`], async (): Promise<AdminOutcome<TerminalWithToken>> => {
      const existing = this.control.readTerminal(id);
      if (existing === undefined) return failure("NOT_FOUND", `no terminal ${id}`);
      if (existing.revokedAt !== undefined) return failure("CONFLICT", `terminal ${id} is revoked; create a new terminal`);
      const rotated: TerminalRecord = { ...existing, tokenHash: hashToken(token) };
      await this.control.writeTerminal(rotated, {
        at: Date.now(),
        action: "rotate-terminal-token",
        operator,
        detail: { id, store: existing.store, partner: existing.partner },
      });
      this.authenticator.remember(rotated);
      return { ok: true, value: { ...terminalView(rotated), token } };
    });
  }

  async enrollMember(input: unknown, operator = "admin"): Promise<AdminOutcome<AdminEnrollResult>> {
    const document = readObject(input, "member");
    refuseUnknownFields(document, "member", new Set(["card", "phone", "name", "birthDate", "email", "consent"]));
    const enrolled = await this.enrollment.enroll(readMemberProfile(document));
    if (!enrolled.ok) return enrolled;
    const { member, card, phone, name, birthDate, email, consent, balance, status } = enrolled.value;
    return this.audited("enroll-member", operator, { member }, { ok: true, value: { member, card, phone, name, birthDate, email, consent, balance, status } });
  }

  /**
   * The member view, with the open point lots and the latest activity; with `partner`, the standing
   * under the program of that partner's stores (its own, if it runs one: docs/program.md).
   */
  async memberById(memberId: string, partner?: string): Promise<AdminOutcome<MemberView>> {
    if (!MEMBER_ID_PATTERN.test(memberId)) return failure("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const at = partner === undefined ? undefined : readIdentifier(partner, "partner");
    if (at !== undefined && this.control.readPartner(at) === undefined) return failure("NOT_FOUND", `no partner ${at}`);
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId, detail: true, ...(at === undefined ? {} : { partner: at }) });
    if (!reply.ok) return failure(reply.code, reply.message);
    const activity = await this.cluster.requestForMember({ kind: "activity", memberId, before: null, limit: MEMBER_VIEW_ACTIVITY_ENTRIES });
    const cards = cardsOfMember(this.directory, memberId, reply.value.card);
    return { ok: true, value: { ...reply.value, lots: reply.value.lots ?? [], activity: activity.ok ? activity.value.activity : [], cards } };
  }

  async memberByIdentifier(card: string | undefined, phone: string | undefined, partner?: string): Promise<AdminOutcome<MemberView>> {
    if ((card === undefined) === (phone === undefined)) {
      return failure("BAD_REQUEST", "give exactly one of the query parameters card or phone");
    }
    const memberId =
      card !== undefined
        ? this.directory.findMemberByCard(readCard(card, "card"))
        : this.directory.findMemberByPhone(readPhone(phone, "phone"));
    if (memberId === undefined) {
      return card !== undefined ? failure("UNKNOWN_CARD", `card ${card} is not enrolled`) : failure("UNKNOWN_PHONE", `phone ${phone ?? ""} is not enrolled`);
    }
    return this.memberById(memberId, partner);
  }
}

function readPage(
  before: string | undefined,
  limit: string | undefined,
  defaultLimit = ACTIVITY_PAGE_DEFAULT,
  maximumLimit = ACTIVITY_PAGE_SIZE_MAX,
): Outcome<{ readonly before: number | null; readonly limit: number }> {
  const beforeValue = before === undefined ? null : Number(before);
  const limitValue = limit === undefined ? defaultLimit : Number(limit);
  if (beforeValue !== null && (!Number.isSafeInteger(beforeValue) || beforeValue < 1)) {
    return failure("BAD_REQUEST", "before must be a positive integer");
  }
  if (!Number.isInteger(limitValue) || limitValue < 1 || limitValue > maximumLimit) {
    return failure("BAD_REQUEST", `limit must be an integer from 1 to ${maximumLimit}`);
  }
  return { ok: true, before: beforeValue, limit: limitValue };
}

/** `after` (an id, the previous page's `next`) and `limit` of a listing in id order; a bad one throws BAD_REQUEST naming it. */
function readIdPage(after: string | undefined, limit: string | undefined): { after: string | null; limit: number } {
  const afterValue = after === undefined ? null : readIdentifier(after, "after");
  if (limit === undefined) return { after: afterValue, limit: LIST_PAGE_SIZE_DEFAULT };
  if (!/^[0-9]+$/.test(limit)) throw new LoycoreError("BAD_REQUEST", `limit must be an integer from 1 to ${LIST_PAGE_SIZE_MAX}`);
  return { after: afterValue, limit: readInteger(Number(limit), "limit", 1, LIST_PAGE_SIZE_MAX) };
}

function storeView(store: StoreRecord): Store {
  return { id: store.id, partner: store.partner, name: store.name };
}

function readIdentifier(value: unknown, field: string): string {
  return readString(value, field, CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
}

function sameOrConflict<Record extends object>(existing: Record, requested: Record, what: string): AdminOutcome<Record> {
  if (JSON.stringify(existing) === JSON.stringify(requested)) return { ok: true, value: { ...existing } };
  return failure("CONFLICT", `${what} already exists with other details`);
}

/** What the admin API shows of a terminal: never its token or the token's hash. */
function terminalView(terminal: TerminalRecord): Terminal {
  return {
    id: terminal.id,
    store: terminal.store,
    partner: terminal.partner,
    ...(terminal.revokedAt === undefined ? {} : { revokedAt: terminal.revokedAt }),
  };
}
