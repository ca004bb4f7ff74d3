// Thread: the gateway (main) thread.
import { broadcastControl } from "../shards/control-broadcast.js";
import { failure, LoycoreError } from "../../protocol/errors/loycore-error.js";
import type { Program } from "../../protocol/program-document.js";
import type {
  PartnerProgramList,
  PartnerProgramVersion,
  PartnerProgramVersionPage,
  ProgramValidation,
} from "../../protocol/admin-wire.js";
import { validatePartnerProgramDocument } from "../../domain/program/partner-program.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { readInteger, readString } from "../../domain/validation/fields.js";
import type { ControlStore, PartnerProgramRecord } from "../control/control-store.js";
import { KeyLocks } from "../operations/key-locks.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "./admin-service.js";

/**
 * Partners that run a program of their own at once, at most. Every shard thread keeps each one
 * compiled (a document of at most 64 KiB, its SKU lists as sets), and a new coalition program
 * compiles them all again between two messages: 64 keeps both to a few megabytes and milliseconds.
 * Past it, a new partner's program is refused TOO_LARGE (a partner that has one may always change it).
 */
export const PARTNER_PROGRAMS_MAX = 64;
/** Changes of partners' programs run one at a time, all partners' together: rare, and so the count against PARTNER_PROGRAMS_MAX is exact. */
const PARTNER_PROGRAMS_LOCK = "partner-programs";
const VERSION_PAGE_DEFAULT = 50;
/** A page of version summaries: a few dozen bytes each. */
const VERSION_PAGE_MAX = 500;

/**
 * Partners' own programs over the admin API (docs/program.md, "Partners' own programs"): a partner
 * may price its stores' receipts with a program of its own instead of the coalition program. Each
 * change (a new program, or the return to the coalition program) is a new version of that partner's
 * program, stored with its audit record in one transaction, then sent to every shard
 * (setPartnerProgram) before it answers. Changes run one at a time.
 */
export class PartnerProgramService {
  private readonly locks = new KeyLocks();

  constructor(
    private readonly control: ControlStore,
    private readonly cluster: ShardCluster,
  ) {}

  /** The partners that run a program of their own now. */
  list(): AdminOutcome<PartnerProgramList> {
    const programs = this.control.partnerProgramsInForce().flatMap((record) =>
      record.program === null ? [] : [{ partner: record.partner, version: record.version, name: record.program.name }],
    );
    return { ok: true, value: { programs } };
  }

  /** The program in force at the partner's stores: its own (with its version), or null (the coalition program). */
  current(partnerId: string): AdminOutcome<PartnerProgramVersion> {
    const partner = this.knownPartner(partnerId);
    const record = this.control.currentPartnerProgram(partner);
    return { ok: true, value: record === undefined ? { partner, version: 0, program: null, at: null } : versionView(record) };
  }

  /** One stored version of the partner's program. */
  version(partnerId: string, version: string): AdminOutcome<PartnerProgramVersion> {
    const partner = this.knownPartner(partnerId);
    const number = readVersion(version, "version");
    const record = this.control.readPartnerProgram(partner, number);
    return record === undefined ? failure("NOT_FOUND", `partner ${partner} has no program version ${number}`) : { ok: true, value: versionView(record) };
  }

  /** The partner's program versions newest first; `before` is the previous page's `next`. */
  versions(partnerId: string, before: string | undefined, limit: string | undefined): AdminOutcome<PartnerProgramVersionPage> {
    const partner = this.knownPartner(partnerId);
    const beforeVersion = before === undefined ? null : readVersion(before, "before");
    const pageLimit = limit === undefined ? VERSION_PAGE_DEFAULT : readInteger(/^[0-9]+$/.test(limit) ? Number(limit) : Number.NaN, "limit", 1, VERSION_PAGE_MAX);
    const { items, next } = this.control.listPartnerPrograms(partner, beforeVersion, pageLimit);
    return { ok: true, value: { versions: items.map((record) => ({ version: record.version, name: record.program?.name ?? null, at: record.at })), next } };
  }

  /** Validates a partner's program document as PUT would, and stores nothing. */
  validate(partnerId: string, input: unknown): AdminOutcome<ProgramValidation> {
    this.knownPartner(partnerId);
    validatePartnerProgramDocument(input, this.coalitionProgram());
    return { ok: true, value: { valid: true } };
  }

  /** Gives the partner a new version of its own program, and answers once every shard prices with it. */
  async put(partnerId: string, input: unknown, operator: string): Promise<AdminOutcome<PartnerProgramVersion>> {
    const partner = this.knownPartner(partnerId);
    const definition = validatePartnerProgramDocument(input, this.coalitionProgram());
    return this.locks.run([PARTNER_PROGRAMS_LOCK], async () => {
      const before = this.control.currentPartnerProgram(partner);
      if ((before?.program ?? null) === null && this.control.partnerProgramsInForce().length >= PARTNER_PROGRAMS_MAX) {
        return failure("TOO_LARGE", `at most ${PARTNER_PROGRAMS_MAX} partners run a program of their own; return one to the coalition program first`);
      }
      const version = (before?.version ?? 0) + 1;
      const program: Program = { ...definition, version };
      const record = await this.store({ partner, version, program, at: Date.now(), operator }, "put-partner-program", { name: program.name });
      return { ok: true, value: versionView(record) };
    });
  }

  /** Returns the partner to the coalition program (a version of its own); already there: the same answer, nothing stored. */
  async remove(partnerId: string, operator: string): Promise<AdminOutcome<PartnerProgramVersion>> {
    const partner = this.knownPartner(partnerId);
    return this.locks.run([PARTNER_PROGRAMS_LOCK], async () => {
      const before = this.control.currentPartnerProgram(partner);
      if (before === undefined) return { ok: true, value: { partner, version: 0, program: null, at: null } };
      if (before.program === null) return { ok: true, value: versionView(before) };
      const record = await this.store({ partner, version: before.version + 1, program: null, at: Date.now(), operator }, "remove-partner-program", {});
      return { ok: true, value: versionView(record) };
    });
  }

  /** Stores the version with its audit record, then sends it to every shard. */
  private async store(record: PartnerProgramRecord, action: string, detail: Readonly<Record<string, unknown>>): Promise<PartnerProgramRecord> {
    await this.control.appendPartnerProgram(record, { at: record.at, action, operator: record.operator, detail: { partner: record.partner, version: record.version, ...detail } });
    await this.install(record.partner, record.program);
    return record;
  }

  /** Sends a partner's program (null: none) to every shard (control-broadcast.ts). */
  private async install(partner: string, program: Program | null): Promise<void> {
    await broadcastControl(this.cluster, { kind: "setPartnerProgram", partner, program }, "the partner's program is stored");
  }

  /** The coalition program a partner's program takes its shared sections from; NO_PROGRAM before the first. */
  private coalitionProgram(): Program {
    const coalition = this.control.currentProgram();
    if (coalition === undefined) throw new LoycoreError("NO_PROGRAM", "no coalition program is stored yet: a partner's program takes its calendar, coalition policy and point levels from it");
    return coalition;
  }

  /** The path's partner id, read and known; BAD_REQUEST or NOT_FOUND otherwise. */
  private knownPartner(partnerId: string): string {
    const partner = readString(partnerId, "partner id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    if (this.control.readPartner(partner) === undefined) throw new LoycoreError("NOT_FOUND", `no partner ${partner}`);
    return partner;
  }
}

function versionView(record: PartnerProgramRecord): PartnerProgramVersion {
  return { partner: record.partner, version: record.version, program: record.program, at: record.at };
}

/** A version number from the path or query: a positive integer. */
function readVersion(text: string, field: string): number {
  const number = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(number) || number < 1) throw new LoycoreError("BAD_REQUEST", `${field} must be a positive integer`);
  return number;
}
