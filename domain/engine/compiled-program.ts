import { assert } from "../assert/assert.js";
import { PeriodCalendar } from "../calendar/period-calendar.js";
import type { CardType, Category, ImportanceClass, PointLevel, Program, StatusLevel } from "../../protocol/program-document.js";

/**
 * A validated program prepared for the hot path: the calendar built once,
 * SKU lists as sets, levels and classes sorted highest first. A shard keeps
 * one per program version and swaps the reference when a new version
 * arrives, so no request ever sees half of a program.
 */
export class CompiledProgram {
  readonly calendar: PeriodCalendar;
  readonly noDiscountSkus: ReadonlySet<string>;
  readonly noPointsSkus: ReadonlySet<string>;
  readonly entryLevel: StatusLevel | null;
  /** Non-entry levels, highest threshold first. */
  readonly levelsHighestFirst: readonly StatusLevel[];
  readonly classesHighestFirst: readonly ImportanceClass[];
  readonly categoriesById: ReadonlyMap<string, Category>;
  readonly cardTypesById: ReadonlyMap<string, CardType>;
  readonly pointLevelsById: ReadonlyMap<string, PointLevel>;
  /** "issuer redeemer" of every pair the coalition policy names (redemption "pairs"). */
  private readonly redemptionPairs: ReadonlySet<string>;
  /** A partner's own program: "<partner>:", the prefix of its category ids (domain/program/partner-program.ts); null: the coalition program. */
  private readonly categoryPrefix: string | null;

  /**
   * `partner`: the partner whose own program this is (built by partnerPricingProgram), named in the
   * answers it prices; null: the coalition program.
   */
  constructor(
    readonly program: Program,
    readonly partner: string | null = null,
  ) {
    this.categoryPrefix = partner === null ? null : `${partner}:`;
    this.calendar = new PeriodCalendar(program.period, program.timeZone);
    this.noDiscountSkus = new Set(program.lines.noDiscountSkus);
    this.noPointsSkus = new Set(program.lines.noPointsSkus);
    const statuses = program.statuses;
    if (statuses === null) {
      this.entryLevel = null;
      this.levelsHighestFirst = [];
    } else {
      const entry = statuses.levels.find((level) => level.id === statuses.entryLevel);
      assert(entry !== undefined, "validation guarantees the entry level exists");
      this.entryLevel = entry;
      this.levelsHighestFirst = statuses.levels
        .filter((level) => level.id !== statuses.entryLevel)
        .sort((left, right) => right.threshold - left.threshold);
    }
    this.classesHighestFirst = [...(program.classes?.classes ?? [])].sort((left, right) => right.rank - left.rank);
    this.categoriesById = new Map(program.categories.map((category) => [category.id, category]));
    // A program saved before card types existed has no such field: it has no card types.
    this.cardTypesById = new Map((program.cardTypes ?? []).map((cardType) => [cardType.id, cardType]));
    // A program saved before levels by active points existed has none.
    this.pointLevelsById = new Map((program.pointLevels?.levels ?? []).map((level) => [level.id, level]));
    const coalition = program.coalition ?? { redemption: "anywhere" };
    this.redemptionPairs = new Set(coalition.redemption === "pairs" ? coalition.pairs.map(({ issuer, redeemer }) => `${issuer} ${redeemer}`) : []);
  }

  /**
   * Whether points `issuer` issued may pay at `redeemer`'s store (the coalition policy). Points
   * without an issuer ("": admin adjustments), and any points where the store's partner is not
   * known (""), pay anywhere. A program saved before the policy existed is "anywhere".
   */
  mayRedeem(issuer: string, redeemer: string): boolean {
    if (issuer === "" || redeemer === "" || issuer === redeemer) return true;
    const redemption = this.program.coalition?.redemption ?? "anywhere";
    if (redemption === "anywhere") return true;
    return redemption === "pairs" && this.redemptionPairs.has(`${issuer} ${redeemer}`);
  }

  /**
   * Whether a category an account holds is another program's: kept as it is when this program stores
   * the categories its rules give. The coalition program's ids hold no ":"; a partner program's are
   * "<partner>:<id>" (program ids never hold ":").
   */
  isOtherProgramsCategory(id: string): boolean {
    const prefix = this.categoryPrefix;
    if (prefix === null) return id.includes(":");
    return !(id.startsWith(prefix) && id.indexOf(":", prefix.length) === -1);
  }

  get version(): number {
    return this.program.version;
  }
}
