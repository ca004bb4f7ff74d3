import { LoycoreError } from "../../core/errors/loycore-error.js";
import type { DirectoryStore } from "../../core/directory/directory-store.js";
import type { Program } from "../../core/program/program-document.js";
import { validateProgramDocument } from "../../core/program/validate-program-document.js";
import { CLIENT_IDENTIFIER_PATTERN } from "../../core/receipt/read-receipt.js";
import type { ShardCluster } from "../../core/shard/shard-cluster.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX } from "../../core/limits.js";
import { readObject, readString, refuseUnknownFields } from "../../core/validation/fields.js";
import type { ControlStore, PartnerRecord, StoreRecord } from "../control/control-store.js";
import { generateToken, hashToken } from "../control/tokens.js";
import type { Enrollment } from "../operations/enrollment.js";
import { KeyLocks } from "../operations/key-locks.js";
import { failed, type OperationOutcome } from "../operations/operation-outcome.js";
import { readCard, readMemberProfile, readPhone } from "../protocol/read-operation-request.js";
import type { TerminalAuthenticator } from "../transport/terminal-authenticator.js";

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

  currentProgram(): OperationOutcome {
    const program = this.control.currentProgram();
    return program === undefined ? failed("NOT_FOUND", "no program has been stored yet") : { ok: true, value: program };
  }

  /** Validates, stores a new version, and waits until every shard computes with it. */
  async putProgram(input: unknown): Promise<OperationOutcome> {
    const definition = validateProgramDocument(input);
    return this.locks.run(["program"], async () => {
      const version = (this.control.currentProgram()?.version ?? 0) + 1;
      const program: Program = { ...definition, version };
      await this.control.appendProgram(program);
      await this.installProgram(program);
      return { ok: true, value: program };
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

  async createPartner(input: unknown): Promise<OperationOutcome> {
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
      return { ok: true, value: partner };
    });
  }

  async createStore(input: unknown): Promise<OperationOutcome> {
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
      return { ok: true, value: store };
    });
  }

  /**
   * Creates a terminal and returns its token, the only time the token is
   * shown: loycore keeps only its hash. A repeat is a CONFLICT for that reason.
   */
  async createTerminal(input: unknown, token: string = generateToken("lt")): Promise<OperationOutcome> {
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
      const record = { id, store: store.id, partner: store.partner, tokenHash: hashToken(token) };
      await this.control.writeTerminal(record);
      this.authenticator.remember(record);
      return { ok: true, value: { id, store: store.id, partner: store.partner, token } };
    });
  }

  enrollMember(input: unknown): Promise<OperationOutcome> {
    const document = readObject(input, "member");
    refuseUnknownFields(document, "member", new Set(["card", "phone", "name", "birthDate"]));
    return this.enrollment.enroll(readMemberProfile(document));
  }

  async memberById(memberId: string): Promise<OperationOutcome> {
    if (!MEMBER_ID_PATTERN.test(memberId)) return failed("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId });
    return reply.ok ? { ok: true, value: reply.value } : failed(reply.code, reply.message);
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

function readIdentifier(value: unknown, field: string): string {
  return readString(value, field, CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
}

function sameOrConflict<Record extends object>(existing: Record, requested: Record, what: string): OperationOutcome {
  if (JSON.stringify(existing) === JSON.stringify(requested)) return { ok: true, value: { ...existing } };
  return failed("CONFLICT", `${what} already exists with other details`);
}
