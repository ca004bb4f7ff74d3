// Thread: any; pure domain (no I/O, no clock).
import type { CategoryRule, CoalitionPolicy, Program, ProgramDefinition } from "../../protocol/program-document.js";
import { ProgramValidationError, validateProgramDocument, type ProgramProblem } from "./validate-program-document.js";

/**
 * A partner's own program (issue 12, "Partners"): a partner may price the receipts of its stores with
 * a program of its own instead of the coalition program. A member stays one member across programs:
 * one points balance, one set of counters. So the sections that describe what is shared are the
 * coalition program's, whatever a partner's document says:
 *
 * - `timeZone` and `period`: a member's period counters are kept in one calendar;
 * - `coalition`: where points may pay is the coalition's policy (POINTS_NOT_ACCEPTED_HERE, settlement);
 * - `pointLevels`: levels by active points read the one shared balance.
 *
 * A partner's document may leave them out (they are taken from the coalition program) or give them
 * equal to the coalition program's (a copy of it, edited); any other value is refused, naming the
 * field. A shard prices with the partner's document and the coalition program's shared sections as
 * they are now (`partnerPricingProgram`), so a later coalition program carries its calendar, policy
 * and levels to every partner's program at once.
 */
export const COALITION_WIDE_SECTIONS = ["timeZone", "period", "coalition", "pointLevels"] as const;

type CoalitionWideSection = (typeof COALITION_WIDE_SECTIONS)[number];

/** Why each shared section must be the coalition's, for the refusal's message. */
const WHY_SHARED: Readonly<Record<CoalitionWideSection, string>> = {
  timeZone: "a member's period counters are kept in the coalition program's calendar",
  period: "a member's period counters are kept in the coalition program's calendar",
  coalition: "where points may pay is the coalition program's policy",
  pointLevels: "levels by active points read the member's one balance, shared by every program",
};

const ANYWHERE: CoalitionPolicy = Object.freeze({ redemption: "anywhere" });

/** A shared section of a stored coalition program (one saved before the section existed has its default). */
function coalitionSection(coalition: ProgramDefinition, section: CoalitionWideSection): unknown {
  switch (section) {
    case "coalition":
      return coalition.coalition ?? ANYWHERE;
    case "pointLevels":
      return coalition.pointLevels ?? null;
    default:
      return coalition[section];
  }
}

/**
 * Reads a partner's program document: exactly the coalition program's validation (every problem, or
 * a ProgramValidationError), then the shared sections, each absent (null) or equal to the coalition
 * program's (else a ProgramValidationError naming it). Returns the definition with the shared sections
 * the coalition's, deeply frozen.
 */
export function validatePartnerProgramDocument(input: unknown, coalition: ProgramDefinition): ProgramDefinition {
  const definition = validateProgramDocument(input);
  // A valid document is an object.
  const document = input as Readonly<Record<string, unknown>>;
  const problems: ProgramProblem[] = [];
  for (const section of COALITION_WIDE_SECTIONS) {
    const given = document[section];
    if (given === undefined || given === null) continue;
    const expected = coalitionSection(coalition, section);
    if (canonicalJson(definition[section]) !== canonicalJson(expected)) {
      problems.push({ path: section, message: `must be absent or the coalition program's (${canonicalJson(expected)}): ${WHY_SHARED[section]}` });
    }
  }
  if (problems.length > 0) throw new ProgramValidationError(problems);
  return Object.freeze({
    ...definition,
    timeZone: coalition.timeZone,
    period: coalition.period,
    coalition: coalitionSection(coalition, "coalition") as CoalitionPolicy,
    pointLevels: coalition.pointLevels ?? null,
  });
}

/**
 * The program a shard prices a partner's receipts with: the partner's own program (its version), the
 * coalition program's shared sections as they are now, and the partner's categories under ids of its
 * own, `<partner>:<id>` (in its category rules too). A category is state an account keeps; prefixed,
 * the memberships one program's rules give never mix with another's, whatever ids they chose
 * (program ids never hold ":").
 */
export function partnerPricingProgram(coalition: ProgramDefinition, own: Program, partner: string): Program {
  const named = (id: string): string => `${partner}:${id}`;
  const rule = (categoryRule: CategoryRule): CategoryRule => ({
    ...categoryRule,
    category: named(categoryRule.category),
    when: "inCategory" in categoryRule.when ? { inCategory: named(categoryRule.when.inCategory) } : categoryRule.when,
  });
  return {
    ...own,
    timeZone: coalition.timeZone,
    period: coalition.period,
    coalition: coalitionSection(coalition, "coalition") as CoalitionPolicy,
    pointLevels: coalition.pointLevels ?? null,
    categories: own.categories.map((category) => ({ ...category, id: named(category.id) })),
    categoryRules: own.categoryRules.map(rule),
  };
}

/** JSON with object keys sorted: two values are equal exactly when their texts are. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => {
    if (field === null || typeof field !== "object" || Array.isArray(field)) return field;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(field).sort()) sorted[key] = (field as Record<string, unknown>)[key];
    return sorted;
  });
}
