import { assert } from "../assert/assert.js";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX } from "../limits.js";
import { BASIS_POINTS_PER_WHOLE } from "../money/basis-points.js";
import { CLIENT_IDENTIFIER_PATTERN } from "../limits.js";
import { isPlainObject } from "../validation/fields.js";
import type { InputObject } from "../validation/fields.js";
import type {
  CardType,
  Category,
  CoalitionPolicy,
  PointLevel,
  PointLevelSystem,
  ReminderSettings,
  CategoryCondition,
  CategoryRule,
  ClassCriterion,
  ClassSystem,
  CounterName,
  DiscountPolicy,
  DiscountRule,
  ImportanceClass,
  LinePolicy,
  PeriodDefinition,
  PointsDefinition,
  ProgramDefinition,
  StatusLevel,
  StatusSystem,
} from "../../protocol/program-document.js";
import { PROGRAM_SECTIONS } from "../../protocol/program-document.js";

/*
 * Limits of a program document. docs/program.md lists them with each field.
 */

/** Ids appear in results ("status:silver") and logs: short, no spaces, no ":" so they can be prefixed. */
export const PROGRAM_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Longest id PROGRAM_ID_PATTERN allows; named so that messages and docs can say it. */
export const PROGRAM_ID_LENGTH_MAX = 64;
/** Names are shown to cashiers and members: a line of text, never a paragraph. */
export const PROGRAM_NAME_LENGTH_MAX = 200;
/** IANA zone names are at most about 30 characters ("America/Argentina/ComodRivadavia"); 64 is generous. */
export const TIME_ZONE_LENGTH_MAX = 64;
/**
 * IANA zone names are letters, digits and "_ + - /", starting with a letter. Checked before Intl so
 * that UTC offsets ("+03:00"), which newer ICU versions accept, are refused on every Node version.
 */
const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;
/** A point worth more than 1,000 roubles is a configuration mistake, not a program. */
export const POINT_VALUE_MINOR_MAX = 100_000;
/** Rolling periods: ten years with leap days. A longer "period" is a lifetime counter, which rules already read. */
export const ROLLING_PERIOD_DAYS_MAX = 3_660;
/** Day counts ("did not visit for more than D days"): a hundred years outlives any membership. */
export const DAYS_WITHOUT_VISIT_MAX = 36_500;
/** Money thresholds: 10^13 kopecks = 100 billion roubles, above any member's spend, far below 2^53. */
export const MONEY_THRESHOLD_MAX_MINOR = 10_000_000_000_000;
/** Visit-count thresholds: a visit a day for 2,700 years; anything larger is a typo. */
export const VISITS_THRESHOLD_MAX = 1_000_000;
/** Real status systems have 3 to 5 levels; 32 keeps the per-receipt level scan trivially short. */
export const STATUS_LEVELS_MAX = 32;
/** "Every k-th purchase": beyond 1,000 purchases a period the bonus would never be reached. */
export const BONUS_EVERY_PURCHASES_MAX = 1_000;
/** A bonus of 10^9 points is ten million roubles at 1 kopeck a point; balances cap at 10^18 (limits.ts). */
export const BONUS_POINTS_MAX = 1_000_000_000;
/** Importance classes: the seed has three (Bronze, Silver, Gold); 32 as for status levels. */
export const CLASSES_MAX = 32;
/** Ranks only order classes; up to a million leaves room to number them with gaps. */
export const CLASS_RANK_MAX = 1_000_000;
/** A class holds when any criterion holds: one per counter (sold, paid, visits) with room to spare. */
export const CLASS_CRITERIA_MAX = 8;
/** Every receipt evaluates every discount rule; 256 is far beyond a hand-written rule table. */
export const DISCOUNT_RULES_MAX = 256;
/** Categories are a hand-kept list in the admin UI; 256 is far beyond what people manage. */
export const CATEGORIES_MAX = 256;
/** Every receipt evaluates every category rule: 1,024 keeps that well under a millisecond. */
export const CATEGORY_RULES_MAX = 1_024;
/** Pairs of partners whose points another accepts: a coalition of 30 partners has fewer than 900; 4,096 is ample. */
export const COALITION_PAIRS_MAX = 4_096;
/** Levels by active points: as many as status levels, for the same reason (a ladder people can read). */
export const POINT_LEVELS_MAX = 32;
/** A level's threshold and its points on reaching: within what a balance may hold. */
export const POINT_LEVEL_POINTS_MAX = 1_000_000_000;
/** Card types are a product line ("Standard", "VIP", "Virtual"): a handful, 32 is plenty. */
export const CARD_TYPES_MAX = 32;
/** Excluded SKUs (tobacco, gift cards) are a short list; a catalogue-sized list belongs in a catalogue. */
export const SKU_LIST_MAX = 10_000;

/** One thing wrong with a program document: where (a JSON-ish path) and what. */
export interface ProgramProblem {
  /** `statuses.levels[1].threshold`; `$` is the document itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * A program document refused with every problem found in it. The message lists
 * them as `path: message`, joined by "; ", so one round trip shows an
 * administrator everything to fix.
 */
export class ProgramValidationError extends LoycoreError {
  readonly problems: readonly ProgramProblem[];

  constructor(problems: readonly ProgramProblem[]) {
    super("BAD_REQUEST", problems.map((problem) => `${problem.path}: ${problem.message}`).join("; "));
    this.name = "ProgramValidationError";
    this.problems = Object.freeze(problems.map((problem) => Object.freeze({ ...problem })));
  }
}

/** The path of the whole document in problems. */
const ROOT_PATH = "$";

// Besides the sections, a top-level `version` is accepted and ignored: the control store assigns versions.
const PROGRAM_FIELDS = fieldSet(...PROGRAM_SECTIONS, "version");
const CALENDAR_PERIOD_FIELDS = fieldSet("kind");
const ROLLING_PERIOD_FIELDS = fieldSet("kind", "days", "anchorDate");
const POINTS_FIELDS = fieldSet(
  "accrualRateBasisPoints",
  "maxRedeemShareBasisPoints",
  "pointValueMinor",
  "accrualBase",
  "pendingDays",
  "lifetimeDays",
  "returnPolicy",
  "holdMinutes",
);
const RETURN_POLICIES = ["debt", "refuse"] as const;
/** A return window longer than a year is not a pending period, it is a different product. */
export const PENDING_DAYS_MAX = 365;
/** A hold lives while a customer stands at the lane; a day covers any paused checkout. */
export const HOLD_MINUTES_MAX = 1_440;
const HOLD_MINUTES_DEFAULT = 15;
const ACCRUAL_BASES = ["paidWithMoney", "afterDiscount"] as const;
const STATUSES_FIELDS = fieldSet("counter", "entryLevel", "levels");
const LEVEL_FIELDS = fieldSet("id", "name", "threshold", "discountBasisPoints", "accrualRateBasisPoints", "bonus");
const BONUS_FIELDS = fieldSet("everyPurchases", "points");
const DISCOUNT_RULE_FIELDS = fieldSet("id", "counter", "from", "discountBasisPoints");
const CLASSES_FIELDS = fieldSet("classes", "lapseAfterDaysWithoutVisit");
const CLASS_FIELDS = fieldSet("id", "name", "rank", "criteria", "discountBasisPoints");
const CRITERION_FIELDS = fieldSet("counter", "from");
const CATEGORY_FIELDS = fieldSet("id", "name", "discountBasisPoints");
const COALITION_FIELDS = fieldSet("redemption", "pairs");
const POINT_LEVELS_FIELDS = fieldSet("levels");
const REMINDERS_FIELDS = fieldSet("pointsExpiringDays", "discountLapsingDays", "classLapsingDays");
/** A reminder more than a year ahead is not a reminder. */
export const REMINDER_DAYS_MAX = 365;
const POINT_LEVEL_FIELDS = fieldSet("id", "name", "threshold", "validityDays", "pointsOnReach");
const COALITION_PAIR_FIELDS = fieldSet("issuer", "redeemer");
const REDEMPTION_POLICIES = ["anywhere", "issuerOnly", "pairs"] as const;
const CARD_TYPE_FIELDS = fieldSet("id", "name", "discountBasisPoints", "extraAccrualBasisPoints", "mayPayWithPoints");
const CATEGORY_RULE_FIELDS = fieldSet("id", "action", "category", "when");
const LARGEST_POLICY_FIELDS = fieldSet("kind");
const SUM_POLICY_FIELDS = fieldSet("kind", "capBasisPoints");
const LINES_FIELDS = fieldSet("maxDiscountBasisPoints", "noDiscountSkus", "noPointsSkus");

const PERIOD_KINDS = ["month", "quarter", "year", "rollingDays"] as const;
const STATUS_COUNTERS = ["sold", "paid"] as const;
const COUNTERS = ["sold", "paid", "visits"] as const;
const RULE_ACTIONS = ["add", "remove"] as const;
const VISIT_STATUSES = ["came", "didNotCome"] as const;
const POLICY_KINDS = ["largest", "sum"] as const;

/** The five shapes of CategoryCondition, each named by the fields that make it up. */
const CONDITION_SHAPES: readonly { readonly label: string; readonly fields: readonly string[] }[] = [
  { label: "counter with from", fields: ["counter", "from"] },
  { label: "daysWithoutVisitMoreThan", fields: ["daysWithoutVisitMoreThan"] },
  { label: "visitStatus", fields: ["visitStatus"] },
  { label: "inCategory", fields: ["inCategory"] },
  { label: "hasClass", fields: ["hasClass"] },
];
const CONDITION_FIELDS = fieldSet(...CONDITION_SHAPES.flatMap((shape) => shape.fields));

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const SKU_EXPECTATION = `must be 1 to ${CLIENT_IDENTIFIER_LENGTH_MAX} printable ASCII characters (0x21-0x7e)`;

/**
 * Reads an administrator's program document (already parsed JSON) into a
 * fully defaulted, deeply frozen ProgramDefinition, or throws a
 * ProgramValidationError listing every problem. Unknown fields are refused;
 * a top-level `version` is accepted and ignored. `null` and an absent field
 * mean the same: the default, or "is required" when there is none.
 */
export function validateProgramDocument(input: unknown): ProgramDefinition {
  const reader = new DocumentReader();
  const definition = reader.program(input);
  if (reader.problems.length > 0) throw new ProgramValidationError(reader.problems);
  assert(definition !== undefined, "a program document without problems must yield a definition");
  return deepFreeze(definition);
}

/** What a reference to a class may find: no class system, an unreadable one (already reported), or these ids. */
type ClassIds =
  | { readonly kind: "none" }
  | { readonly kind: "unknown" }
  | { readonly kind: "known"; readonly ids: ReadonlySet<string> };

/**
 * The collecting field readers. Each reader returns the value, or `undefined`
 * after recording a problem; a section yields `undefined` when any of its parts
 * did, but always reads all of them so that every problem is found.
 */
class DocumentReader {
  readonly problems: ProgramProblem[] = [];

  program(input: unknown): ProgramDefinition | undefined {
    const document = this.object(input, ROOT_PATH);
    if (document === undefined) return undefined;
    this.refuseUnknownFields(document, "", PROGRAM_FIELDS);

    const name = this.name(field(document, "name"), "name");
    const timeZone = this.timeZone(field(document, "timeZone"), "timeZone");
    const period = this.period(field(document, "period"), "period");
    const points = this.points(field(document, "points"), "points");
    const statuses = this.statuses(field(document, "statuses"), "statuses");
    const discountRules = this.list(field(document, "discountRules"), "discountRules", 0, DISCOUNT_RULES_MAX, (item, path) =>
      this.discountRule(item, path),
    );
    this.refuseDuplicateIds(field(document, "discountRules"), "discountRules");
    const discountLapse = this.nullableDays(
      field(document, "discountLapseAfterDaysWithoutVisit"),
      "discountLapseAfterDaysWithoutVisit",
    );
    const classes = this.classes(field(document, "classes"), "classes");
    const categories = this.list(field(document, "categories"), "categories", 0, CATEGORIES_MAX, (item, path) =>
      this.category(item, path),
    );
    this.refuseDuplicateIds(field(document, "categories"), "categories");
    const categoryIds = rawIds(field(document, "categories"));
    const classIds = rawClassIds(field(document, "classes"));
    const categoryRules = this.list(field(document, "categoryRules"), "categoryRules", 0, CATEGORY_RULES_MAX, (item, path) =>
      this.categoryRule(item, path, categoryIds, classIds),
    );
    this.refuseDuplicateIds(field(document, "categoryRules"), "categoryRules");
    const discountPolicy = this.discountPolicy(field(document, "discountPolicy"), "discountPolicy");
    const lines = this.lines(field(document, "lines"), "lines");
    const members = this.memberSections(document);

    if (
      name === undefined ||
      timeZone === undefined ||
      period === undefined ||
      points === undefined ||
      statuses === undefined ||
      discountRules === undefined ||
      discountLapse === undefined ||
      classes === undefined ||
      categories === undefined ||
      categoryRules === undefined ||
      discountPolicy === undefined ||
      lines === undefined ||
      members === undefined
    ) {
      return undefined;
    }
    return {
      name,
      timeZone,
      period,
      points,
      statuses,
      discountRules,
      discountLapseAfterDaysWithoutVisit: discountLapse,
      classes,
      categories,
      categoryRules,
      discountPolicy,
      lines,
      ...members,
    };
  }

  /** The sections about members' cards, partners and levels (issue 12): card types, the coalition policy, levels by active points. */
  private memberSections(document: InputObject): Pick<ProgramDefinition, "cardTypes" | "coalition" | "pointLevels" | "reminders"> | undefined {
    const cardTypes = this.list(field(document, "cardTypes"), "cardTypes", 0, CARD_TYPES_MAX, (item, path) => this.cardType(item, path));
    this.refuseDuplicateIds(field(document, "cardTypes"), "cardTypes");
    const coalition = this.coalition(field(document, "coalition"), "coalition");
    const pointLevels = this.pointLevels(field(document, "pointLevels"), "pointLevels");
    const reminders = this.reminders(field(document, "reminders"), "reminders");
    if (cardTypes === undefined || coalition === undefined || pointLevels === undefined || reminders === undefined) return undefined;
    return { cardTypes, coalition, pointLevels, ...(reminders === null ? {} : { reminders }) };
  }

  /** Reminders N days ahead (issue 14): absent or null, none (and the stored program has no section). */
  private reminders(value: unknown, path: string): ReminderSettings | null | undefined {
    if (isAbsent(value)) return null;
    const reminders = this.object(value, path, "must be an object or null");
    if (reminders === undefined) return undefined;
    this.refuseUnknownFields(reminders, path, REMINDERS_FIELDS);
    const days = (name: string): number | null | undefined => {
      const input = field(reminders, name);
      return isAbsent(input) ? null : this.integer(input, at(path, name), 1, REMINDER_DAYS_MAX);
    };
    const pointsExpiringDays = days("pointsExpiringDays");
    const discountLapsingDays = days("discountLapsingDays");
    const classLapsingDays = days("classLapsingDays");
    if (pointsExpiringDays === undefined || discountLapsingDays === undefined || classLapsingDays === undefined) return undefined;
    return { pointsExpiringDays, discountLapsingDays, classLapsingDays };
  }

  // Sections, in the order of ProgramDefinition.

  private timeZone(value: unknown, path: string): string | undefined {
    if (isAbsent(value)) return "UTC";
    const zone = this.string(value, path, TIME_ZONE_LENGTH_MAX);
    if (zone === undefined) return undefined;
    if (!TIME_ZONE_PATTERN.test(zone) || !isTimeZone(zone)) {
      return this.report(path, `must be an IANA time zone such as "Europe/Moscow"; ${JSON.stringify(zone)} is not one`);
    }
    return zone;
  }

  private period(value: unknown, path: string): PeriodDefinition | undefined {
    if (isAbsent(value)) return { kind: "month" };
    const period = this.object(value, path);
    if (period === undefined) return undefined;
    const kind = this.oneOf(field(period, "kind"), at(path, "kind"), PERIOD_KINDS);
    const known = kind === "rollingDays" || kind === undefined ? ROLLING_PERIOD_FIELDS : CALENDAR_PERIOD_FIELDS;
    this.refuseUnknownFields(period, path, known);
    switch (kind) {
      case undefined:
        return undefined;
      case "month":
      case "quarter":
      case "year":
        return { kind };
      case "rollingDays": {
        const days = this.integer(field(period, "days"), at(path, "days"), 1, ROLLING_PERIOD_DAYS_MAX);
        const anchorDate = this.date(field(period, "anchorDate"), at(path, "anchorDate"));
        if (days === undefined || anchorDate === undefined) return undefined;
        return { kind, days, anchorDate };
      }
    }
  }

  private points(value: unknown, path: string): PointsDefinition | undefined {
    const points = this.requiredObject(value, path);
    if (points === undefined) return undefined;
    this.refuseUnknownFields(points, path, POINTS_FIELDS);
    const accrualRateBasisPoints = this.basisPoints(field(points, "accrualRateBasisPoints"), at(path, "accrualRateBasisPoints"));
    const maxRedeemShareBasisPoints = this.basisPoints(
      field(points, "maxRedeemShareBasisPoints"),
      at(path, "maxRedeemShareBasisPoints"),
    );
    const pointValueMinorInput = field(points, "pointValueMinor");
    const pointValueMinor = isAbsent(pointValueMinorInput)
      ? 1
      : this.integer(pointValueMinorInput, at(path, "pointValueMinor"), 1, POINT_VALUE_MINOR_MAX);
    const accrualBaseInput = field(points, "accrualBase");
    const accrualBase = isAbsent(accrualBaseInput)
      ? "paidWithMoney"
      : this.oneOf(accrualBaseInput, at(path, "accrualBase"), ACCRUAL_BASES);
    const pendingDaysInput = field(points, "pendingDays");
    const pendingDays = isAbsent(pendingDaysInput) ? 0 : this.integer(pendingDaysInput, at(path, "pendingDays"), 0, PENDING_DAYS_MAX);
    const lifetimeDaysInput = field(points, "lifetimeDays");
    const lifetimeDays = isAbsent(lifetimeDaysInput)
      ? null
      : this.integer(lifetimeDaysInput, at(path, "lifetimeDays"), 1, DAYS_WITHOUT_VISIT_MAX);
    const returnPolicyInput = field(points, "returnPolicy");
    const returnPolicy = isAbsent(returnPolicyInput) ? "debt" : this.oneOf(returnPolicyInput, at(path, "returnPolicy"), RETURN_POLICIES);
    const holdMinutesInput = field(points, "holdMinutes");
    const holdMinutes = isAbsent(holdMinutesInput)
      ? HOLD_MINUTES_DEFAULT
      : this.integer(holdMinutesInput, at(path, "holdMinutes"), 1, HOLD_MINUTES_MAX);
    if (
      accrualRateBasisPoints === undefined ||
      maxRedeemShareBasisPoints === undefined ||
      pointValueMinor === undefined ||
      accrualBase === undefined ||
      pendingDays === undefined ||
      lifetimeDays === undefined ||
      returnPolicy === undefined ||
      holdMinutes === undefined
    ) {
      return undefined;
    }
    if (lifetimeDays !== null && lifetimeDays <= pendingDays) {
      this.report(at(path, "lifetimeDays"), `must be more than points.pendingDays (${pendingDays}): points must be spendable before they expire`);
      return undefined;
    }
    return {
      accrualRateBasisPoints,
      maxRedeemShareBasisPoints,
      pointValueMinor,
      accrualBase,
      pendingDays,
      lifetimeDays,
      returnPolicy,
      holdMinutes,
    };
  }

  /** `null` when absent; `undefined` when refused. */
  private statuses(value: unknown, path: string): StatusSystem | null | undefined {
    if (isAbsent(value)) return null;
    const statuses = this.object(value, path, "must be an object or null");
    if (statuses === undefined) return undefined;
    this.refuseUnknownFields(statuses, path, STATUSES_FIELDS);
    const counter = this.oneOf(field(statuses, "counter"), at(path, "counter"), STATUS_COUNTERS);
    const entryLevelPath = at(path, "entryLevel");
    const entryLevel = this.id(field(statuses, "entryLevel"), entryLevelPath);
    const levelsPath = at(path, "levels");
    const levelsInput = field(statuses, "levels");
    const levels = this.list(levelsInput, levelsPath, 1, STATUS_LEVELS_MAX, (item, itemPath) => this.statusLevel(item, itemPath));
    this.refuseDuplicateIds(levelsInput, levelsPath);
    this.requireIncreasingThresholds(levelsInput, levelsPath);
    // With no levels (reported above) there is nothing the entry level could name.
    const levelIds = Array.isArray(levelsInput) && levelsInput.length > 0 ? rawIds(levelsInput) : undefined;
    if (entryLevel !== undefined && levelIds !== undefined && !levelIds.has(entryLevel)) {
      this.report(entryLevelPath, `must name a level in ${levelsPath}; ${JSON.stringify(entryLevel)} is not one`);
    } else if (entryLevel !== undefined && levelIds !== undefined && [...(rawIds(levelsInput) ?? [])][0] !== entryLevel) {
      // Levels go lowest first; a member who earned nothing must not sit above one who earned a level.
      this.report(entryLevelPath, `must name the first (lowest) level of ${levelsPath}`);
    }
    if (counter === undefined || entryLevel === undefined || levels === undefined) return undefined;
    return { counter, entryLevel, levels };
  }

  private statusLevel(value: unknown, path: string): StatusLevel | undefined {
    const level = this.object(value, path);
    if (level === undefined) return undefined;
    this.refuseUnknownFields(level, path, LEVEL_FIELDS);
    const id = this.id(field(level, "id"), at(path, "id"));
    const name = this.name(field(level, "name"), at(path, "name"));
    const threshold = this.integer(field(level, "threshold"), at(path, "threshold"), 0, MONEY_THRESHOLD_MAX_MINOR);
    const discountBasisPoints = this.basisPoints(field(level, "discountBasisPoints"), at(path, "discountBasisPoints"));
    const accrualInput = field(level, "accrualRateBasisPoints");
    const accrualRateBasisPoints = isAbsent(accrualInput)
      ? null
      : this.basisPoints(accrualInput, at(path, "accrualRateBasisPoints"));
    const bonusInput = field(level, "bonus");
    const bonus = isAbsent(bonusInput) ? null : this.bonus(bonusInput, at(path, "bonus"));
    if (
      id === undefined ||
      name === undefined ||
      threshold === undefined ||
      discountBasisPoints === undefined ||
      accrualRateBasisPoints === undefined ||
      bonus === undefined
    ) {
      return undefined;
    }
    return {
      id,
      name,
      threshold,
      discountBasisPoints,
      ...(accrualRateBasisPoints === null ? {} : { accrualRateBasisPoints }),
      ...(bonus === null ? {} : { bonus }),
    };
  }

  private bonus(value: unknown, path: string): StatusLevel["bonus"] | undefined {
    const bonus = this.object(value, path, "must be an object or null");
    if (bonus === undefined) return undefined;
    this.refuseUnknownFields(bonus, path, BONUS_FIELDS);
    const everyPurchases = this.integer(field(bonus, "everyPurchases"), at(path, "everyPurchases"), 1, BONUS_EVERY_PURCHASES_MAX);
    const points = this.integer(field(bonus, "points"), at(path, "points"), 0, BONUS_POINTS_MAX);
    if (everyPurchases === undefined || points === undefined) return undefined;
    return { everyPurchases, points };
  }

  /**
   * Every level's threshold, the entry level's included, must be greater than
   * the one before it: the list reads from lowest to highest. A threshold that
   * is itself refused is skipped so that it does not cause a second problem.
   */
  private requireIncreasingThresholds(levelsInput: unknown, levelsPath: string): void {
    if (!Array.isArray(levelsInput) || levelsInput.length > STATUS_LEVELS_MAX) return;
    let previous: { readonly index: number; readonly threshold: number } | undefined;
    levelsInput.forEach((level: unknown, index) => {
      if (!isPlainObject(level)) return;
      const threshold = field(level, "threshold");
      if (!isIntegerIn(threshold, 0, MONEY_THRESHOLD_MAX_MINOR)) return;
      if (previous !== undefined && threshold <= previous.threshold) {
        this.report(
          at(indexed(levelsPath, index), "threshold"),
          `must be greater than ${at(indexed(levelsPath, previous.index), "threshold")} (${previous.threshold}): ` +
            "levels go from lowest to highest",
        );
      }
      previous = { index, threshold };
    });
  }

  private discountRule(value: unknown, path: string): DiscountRule | undefined {
    const rule = this.object(value, path);
    if (rule === undefined) return undefined;
    this.refuseUnknownFields(rule, path, DISCOUNT_RULE_FIELDS);
    const id = this.id(field(rule, "id"), at(path, "id"));
    const counter = this.oneOf(field(rule, "counter"), at(path, "counter"), COUNTERS);
    const from = this.counterThreshold(field(rule, "from"), at(path, "from"), counter);
    const discountBasisPoints = this.basisPoints(field(rule, "discountBasisPoints"), at(path, "discountBasisPoints"));
    if (id === undefined || counter === undefined || from === undefined || discountBasisPoints === undefined) return undefined;
    return { id, counter, from, discountBasisPoints };
  }

  /** `null` when absent; `undefined` when refused. */
  private classes(value: unknown, path: string): ClassSystem | null | undefined {
    if (isAbsent(value)) return null;
    const system = this.object(value, path, "must be an object or null");
    if (system === undefined) return undefined;
    this.refuseUnknownFields(system, path, CLASSES_FIELDS);
    const classesPath = at(path, "classes");
    const classesInput = field(system, "classes");
    const classes = this.list(classesInput, classesPath, 1, CLASSES_MAX, (item, itemPath) => this.importanceClass(item, itemPath));
    this.refuseDuplicateIds(classesInput, classesPath);
    this.refuseDuplicates(classesInput, classesPath, "rank", (rank) => isIntegerIn(rank, 0, CLASS_RANK_MAX));
    const lapse = this.nullableDays(field(system, "lapseAfterDaysWithoutVisit"), at(path, "lapseAfterDaysWithoutVisit"));
    if (classes === undefined || lapse === undefined) return undefined;
    return { classes, lapseAfterDaysWithoutVisit: lapse };
  }

  private importanceClass(value: unknown, path: string): ImportanceClass | undefined {
    const importanceClass = this.object(value, path);
    if (importanceClass === undefined) return undefined;
    this.refuseUnknownFields(importanceClass, path, CLASS_FIELDS);
    const id = this.id(field(importanceClass, "id"), at(path, "id"));
    const name = this.name(field(importanceClass, "name"), at(path, "name"));
    const rank = this.integer(field(importanceClass, "rank"), at(path, "rank"), 0, CLASS_RANK_MAX);
    const criteria = this.list(
      field(importanceClass, "criteria"),
      at(path, "criteria"),
      1,
      CLASS_CRITERIA_MAX,
      (item, itemPath) => this.criterion(item, itemPath),
    );
    const discountBasisPoints = this.defaultedBasisPoints(
      field(importanceClass, "discountBasisPoints"),
      at(path, "discountBasisPoints"),
      0,
    );
    if (
      id === undefined ||
      name === undefined ||
      rank === undefined ||
      criteria === undefined ||
      discountBasisPoints === undefined
    ) {
      return undefined;
    }
    return { id, name, rank, criteria, discountBasisPoints };
  }

  private criterion(value: unknown, path: string): ClassCriterion | undefined {
    const criterion = this.object(value, path);
    if (criterion === undefined) return undefined;
    this.refuseUnknownFields(criterion, path, CRITERION_FIELDS);
    const counter = this.oneOf(field(criterion, "counter"), at(path, "counter"), COUNTERS);
    const from = this.counterThreshold(field(criterion, "from"), at(path, "from"), counter);
    if (counter === undefined || from === undefined) return undefined;
    return { counter, from };
  }

  private category(value: unknown, path: string): Category | undefined {
    const category = this.object(value, path);
    if (category === undefined) return undefined;
    this.refuseUnknownFields(category, path, CATEGORY_FIELDS);
    const id = this.id(field(category, "id"), at(path, "id"));
    const name = this.name(field(category, "name"), at(path, "name"));
    const discountBasisPoints = this.defaultedBasisPoints(
      field(category, "discountBasisPoints"),
      at(path, "discountBasisPoints"),
      0,
    );
    if (id === undefined || name === undefined || discountBasisPoints === undefined) return undefined;
    return { id, name, discountBasisPoints };
  }

  private pointLevels(value: unknown, path: string): PointLevelSystem | null | undefined {
    if (isAbsent(value)) return null;
    const system = this.object(value, path, "must be an object or null");
    if (system === undefined) return undefined;
    this.refuseUnknownFields(system, path, POINT_LEVELS_FIELDS);
    const levelsPath = at(path, "levels");
    const levelsInput = field(system, "levels");
    const levels = this.list(levelsInput, levelsPath, 1, POINT_LEVELS_MAX, (item, itemPath) => this.pointLevel(item, itemPath));
    this.refuseDuplicateIds(levelsInput, levelsPath);
    this.requireIncreasingThresholds(levelsInput, levelsPath);
    return levels === undefined ? undefined : { levels };
  }

  private pointLevel(value: unknown, path: string): PointLevel | undefined {
    const level = this.object(value, path);
    if (level === undefined) return undefined;
    this.refuseUnknownFields(level, path, POINT_LEVEL_FIELDS);
    const id = this.id(field(level, "id"), at(path, "id"));
    const name = this.name(field(level, "name"), at(path, "name"));
    const threshold = this.integer(field(level, "threshold"), at(path, "threshold"), 1, POINT_LEVEL_POINTS_MAX);
    const validityDays = this.nullableDays(field(level, "validityDays"), at(path, "validityDays"));
    const onReachInput = field(level, "pointsOnReach");
    // A debit takes at most the threshold: the member has at least that many active points on reaching.
    const pointsOnReach = isAbsent(onReachInput) ? 0 : this.integer(onReachInput, at(path, "pointsOnReach"), -(threshold ?? 0), POINT_LEVEL_POINTS_MAX);
    if (id === undefined || name === undefined || threshold === undefined || validityDays === undefined || pointsOnReach === undefined) return undefined;
    return { id, name, threshold, validityDays, pointsOnReach };
  }

  private coalition(value: unknown, path: string): CoalitionPolicy | undefined {
    if (isAbsent(value)) return { redemption: "anywhere" };
    const coalition = this.object(value, path);
    if (coalition === undefined) return undefined;
    this.refuseUnknownFields(coalition, path, COALITION_FIELDS);
    const redemption = this.oneOf(field(coalition, "redemption"), at(path, "redemption"), REDEMPTION_POLICIES);
    const pairsInput = field(coalition, "pairs");
    if (redemption !== "pairs") {
      if (redemption !== undefined && !isAbsent(pairsInput)) this.report(at(path, "pairs"), 'is only for redemption "pairs"');
      return redemption === undefined ? undefined : { redemption };
    }
    const pairs = this.list(pairsInput, at(path, "pairs"), 1, COALITION_PAIRS_MAX, (item, itemPath) => this.coalitionPair(item, itemPath));
    return pairs === undefined ? undefined : { redemption, pairs };
  }

  private coalitionPair(value: unknown, path: string): { readonly issuer: string; readonly redeemer: string } | undefined {
    const pair = this.object(value, path);
    if (pair === undefined) return undefined;
    this.refuseUnknownFields(pair, path, COALITION_PAIR_FIELDS);
    const issuer = this.partnerId(field(pair, "issuer"), at(path, "issuer"));
    const redeemer = this.partnerId(field(pair, "redeemer"), at(path, "redeemer"));
    if (issuer === undefined || redeemer === undefined) return undefined;
    return { issuer, redeemer };
  }

  /** A partner id, as the admin API accepts one (CLIENT_IDENTIFIER_PATTERN). */
  private partnerId(value: unknown, path: string): string | undefined {
    if (isAbsent(value)) return this.report(path, "is required");
    if (typeof value !== "string" || value.length > CLIENT_IDENTIFIER_LENGTH_MAX || !CLIENT_IDENTIFIER_PATTERN.test(value)) {
      return this.report(path, `must be a partner id: 1 to ${CLIENT_IDENTIFIER_LENGTH_MAX} printable ASCII characters`);
    }
    return value;
  }

  private cardType(value: unknown, path: string): CardType | undefined {
    const cardType = this.object(value, path);
    if (cardType === undefined) return undefined;
    this.refuseUnknownFields(cardType, path, CARD_TYPE_FIELDS);
    const id = this.id(field(cardType, "id"), at(path, "id"));
    const name = this.name(field(cardType, "name"), at(path, "name"));
    const discountBasisPoints = this.defaultedBasisPoints(field(cardType, "discountBasisPoints"), at(path, "discountBasisPoints"), 0);
    const extraAccrual = this.defaultedBasisPoints(field(cardType, "extraAccrualBasisPoints"), at(path, "extraAccrualBasisPoints"), 0);
    const mayPayInput = field(cardType, "mayPayWithPoints");
    const mayPayWithPoints = isAbsent(mayPayInput)
      ? true
      : typeof mayPayInput === "boolean"
        ? mayPayInput
        : this.report(at(path, "mayPayWithPoints"), "must be true or false");
    if (id === undefined || name === undefined || discountBasisPoints === undefined || extraAccrual === undefined || mayPayWithPoints === undefined) {
      return undefined;
    }
    return { id, name, discountBasisPoints, extraAccrualBasisPoints: extraAccrual, mayPayWithPoints };
  }

  private categoryRule(
    value: unknown,
    path: string,
    categoryIds: ReadonlySet<string> | undefined,
    classIds: ClassIds,
  ): CategoryRule | undefined {
    const rule = this.object(value, path);
    if (rule === undefined) return undefined;
    this.refuseUnknownFields(rule, path, CATEGORY_RULE_FIELDS);
    const id = this.id(field(rule, "id"), at(path, "id"));
    const action = this.oneOf(field(rule, "action"), at(path, "action"), RULE_ACTIONS);
    const category = this.categoryReference(field(rule, "category"), at(path, "category"), categoryIds);
    const when = this.condition(field(rule, "when"), at(path, "when"), categoryIds, classIds);
    if (id === undefined || action === undefined || category === undefined || when === undefined) return undefined;
    return { id, action, category, when };
  }

  /** Exactly one of the five CategoryCondition shapes, told apart by the fields present. */
  private condition(
    value: unknown,
    path: string,
    categoryIds: ReadonlySet<string> | undefined,
    classIds: ClassIds,
  ): CategoryCondition | undefined {
    const condition = this.requiredObject(value, path);
    if (condition === undefined) return undefined;
    this.refuseUnknownFields(condition, path, CONDITION_FIELDS);
    const shapes = CONDITION_SHAPES.filter((shape) => shape.fields.some((name) => !isAbsent(field(condition, name))));
    const [shape, ...others] = shapes;
    if (shape === undefined) {
      return this.report(path, `must be one condition: ${CONDITION_SHAPES.map((each) => each.label).join(", ")}`);
    }
    if (others.length > 0) {
      return this.report(path, `must be exactly one condition, found ${shapes.map((each) => each.label).join(" and ")}`);
    }
    switch (shape.label) {
      case "daysWithoutVisitMoreThan": {
        const days = this.integer(
          field(condition, "daysWithoutVisitMoreThan"),
          at(path, "daysWithoutVisitMoreThan"),
          1,
          DAYS_WITHOUT_VISIT_MAX,
        );
        return days === undefined ? undefined : { daysWithoutVisitMoreThan: days };
      }
      case "visitStatus": {
        const visitStatus = this.oneOf(field(condition, "visitStatus"), at(path, "visitStatus"), VISIT_STATUSES);
        return visitStatus === undefined ? undefined : { visitStatus };
      }
      case "inCategory": {
        const inCategory = this.categoryReference(field(condition, "inCategory"), at(path, "inCategory"), categoryIds);
        return inCategory === undefined ? undefined : { inCategory };
      }
      case "hasClass": {
        const hasClass = this.classReference(field(condition, "hasClass"), at(path, "hasClass"), classIds);
        return hasClass === undefined ? undefined : { hasClass };
      }
      default: {
        const counter = this.oneOf(field(condition, "counter"), at(path, "counter"), COUNTERS);
        const from = this.counterThreshold(field(condition, "from"), at(path, "from"), counter);
        return counter === undefined || from === undefined ? undefined : { counter, from };
      }
    }
  }

  private categoryReference(value: unknown, path: string, categoryIds: ReadonlySet<string> | undefined): string | undefined {
    const id = this.id(value, path);
    if (id === undefined) return undefined;
    // Unknown categories (an unreadable list, reported already) cannot be checked.
    if (categoryIds !== undefined && !categoryIds.has(id)) {
      return this.report(path, `must name a category in categories; ${JSON.stringify(id)} is not one`);
    }
    return id;
  }

  private classReference(value: unknown, path: string, classIds: ClassIds): string | undefined {
    const id = this.id(value, path);
    if (id === undefined) return undefined;
    switch (classIds.kind) {
      case "none":
        return this.report(path, `must name a class, but classes is not configured`);
      case "unknown":
        return id;
      case "known":
        if (classIds.ids.has(id)) return id;
        return this.report(path, `must name a class in classes.classes; ${JSON.stringify(id)} is not one`);
    }
  }

  private discountPolicy(value: unknown, path: string): DiscountPolicy | undefined {
    if (isAbsent(value)) return { kind: "largest" };
    const policy = this.object(value, path);
    if (policy === undefined) return undefined;
    const kind = this.oneOf(field(policy, "kind"), at(path, "kind"), POLICY_KINDS);
    this.refuseUnknownFields(policy, path, kind === "largest" ? LARGEST_POLICY_FIELDS : SUM_POLICY_FIELDS);
    switch (kind) {
      case undefined:
        return undefined;
      case "largest":
        return { kind };
      case "sum": {
        const capBasisPoints = this.basisPoints(field(policy, "capBasisPoints"), at(path, "capBasisPoints"));
        return capBasisPoints === undefined ? undefined : { kind, capBasisPoints };
      }
    }
  }

  private lines(value: unknown, path: string): LinePolicy | undefined {
    const lines: InputObject | undefined = isAbsent(value) ? {} : this.object(value, path);
    if (lines === undefined) return undefined;
    this.refuseUnknownFields(lines, path, LINES_FIELDS);
    const maxDiscountBasisPoints = this.defaultedBasisPoints(
      field(lines, "maxDiscountBasisPoints"),
      at(path, "maxDiscountBasisPoints"),
      BASIS_POINTS_PER_WHOLE,
    );
    const noDiscountSkus = this.skuList(field(lines, "noDiscountSkus"), at(path, "noDiscountSkus"));
    const noPointsSkus = this.skuList(field(lines, "noPointsSkus"), at(path, "noPointsSkus"));
    if (maxDiscountBasisPoints === undefined || noDiscountSkus === undefined || noPointsSkus === undefined) return undefined;
    return { maxDiscountBasisPoints, noDiscountSkus, noPointsSkus };
  }

  private skuList(value: unknown, path: string): readonly string[] | undefined {
    return this.list(value, path, 0, SKU_LIST_MAX, (item, itemPath) => {
      const isSku =
        typeof item === "string" &&
        item.length > 0 &&
        item.length <= CLIENT_IDENTIFIER_LENGTH_MAX &&
        CLIENT_IDENTIFIER_PATTERN.test(item);
      return isSku ? item : this.report(itemPath, SKU_EXPECTATION);
    });
  }

  // Field readers.

  private report(path: string, message: string): undefined {
    this.problems.push({ path, message });
    return undefined;
  }

  private object(value: unknown, path: string, expectation = "must be an object"): InputObject | undefined {
    return isPlainObject(value) ? value : this.report(path, expectation);
  }

  private requiredObject(value: unknown, path: string): InputObject | undefined {
    return isAbsent(value) ? this.report(path, "is required") : this.object(value, path);
  }

  private refuseUnknownFields(input: InputObject, path: string, known: ReadonlySet<string>): void {
    for (const key of Object.keys(input)) {
      if (!known.has(key)) this.report(at(path, key), "is not a known field");
    }
  }

  private string(value: unknown, path: string, maxLength: number): string | undefined {
    if (isAbsent(value)) return this.report(path, "is required");
    if (typeof value !== "string") return this.report(path, "must be a string");
    if (value.length === 0) return this.report(path, "must not be empty");
    if (value.length > maxLength) return this.report(path, `must be at most ${maxLength} characters`);
    return value;
  }

  private name(value: unknown, path: string): string | undefined {
    return this.string(value, path, PROGRAM_NAME_LENGTH_MAX);
  }

  private id(value: unknown, path: string): string | undefined {
    const id = this.string(value, path, PROGRAM_ID_LENGTH_MAX);
    if (id === undefined) return undefined;
    if (!PROGRAM_ID_PATTERN.test(id)) return this.report(path, `must match ${String(PROGRAM_ID_PATTERN)}`);
    return id;
  }

  private integer(value: unknown, path: string, minimum: number, maximum: number): number | undefined {
    if (isAbsent(value)) return this.report(path, "is required");
    if (typeof value !== "number" || !Number.isInteger(value)) return this.report(path, "must be an integer");
    if (value < minimum) return this.report(path, `must be at least ${minimum}`);
    if (value > maximum) return this.report(path, `must be at most ${maximum}`);
    // JSON "-0" is an integer; keep it from reaching arithmetic as a negative zero.
    return value === 0 ? 0 : value;
  }

  private basisPoints(value: unknown, path: string): number | undefined {
    return this.integer(value, path, 0, BASIS_POINTS_PER_WHOLE);
  }

  private defaultedBasisPoints(value: unknown, path: string, fallback: number): number | undefined {
    return isAbsent(value) ? fallback : this.basisPoints(value, path);
  }

  /** A day count that may be null ("never"); absent means null too. */
  private nullableDays(value: unknown, path: string): number | null | undefined {
    return isAbsent(value) ? null : this.integer(value, path, 1, DAYS_WITHOUT_VISIT_MAX);
  }

  /** The `from` of a rule, criterion or condition: money for sold and paid, a count for visits. */
  private counterThreshold(value: unknown, path: string, counter: CounterName | undefined): number | undefined {
    return this.integer(value, path, 0, counter === "visits" ? VISITS_THRESHOLD_MAX : MONEY_THRESHOLD_MAX_MINOR);
  }

  private oneOf<Option extends string>(value: unknown, path: string, options: readonly Option[]): Option | undefined {
    if (isAbsent(value)) return this.report(path, "is required");
    if (typeof value === "string" && (options as readonly string[]).includes(value)) return value as Option;
    return this.report(path, `must be one of ${options.map((option) => JSON.stringify(option)).join(", ")}`);
  }

  private date(value: unknown, path: string): string | undefined {
    if (isAbsent(value)) return this.report(path, "is required");
    if (typeof value !== "string" || !isCalendarDate(value)) return this.report(path, "must be a real date written YYYY-MM-DD");
    return value;
  }

  /**
   * A list whose every item is read, so that all bad items are reported. A
   * list over its limit is reported once and its items are not read: the
   * work (and the problem list) stays bounded by the limit.
   */
  private list<Item>(
    value: unknown,
    path: string,
    minLength: number,
    maxLength: number,
    readItem: (item: unknown, itemPath: string) => Item | undefined,
  ): readonly Item[] | undefined {
    if (isAbsent(value)) return minLength === 0 ? [] : this.report(path, "is required");
    if (!Array.isArray(value)) return this.report(path, "must be an array");
    if (value.length < minLength) return this.report(path, `must have at least ${minLength} item${minLength === 1 ? "" : "s"}`);
    if (value.length > maxLength) return this.report(path, `must have at most ${maxLength} items`);
    const items: Item[] = [];
    let complete = true;
    value.forEach((item: unknown, index) => {
      const read = readItem(item, indexed(path, index));
      if (read === undefined) complete = false;
      else items.push(read);
    });
    return complete ? items : undefined;
  }

  private refuseDuplicateIds(listInput: unknown, listPath: string): void {
    this.refuseDuplicates(listInput, listPath, "id", (id) => typeof id === "string" && PROGRAM_ID_PATTERN.test(id));
  }

  /** Reports every item whose `key` repeats an earlier item's; values refused on their own are skipped. */
  private refuseDuplicates(listInput: unknown, listPath: string, key: string, isValid: (value: unknown) => boolean): void {
    if (!Array.isArray(listInput)) return;
    const firstIndexByValue = new Map<unknown, number>();
    listInput.forEach((item: unknown, index) => {
      if (!isPlainObject(item)) return;
      const value = field(item, key);
      if (!isValid(value)) return;
      const first = firstIndexByValue.get(value);
      if (first === undefined) firstIndexByValue.set(value, index);
      else {
        const original = at(indexed(listPath, first), key);
        this.report(at(indexed(listPath, index), key), `duplicates ${original} (${JSON.stringify(value)})`);
      }
    });
  }
}

// Helpers.

function fieldSet(...names: string[]): ReadonlySet<string> {
  return new Set(names);
}

/** An own field only: a document cannot reach Object.prototype through a field name. */
function field(input: InputObject, name: string): unknown {
  return Object.hasOwn(input, name) ? input[name] : undefined;
}

/** Absent and null mean the same in a program document: "not given". */
function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function isIntegerIn(value: unknown, minimum: number, maximum: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= minimum && value <= maximum;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `statuses` + `levels` -> `statuses.levels`; odd keys are quoted: `lines["no discount"]`. */
function at(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

function indexed(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** The string ids of a raw list's items, for references; `undefined` when the list itself is unreadable. */
function rawIds(listInput: unknown): ReadonlySet<string> | undefined {
  if (isAbsent(listInput)) return new Set();
  if (!Array.isArray(listInput)) return undefined;
  const ids = new Set<string>();
  for (const item of listInput as readonly unknown[]) {
    if (!isPlainObject(item)) continue;
    const id = field(item, "id");
    if (typeof id === "string") ids.add(id);
  }
  return ids;
}

function rawClassIds(classesInput: unknown): ClassIds {
  if (isAbsent(classesInput)) return { kind: "none" };
  if (!isPlainObject(classesInput)) return { kind: "unknown" };
  const classes = field(classesInput, "classes");
  const ids = isAbsent(classes) ? undefined : rawIds(classes);
  return ids === undefined ? { kind: "unknown" } : { kind: "known", ids };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** YYYY-MM-DD naming a day that exists in the proleptic Gregorian calendar. */
function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Freezes a freshly built definition all the way down; it shares nothing with the input. */
function deepFreeze<Value>(value: Value): Value {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
