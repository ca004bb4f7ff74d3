// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { totalsOfPeriod, type AccountCounters } from "../account/counters.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import type { Standing } from "../engine/standing.js";
import type { SegmentCondition, SegmentFact } from "../../protocol/campaign-document.js";
import type { SurveyAnswers } from "../../protocol/survey-document.js";
import { ageOn, parseDate, type LocalDate, type LocalDateReader } from "./local-date.js";

/**
 * What a segment reads of a member at one instant: all of it already on the
 * shard (the account and the standing the receipt is priced on), so a
 * segment is evaluated per member when needed, never by a query over members.
 */
export interface SegmentSubject {
  readonly at: number;
  readonly createdAt: number;
  /** YYYY-MM-DD, or null: birth facts are unknown and their conditions do not hold. */
  readonly birthDate: string | null;
  readonly counters: AccountCounters;
  readonly standing: Standing;
  /** The type of the card presented; null: none (found by phone, or an untyped card). */
  readonly cardType: string | null;
  /** Points the member could spend before this receipt. */
  readonly balance: number;
  /** The local date in the program's time zone, read only when a birth fact needs it. */
  readonly dates: LocalDateReader;
  /** The member's answers to a survey (null: not answered), read only when a condition names a survey; null: not known here (survey conditions hold for nobody). */
  readonly surveyAnswers: SurveyAnswerReader | null;
}

/** Reads a member's answers to one survey from what the shard holds (docs/surveys.md); null when the member has not answered it. */
export type SurveyAnswerReader = (survey: string) => SurveyAnswers | null;

/** Whether the member is in the segment. Bounded: the validator limits depth and size. */
export function segmentHolds(condition: SegmentCondition, subject: SegmentSubject): boolean {
  if ("fact" in condition) {
    const value = factValue(condition.fact, subject);
    if (value === null) return false;
    return (condition.atLeast === null || value >= condition.atLeast) && (condition.atMost === null || value <= condition.atMost);
  }
  if ("status" in condition) return subject.standing.status !== null && condition.status.includes(subject.standing.status.id);
  if ("importanceClass" in condition) {
    const held = subject.standing.importanceClass;
    return held !== null && condition.importanceClass.includes(held.id);
  }
  if ("cardType" in condition) return subject.cardType !== null && condition.cardType.includes(subject.cardType);
  if ("inCategory" in condition) return subject.standing.categories.includes(condition.inCategory);
  if ("answeredSurvey" in condition) return surveyConditionHolds(condition, subject.surveyAnswers);
  if ("all" in condition) return condition.all.every((part) => segmentHolds(part, subject));
  if ("any" in condition) return condition.any.some((part) => segmentHolds(part, subject));
  return !segmentHolds(condition.not, subject);
}

/** A fact's value at the subject's instant; null when the member lacks it (no birth date). */
export function factValue(fact: SegmentFact, subject: SegmentSubject): number | null {
  switch (fact) {
    case "daysSinceRegistration":
      return wholeDays(subject.at - subject.createdAt);
    case "daysSinceLastVisit":
      return wholeDays(subject.at - (subject.counters.lastVisitAt ?? subject.createdAt));
    case "lifetimeSold":
      return subject.counters.lifetime.sold;
    case "lifetimePaid":
      return subject.counters.lifetime.paid;
    case "lifetimeVisits":
      return subject.counters.lifetime.visits;
    case "periodSold":
      return totalsOfPeriod(subject.counters, subject.standing.period).sold;
    case "periodPaid":
      return totalsOfPeriod(subject.counters, subject.standing.period).paid;
    case "periodVisits":
      return totalsOfPeriod(subject.counters, subject.standing.period).visits;
    case "pointsBalance":
      return subject.balance;
    case "age":
    case "birthMonth":
    case "birthDay":
      return birthFact(fact, subject);
  }
}

function birthFact(fact: "age" | "birthMonth" | "birthDay", subject: SegmentSubject): number | null {
  const birth: LocalDate | null = subject.birthDate === null ? null : parseDate(subject.birthDate);
  if (birth === null) return null;
  if (fact === "birthMonth") return birth.month;
  if (fact === "birthDay") return birth.day;
  return ageOn(birth, subject.dates.dateAt(subject.at));
}

function surveyConditionHolds(condition: { readonly answeredSurvey: string; readonly question: string | null; readonly option: number | null }, read: SurveyAnswerReader | null): boolean {
  const answers = read === null ? null : read(condition.answeredSurvey);
  if (answers === null) return false;
  if (condition.question === null) return true;
  if (!Object.hasOwn(answers, condition.question)) return false;
  const answer = answers[condition.question];
  if (condition.option === null) return answer !== undefined;
  if (typeof answer === "number") return answer === condition.option;
  return Array.isArray(answer) && answer.includes(condition.option);
}

/** Whole 24-hour days, never below zero (a receipt dated before enrolment is day 0). */
function wholeDays(milliseconds: number): number {
  return milliseconds <= 0 ? 0 : Math.floor(milliseconds / MILLISECONDS_PER_DAY);
}
