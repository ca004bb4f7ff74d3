import { LoycoreError } from "../../core/errors/loycore-error.js";
import type { DirectoryStore } from "../../core/directory/directory-store.js";
import type { Program } from "../../core/program/program-document.js";
import { validateProgramDocument } from "../../core/program/validate-program-document.js";
import { CLIENT_IDENTIFIER_PATTERN } from "../../core/receipt/read-receipt.js";
import type { ShardCluster } from "../../core/shard/shard-cluster.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX } from "../../core/limits.js";
import { ACTIVITY_PAGE_SIZE_MAX } from "../../core/storage/shard-store.js";
import { readInteger, readObject, readString, refuseUnknownFields } from "../../core/validation/fields.js";
import type { ControlStore, PartnerRecord, StoreRecord, TerminalRecord } from "../control/control-store.js";
import { generateToken, hashToken } from "../control/tokens.js";
import type { Enrollment } from "../operations/enrollment.js";
import { KeyLocks } from "../operations/key-locks.js";
import { failed, type OperationOutcome } from "../operations/operation-outcome.js";
import { readCard, readMemberProfile, readPhone } from "../protocol/read-operation-request.js";
import type { TerminalAuthenticator } from "../transport/terminal-authenticator.js";

/** Operators name themselves in the audit trail; a name, not an essay. */
const OPERATOR_LENGTH_MAX = 100;
const ADJUSTMENT_REASON_LENGTH_MAX = 500;
/** A single adjustment beyond a billion points is a typo, not a goodwill gesture. */
const ADJUSTMENT_POINTS_MAX = 1_000_000_000;
const ACTIVITY_PAGE_DEFAULT = 50;
/** The member view shows the latest entries; the activity endpoint pages through the rest. */
const MEMBER_VIEW_ACTIVITY_ENTRIES = 20;

/** Member ids are "m" and 16 hex digits (enrollment.ts); anything else is not a member. */
const MEMBER_ID_PATTERN = /^m[0-9a-f]{16}$/;
const DISPLAY_NAME_LENGTH_MAX = 200;
/** A shard with a full mailbox is asked again this many times before a program change fails. */
const PROGRAM_BROADCAST_ATTEMPTS_MAX = 50;
const PROGRAM_BROADCAST_RETRY_DELAY_MILLISECONDS = 20;

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
  private async audited(action: string, operator: string, detail: Readonly<Record<string, unknown>>, outcome: OperationOutcome): Promise<OperationOutcome> {
    if (outcome.ok) await this.control.appendAudit({ at: Date.now(), action, operator, detail });
    return outcome;
  }

  /** Credits (points > 0) or debits (points < 0) a member, idempotent by adjustment id; reason and operator required. */
  async adjust(input: unknown, operator: string): Promise<OperationOutcome> {
    const document = readObject(input, "adjustment");
    refuseUnknownFields(document, "adjustment", new Set(["id", "member", "card", "phone", "points", "reason", "operator"]));
    const adjustmentId = readIdentifier(document["id"], "adjustment.id");
    const points = readInteger(document["points"], "adjustment.points", -ADJUSTMENT_POINTS_MAX, ADJUSTMENT_POINTS_MAX);
    if (points === 0) return failed("BAD_REQUEST", "adjustment.points must not be 0");
    const reason = readString(document["reason"], "adjustment.reason", ADJUSTMENT_REASON_LENGTH_MAX);
    const named = readString(document["operator"], "adjustment.operator", OPERATOR_LENGTH_MAX);
    const memberId = this.memberIdOf(document);
    if (typeof memberId !== "string") return memberId;
    const reply = await this.cluster.requestForMember({ kind: "adjust", memberId, adjustmentId, points, reason, operator: named });
    const outcome: OperationOutcome = reply.ok ? { ok: true, value: reply.value } : failed(reply.code, reply.message);
    return this.audited("adjust", operator, { adjustment: adjustmentId, member: memberId, points, reason, operator: named }, outcome);
  }

  async memberActivity(memberId: string, before: string | undefined, limit: string | undefined): Promise<OperationOutcome> {
    if (!MEMBER_ID_PATTERN.test(memberId)) return failed("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const page = readPage(before, limit);
    if (!page.ok) return page;
    const reply = await this.cluster.requestForMember({ kind: "activity", memberId, before: page.before, limit: page.limit });
    return reply.ok ? { ok: true, value: reply.value } : failed(reply.code, reply.message);
  }

  auditTrail(before: string | undefined, limit: string | undefined): OperationOutcome {
    const page = readPage(before, limit);
    if (!page.ok) return page;
    return { ok: true, value: { audit: this.control.readAudit(page.before, page.limit) } };
  }

  /** Member id from `member`, `card` or `phone` (exactly one). */
  private memberIdOf(document: Readonly<Record<string, unknown>>): string | OperationOutcome {
    const given = ["member", "card", "phone"].filter((field) => document[field] !== undefined && document[field] !== null);
    if (given.length !== 1) return failed("BAD_REQUEST", "give exactly one of member, card or phone");
    if (document["member"] !== undefined && document["member"] !== null) {
      const memberId = readString(document["member"], "member", 17, MEMBER_ID_PATTERN);
      return memberId;
    }
    const memberId =
      document["card"] !== undefined && document["card"] !== null
        ? this.directory.findMemberByCard(readCard(document["card"], "card"))
        : this.directory.findMemberByPhone(readPhone(document["phone"], "phone"));
    return memberId ?? failed("UNKNOWN_MEMBER", "no member has that card or phone");
  }

  currentProgram(): OperationOutcome {
    const program = this.control.currentProgram();
    return program === undefined ? failed("NOT_FOUND", "no program has been stored yet") : { ok: true, value: program };
  }

  /** Validates, stores a new version, and waits until every shard computes with it. */
  async putProgram(input: unknown, operator = "admin"): Promise<OperationOutcome> {
    const definition = validateProgramDocument(input);
    return this.locks.run(["program"], async () => {
      const version = (this.control.currentProgram()?.version ?? 0) + 1;
      const program: Program = { ...definition, version };
      await this.control.appendProgram(program);
      await this.installProgram(program);
      return this.audited("put-program", operator, { version, name: program.name }, { ok: true, value: program });
    });
  }

  /** Sends the program to every shard; retried while a shard is busy. */
  async installProgram(program: Program): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const replies = await this.cluster.broadcast({ kind: "setProgram", program });
      const busy = replies.some((reply) => !reply.ok && reply.code === "BUSY");
      const broken = replies.find((reply) => !reply.ok && reply.code !== "BUSY");
      if (broken !== undefined && !broken.ok) throw new LoycoreError(broken.code, broken.message);
      if (!busy) return;
      if (attempt >= PROGRAM_BROADCAST_ATTEMPTS_MAX) {
        throw new LoycoreError("BUSY", "shards stayed busy; the program is stored and will apply on restart");
      }
      await new Promise((resolve) => setTimeout(resolve, PROGRAM_BROADCAST_RETRY_DELAY_MILLISECONDS));
    }
  }

  async createPartner(input: unknown, operator = "admin"): Promise<OperationOutcome> {
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
      return this.audited("create-partner", operator, { ...partner }, { ok: true, value: partner });
    });
  }

  async createStore(input: unknown, operator = "admin"): Promise<OperationOutcome> {
    const document = readObject(input, "store");
    refuseUnknownFields(document, "store", new Set(["id", "partner", "name"]));
    const store: StoreRecord = {
      id: readIdentifier(document["id"], "store.id"),
      partner: readIdentifier(document["partner"], "store.partner"),
      name: readString(document["name"], "store.name", DISPLAY_NAME_LENGTH_MAX),
    };
    if (this.control.readPartner(store.partner) === undefined) {
      return failed("BAD_REQUEST", `store.partner ${store.partner} does not exist`);
    }
    return this.locks.run([`store:${store.id}`], async () => {
      const existing = this.control.readStore(store.id);
      if (existing !== undefined) return sameOrConflict(existing, store, `store ${store.id}`);
      await this.control.writeStore(store);
      return this.audited("create-store", operator, { ...store }, { ok: true, value: store });
    });
  }

  /**
   * Creates a terminal and returns its token, the only time the token is
   * shown: loycore keeps only its hash. A repeat is a CONFLICT for that reason.
   */
  async createTerminal(input: unknown, operator = "admin", token: string = generateToken("lt")): Promise<OperationOutcome> {
    const document = readObject(input, "terminal");
    refuseUnknownFields(document, "terminal", new Set(["id", "store"]));
    const id = readIdentifier(document["id"], "terminal.id");
    const storeId = readIdentifier(document["store"], "terminal.store");
    const store = this.control.readStore(storeId);
    if (store === undefined) return failed("BAD_REQUEST", `terminal.store ${storeId} does not exist`);
    return this.locks.run([`terminal:${id}`], async () => {
      if (this.control.readTerminal(id) !== undefined) {
        return failed("CONFLICT", `terminal ${id} already exists; its token was shown when it was created`);
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
  async revokeTerminal(terminalId: string, operator = "admin"): Promise<OperationOutcome> {
    const id = readIdentifier(terminalId, "terminal id");
    return this.locks.run([`terminal:${id}`], async () => {
      const existing = this.control.readTerminal(id);
      if (existing === undefined) return failed("NOT_FOUND", `no terminal ${id}`);
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
  async rotateTerminalToken(terminalId: string, operator = "admin", token: string = generateToken("lt")): Promise<OperationOutcome> {
    const id = readIdentifier(terminalId, "terminal id");
    return this.locks.run([`terminal:${id}`], async () => {
      const existing = this.control.readTerminal(id);
      if (existing === undefined) return failed("NOT_FOUND", `no terminal ${id}`);
      if (existing.revokedAt !== undefined) return failed("CONFLICT", `terminal ${id} is revoked; create a new terminal`);
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

  async enrollMember(input: unknown, operator = "admin"): Promise<OperationOutcome> {
    const document = readObject(input, "member");
    refuseUnknownFields(document, "member", new Set(["card", "phone", "name", "birthDate"]));
    const outcome = await this.enrollment.enroll(readMemberProfile(document));
    const member = outcome.ok ? (outcome.value as { member?: unknown }).member : undefined;
    return this.audited("enroll-member", operator, { member }, outcome);
  }

  /** The member view, with the open point lots and the latest activity. */
  async memberById(memberId: string): Promise<OperationOutcome> {
    if (!MEMBER_ID_PATTERN.test(memberId)) return failed("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId, detail: true });
    if (!reply.ok) return failed(reply.code, reply.message);
    const activity = await this.cluster.requestForMember({ kind: "activity", memberId, before: null, limit: MEMBER_VIEW_ACTIVITY_ENTRIES });
    return { ok: true, value: { ...reply.value, activity: activity.ok ? activity.value["activity"] : [] } };
  }

  async memberByIdentifier(card: string | undefined, phone: string | undefined): Promise<OperationOutcome> {
    if ((card === undefined) === (phone === undefined)) {
      return failed("BAD_REQUEST", "give exactly one of the query parameters card or phone");
    }
    const memberId =
      card !== undefined
        ? this.directory.findMemberByCard(readCard(card, "card"))
        : this.directory.findMemberByPhone(readPhone(phone, "phone"));
    if (memberId === undefined) {
      return card !== undefined ? failed("UNKNOWN_CARD", `card ${card} is not enrolled`) : failed("UNKNOWN_PHONE", `phone ${phone ?? ""} is not enrolled`);
    }
    return this.memberById(memberId);
  }
}

function readPage(before: string | undefined, limit: string | undefined): { ok: true; before: number | null; limit: number } | OperationOutcome & { ok: false } {
  const beforeValue = before === undefined ? null : Number(before);
  const limitValue = limit === undefined ? ACTIVITY_PAGE_DEFAULT : Number(limit);
  if (beforeValue !== null && (!Number.isSafeInteger(beforeValue) || beforeValue < 1)) {
    return { ok: false, code: "BAD_REQUEST", message: "before must be a positive integer" };
  }
  if (!Number.isInteger(limitValue) || limitValue < 1 || limitValue > ACTIVITY_PAGE_SIZE_MAX) {
    return { ok: false, code: "BAD_REQUEST", message: `limit must be an integer from 1 to ${ACTIVITY_PAGE_SIZE_MAX}` };
  }
  return { ok: true, before: beforeValue, limit: limitValue };
}

function readIdentifier(value: unknown, field: string): string {
  return readString(value, field, CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
}

function sameOrConflict<Record extends object>(existing: Record, requested: Record, what: string): OperationOutcome {
  if (JSON.stringify(existing) === JSON.stringify(requested)) return { ok: true, value: { ...existing } };
  return failed("CONFLICT", `${what} already exists with other details`);
}

/** What the admin API shows of a terminal: never its token or the token's hash. */
function terminalView(terminal: TerminalRecord): Record<string, unknown> {
  return {
    id: terminal.id,
    store: terminal.store,
    partner: terminal.partner,
    ...(terminal.revokedAt === undefined ? {} : { revokedAt: terminal.revokedAt }),
  };
}
