import type { AccountCounters, CounterTotals } from "../account/counters.js";
import { totalsOfPeriod } from "../account/counters.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import { BASIS_POINTS_PER_WHOLE } from "../money/basis-points.js";
import type { CategoryCondition, CategoryRule, DiscountPolicy, ImportanceClass, StatusLevel } from "../../protocol/program-document.js";
import type { CompiledProgram } from "./compiled-program.js";

/** One source of a receipt discount, cited by rule id so that a receipt can be explained. */
export interface DiscountSource {
  /** "status:<level>", "rule:<id>", "class:<id>" or "category:<id>". */
  readonly rule: string;
  readonly basisPoints: number;
}

/** Where a member stands at one instant: what the program gives them now, and why. */
export interface Standing {
  readonly period: number;
  readonly status: StatusLevel | null;
  readonly importanceClass: ImportanceClass | null;
  readonly categories: readonly string[];
  /** Every source that offers a discount now. */
  readonly discountSources: readonly DiscountSource[];
  /** The sources the discount policy applied. */
  readonly appliedDiscounts: readonly DiscountSource[];
  /** The receipt discount rate after the policy. */
  readonly discountBasisPoints: number;
  readonly accrualRateBasisPoints: number;
  /** The extra accrual of the card type presented ("card:<id>"), on top of accrualRateBasisPoints; absent: none. */
  readonly cardAccrual?: { readonly rule: string; readonly basisPoints: number };
  /** When the rules' discount lapses if the member does not visit (null: it does not lapse, or there is none). */
  readonly discountLapsesAt: number | null;
  /** When the importance class lapses if the member does not visit. */
  readonly classLapsesAt: number | null;
}

/** What standing reads of an account. */
export interface StandingInput {
  readonly counters: AccountCounters;
  /** Category membership after the member's last event. */
  readonly categories: readonly string[];
  /** Enrolment time: "days without a visit" of a member who never visited count from here. */
  readonly createdAt: number;
  /** The status of the member's last reported visit event, if any. */
  readonly lastVisitStatus: VisitStatus | null;
}

/** What a visit event reports; category rules may test the last one. */
export type VisitStatus = "came" | "didNotCome";

function counterValue(totals: CounterTotals, counter: "sold" | "paid" | "visits"): number {
  return totals[counter];
}

function daysWithoutVisitExceed(input: StandingInput, now: number, days: number): boolean {
  const lastSeen = input.counters.lastVisitAt ?? input.createdAt;
  return now - lastSeen > days * MILLISECONDS_PER_DAY;
}

/**
 * The status for the period of `now`: the highest level whose threshold the
 * member's counter EXCEEDED in the previous period, else the entry level.
 * Lazy and exact: a skipped period has zero totals, so it falls to entry.
 */
export function statusAt(compiled: CompiledProgram, counters: AccountCounters, period: number): StatusLevel | null {
  const statuses = compiled.program.statuses;
  if (statuses === null) return null;
  const previous = totalsOfPeriod(counters, period - 1);
  const value = counterValue(previous, statuses.counter);
  for (const level of compiled.levelsHighestFirst) {
    if (value > level.threshold) return level;
  }
  return compiled.entryLevel;
}

/** The highest-ranked class any of whose criteria holds on lifetime counters, unless it lapsed. */
export function importanceClassAt(compiled: CompiledProgram, input: StandingInput, now: number): ImportanceClass | null {
  const system = compiled.program.classes;
  if (system === null) return null;
  if (system.lapseAfterDaysWithoutVisit !== null && daysWithoutVisitExceed(input, now, system.lapseAfterDaysWithoutVisit)) {
    return null;
  }
  const lifetime = input.counters.lifetime;
  for (const candidate of compiled.classesHighestFirst) {
    for (const criterion of candidate.criteria) if (counterValue(lifetime, criterion.counter) >= criterion.from) return candidate;
  }
  return null;
}

/**
 * Category membership after applying the rules at `now`: add rules, then
 * remove rules (so remove wins when both hold), repeated until nothing
 * changes, because rules may refer to categories. A visit-status condition
 * holds while the member's last reported visit has that status. The number
 * of passes is bounded by the number of rules plus one: a program whose rules
 * keep flipping a category stops there, deterministically.
 */
export function categoriesAt(
  compiled: CompiledProgram,
  input: StandingInput,
  importanceClass: ImportanceClass | null,
  now: number,
): string[] {
  const rules = compiled.program.categoryRules;
  let members = new Set<string>();
  for (const id of input.categories) if (compiled.categoriesById.has(id)) members.add(id);
  const holds = (condition: CategoryCondition, before: ReadonlySet<string>): boolean => {
    if ("counter" in condition) return counterValue(input.counters.lifetime, condition.counter) >= condition.from;
    if ("daysWithoutVisitMoreThan" in condition) return daysWithoutVisitExceed(input, now, condition.daysWithoutVisitMoreThan);
    if ("visitStatus" in condition) return condition.visitStatus === input.lastVisitStatus;
    if ("inCategory" in condition) return before.has(condition.inCategory);
    return importanceClass?.id === condition.hasClass;
  };
  // Whether each rule holds in this pass (conditions read the membership the pass started from).
  const holding: boolean[] = [];
  for (let pass = 0; pass <= rules.length; pass += 1) {
    const before: ReadonlySet<string> = members;
    for (let index = 0; index < rules.length; index += 1) holding[index] = holds((rules[index] as CategoryRule).when, before);
    // No add brings a category in and no remove takes one out: the pass would end where it began.
    if (!passChanges(rules, holding, before)) break;
    const next = new Set(before);
    for (let index = 0; index < rules.length; index += 1) {
      const rule = rules[index] as CategoryRule;
      if (rule.action === "add" && holding[index] === true) next.add(rule.category);
    }
    for (let index = 0; index < rules.length; index += 1) {
      const rule = rules[index] as CategoryRule;
      if (rule.action === "remove" && holding[index] === true) next.delete(rule.category);
    }
    const changed = next.size !== before.size || !containsAll(before, next);
    members = next;
    if (!changed) break;
  }
  // Program order, so answers are stable.
  const inOrder: string[] = [];
  for (const category of compiled.program.categories) if (members.has(category.id)) inOrder.push(category.id);
  return inOrder;
}

/**
 * Whether applying the holding rules to `before` (adds, then removes) changes
 * it: a holding remove of a member, or a holding add of a non-member that no
 * holding remove takes out again (an add rule and a remove rule of one
 * category often hold together: the set of removes is made only then).
 */
function passChanges(rules: readonly CategoryRule[], holding: readonly boolean[], before: ReadonlySet<string>): boolean {
  let removed: Set<string> | null = null;
  for (let index = 0; index < rules.length; index += 1) {
    const rule = rules[index] as CategoryRule;
    if (rule.action !== "remove" || holding[index] !== true) continue;
    if (before.has(rule.category)) return true;
    removed ??= new Set();
    removed.add(rule.category);
  }
  for (let index = 0; index < rules.length; index += 1) {
    const rule = rules[index] as CategoryRule;
    if (rule.action === "add" && holding[index] === true && !before.has(rule.category) && removed?.has(rule.category) !== true) return true;
  }
  return false;
}

/** True when every member of `subset` is in `set`. */
function containsAll(set: ReadonlySet<string>, subset: ReadonlySet<string>): boolean {
  for (const id of subset) if (!set.has(id)) return false;
  return true;
}

/** Evaluates where a member stands at `now` under a program. Pure. */
export function evaluateStanding(compiled: CompiledProgram, input: StandingInput, now: number): Standing {
  const program = compiled.program;
  const period = compiled.calendar.periodOf(now).index;
  const status = statusAt(compiled, input.counters, period);
  const importanceClass = importanceClassAt(compiled, input, now);
  const categories = categoriesAt(compiled, input, importanceClass, now);

  const sources: DiscountSource[] = [];
  if (status !== null && status.discountBasisPoints > 0) {
    sources.push({ rule: `status:${status.id}`, basisPoints: status.discountBasisPoints });
  }
  const lapse = program.discountLapseAfterDaysWithoutVisit;
  const rulesLapsed = lapse !== null && daysWithoutVisitExceed(input, now, lapse);
  let ruleHolds = false;
  if (!rulesLapsed) {
    // Every holding rule is a source: "largest" picks the larger (the salon's rule), "sum" adds them.
    for (const rule of program.discountRules) {
      if (counterValue(input.counters.lifetime, rule.counter) < rule.from) continue;
      if (rule.discountBasisPoints === 0) continue;
      ruleHolds = true;
      sources.push({ rule: `rule:${rule.id}`, basisPoints: rule.discountBasisPoints });
    }
  }
  if (importanceClass !== null && importanceClass.discountBasisPoints > 0) {
    sources.push({ rule: `class:${importanceClass.id}`, basisPoints: importanceClass.discountBasisPoints });
  }
  for (const id of categories) {
    const category = compiled.categoriesById.get(id);
    if (category !== undefined && category.discountBasisPoints > 0) {
      sources.push({ rule: `category:${id}`, basisPoints: category.discountBasisPoints });
    }
  }

  const { discountBasisPoints, appliedDiscounts } = applyDiscountPolicy(program.discountPolicy, sources);
  const lastSeen = input.counters.lastVisitAt ?? input.createdAt;
  const classLapse = program.classes?.lapseAfterDaysWithoutVisit ?? null;
  return {
    period,
    status,
    importanceClass,
    categories,
    discountSources: sources,
    appliedDiscounts,
    discountBasisPoints,
    accrualRateBasisPoints: status?.accrualRateBasisPoints ?? program.points.accrualRateBasisPoints,
    discountLapsesAt: ruleHolds && lapse !== null ? lastSeen + lapse * MILLISECONDS_PER_DAY : null,
    classLapsesAt: importanceClass !== null && classLapse !== null ? lastSeen + classLapse * MILLISECONDS_PER_DAY : null,
  };
}

/** The receipt discount the policy gives for these sources: "largest" the largest one, "sum" all of them up to the cap. */
function applyDiscountPolicy(
  policy: DiscountPolicy,
  sources: readonly DiscountSource[],
): { readonly discountBasisPoints: number; readonly appliedDiscounts: readonly DiscountSource[] } {
  if (policy.kind === "sum") {
    let sum = 0;
    for (const source of sources) sum += source.basisPoints;
    return { discountBasisPoints: Math.min(sum, policy.capBasisPoints, BASIS_POINTS_PER_WHOLE), appliedDiscounts: sources };
  }
  let discountBasisPoints = 0;
  let appliedDiscounts: readonly DiscountSource[] = [];
  for (const source of sources) {
    if (source.basisPoints > discountBasisPoints) {
      discountBasisPoints = source.basisPoints;
      appliedDiscounts = [source];
    }
  }
  return { discountBasisPoints, appliedDiscounts };
}

/**
 * The standing of a receipt presented with a card of `cardTypeId` (null: no
 * type, or found by phone): the type's discount joins the sources as
 * "card:<id>" under the discount policy, its extra accrual is a second
 * accrual rule beside the member's rate (cardAccrual).
 * A type the program does not define (dropped by a later version) has no
 * effect. The same standing when the type adds nothing.
 */
export function standingWithCard(compiled: CompiledProgram, standing: Standing, cardTypeId: string | null): Standing {
  const cardType = cardTypeId === null ? undefined : compiled.cardTypesById.get(cardTypeId);
  if (cardType === undefined || (cardType.discountBasisPoints === 0 && cardType.extraAccrualBasisPoints === 0)) return standing;
  const sources =
    cardType.discountBasisPoints === 0
      ? standing.discountSources
      : [...standing.discountSources, { rule: `card:${cardType.id}`, basisPoints: cardType.discountBasisPoints }];
  return {
    ...standing,
    discountSources: sources,
    ...applyDiscountPolicy(compiled.program.discountPolicy, sources),
    ...(cardType.extraAccrualBasisPoints === 0 ? {} : { cardAccrual: { rule: `card:${cardType.id}`, basisPoints: cardType.extraAccrualBasisPoints } }),
  };
}

/** Whether a receipt presented with a card of this type may be paid with points (no type, or an unknown one: yes). */
export function cardMayPayWithPoints(compiled: CompiledProgram, cardTypeId: string | null): boolean {
  return cardTypeId === null || compiled.cardTypesById.get(cardTypeId)?.mayPayWithPoints !== false;
}
