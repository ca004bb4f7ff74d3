// Thread: a shard worker thread (one per actor); the in-memory cluster's actors on the calling thread.
import { CompiledProgram } from "../domain/engine/compiled-program.js";
import { partnerPricingProgram } from "../domain/program/partner-program.js";
import type { Program } from "../protocol/program-document.js";

/** A partner's own program as the gateway sends it: the stored document and its version (docs/program.md, "Partners' own programs"). */
export interface PartnerProgram {
  readonly partner: string;
  readonly program: Program;
}

/**
 * The programs a shard prices with: the coalition program, and the own programs of the partners that
 * run one, each compiled with the coalition program's shared sections (partnerPricingProgram). Every
 * change is a reference swap between two messages, so a request sees one whole set; a new coalition
 * program compiles the partners' programs again in the same message (their calendar, coalition
 * policy and point levels are the coalition's).
 */
export class ProgramSet {
  private coalitionProgram: CompiledProgram | null;
  /** The partners' documents as sent, to compile again with a new coalition program. */
  private readonly own = new Map<string, Program>();
  /** Compiled partners' programs; null while no partner runs its own, so a receipt then checks one field. */
  private partners: ReadonlyMap<string, CompiledProgram> | null = null;

  constructor(coalition: Program | null, partnerPrograms: readonly PartnerProgram[] = []) {
    this.coalitionProgram = coalition === null ? null : new CompiledProgram(coalition);
    for (const { partner, program } of partnerPrograms) this.own.set(partner, program);
    this.compilePartners();
  }

  /** The coalition program; null before the first is stored. */
  get coalition(): CompiledProgram | null {
    return this.coalitionProgram;
  }

  /**
   * The program that prices at `partner`'s stores: its own, or the coalition program (no partner
   * named, or the partner runs none). One null check while no partner runs its own program.
   */
  forPartner(partner: string | undefined): CompiledProgram | null {
    const partners = this.partners;
    if (partners === null || partner === undefined) return this.coalitionProgram;
    return partners.get(partner) ?? this.coalitionProgram;
  }

  /** A new coalition program version; the partners' programs take its shared sections. */
  setCoalition(program: Program): void {
    this.coalitionProgram = new CompiledProgram(program);
    this.compilePartners();
  }

  /** A partner's own program (a new version), or null: the partner returns to the coalition program. */
  setPartner(partner: string, program: Program | null): void {
    if (program === null) this.own.delete(partner);
    else this.own.set(partner, program);
    this.compilePartners();
  }

  /** The version of each partner's own program in force, by partner id (health). */
  partnerVersions(): Record<string, number> {
    const versions: Record<string, number> = {};
    for (const [partner, program] of this.own) versions[partner] = program.version;
    return versions;
  }

  private compilePartners(): void {
    const coalition = this.coalitionProgram;
    // Without a coalition program there is nothing to price with (NO_PROGRAM); the gateway stores no partner program before it.
    if (this.own.size === 0 || coalition === null) {
      this.partners = null;
      return;
    }
    const compiled = new Map<string, CompiledProgram>();
    for (const [partner, program] of this.own) compiled.set(partner, new CompiledProgram(partnerPricingProgram(coalition.program, program, partner), partner));
    this.partners = compiled;
  }
}
