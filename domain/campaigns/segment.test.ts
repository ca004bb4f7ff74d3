import { describe, expect } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { commitForMember } from "../engine/member-operations.js";
import { evaluateStanding, standingWithCard } from "../engine/standing.js";
import { compileProgram, DAY, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { itEach } from "../test-support/table-tests.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import type { SurveyAnswers } from "../../protocol/survey-document.js";
import { LocalDateReader } from "./local-date.js";
import { segmentHolds, type SurveyAnswerReader } from "./segment.js";

const PROGRAM = compileProgram(
  programDocument({
    points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 0 },
    statuses: {
      counter: "sold",
      entryLevel: "base",
      levels: [
        { id: "base", name: "Base", threshold: 0, discountBasisPoints: 0 },
        { id: "gold", name: "Gold", threshold: 100_000, discountBasisPoints: 500 },
      ],
    },
    classes: { classes: [{ id: "regular", name: "Regular", rank: 1, criteria: [{ counter: "visits", from: 2 }] }] },
    categories: [{ id: "vip", name: "VIP" }],
    categoryRules: [{ id: "vip-sold", action: "add", category: "vip", when: { counter: "sold", from: 5_000 } }],
    cardTypes: [{ id: "gold-card", name: "Gold card" }],
  }),
);
const ENROLLED = moscow(2025, 5, 20);
const NOW = moscow(2026, 5, 20);
const DATES = new LocalDateReader("Europe/Moscow");

/** Born on 21 May 1990 (turns 36 the day after NOW); two receipts of 3,000 in April 2026 (the last on 10 April). */
function member(): Account {
  let account = openAccount("m0000000000000001", 1, { ...TEST_PROFILE, birthDate: "1990-05-21" }, ENROLLED);
  for (const at of [moscow(2026, 4, 5), moscow(2026, 4, 10)]) {
    const committed = commitForMember(PROGRAM, account, receiptAt(at, [3_000]), 0, { now: at, partner: "p" });
    if (!committed.ok) throw new Error(committed.message);
    account = committed.account;
  }
  return account;
}

const MEMBER = member();

function holds(
  when: SegmentCondition,
  options: { readonly at?: number; readonly cardType?: string | null; readonly account?: Account; readonly surveys?: Readonly<Record<string, SurveyAnswers>> } = {},
): boolean {
  const account = options.account ?? MEMBER;
  const at = options.at ?? NOW;
  const cardType = options.cardType ?? null;
  const standing = standingWithCard(PROGRAM, evaluateStanding(PROGRAM, account, at), cardType);
  return segmentHolds(when, { at, createdAt: account.createdAt, birthDate: account.profile.birthDate, counters: account.counters, standing, cardType, balance: 600, dates: DATES, surveyAnswers: options.surveys === undefined ? null : readAnswers(options.surveys) });
}

/** The member answered survey "taste" (question "q1" option 2, "q2" options 0 and 3, "q3" scale 8, "q4" a text); nothing else. */
const SURVEYS: Readonly<Record<string, SurveyAnswers>> = { taste: { q1: 2, q2: [0, 3], q3: 8, q4: "fine" } };

function readAnswers(surveys: Readonly<Record<string, SurveyAnswers>>): SurveyAnswerReader {
  return (survey) => (Object.hasOwn(surveys, survey) ? (surveys[survey] as SurveyAnswers) : null);
}

describe("segments: a filter over what the shard holds about a member at one instant", () => {
  itEach<{ name: string; when: SegmentCondition; expected: boolean; at?: number; cardType?: string | null }>([
    { name: "days since registration: 365 on the anniversary holds at least 365", when: { fact: "daysSinceRegistration", atLeast: 365, atMost: null }, expected: true },
    { name: "days since registration: not at least 366", when: { fact: "daysSinceRegistration", atLeast: 366, atMost: null }, expected: false },
    { name: "age: 35 the day before the 36th birthday", when: { fact: "age", atLeast: 35, atMost: 35 }, expected: true },
    { name: "age: 36 on the birthday (Moscow date)", when: { fact: "age", atLeast: 36, atMost: null }, expected: true, at: moscow(2026, 5, 21, 0, 30) },
    { name: "birth month and day: May 21", when: { all: [{ fact: "birthMonth", atLeast: 5, atMost: 5 }, { fact: "birthDay", atLeast: 21, atMost: 21 }] }, expected: true },
    { name: "lifetime sold from 6,000", when: { fact: "lifetimeSold", atLeast: 6_000, atMost: null }, expected: true },
    { name: "lifetime paid at most 5,999 does not hold", when: { fact: "lifetimePaid", atLeast: null, atMost: 5_999 }, expected: false },
    { name: "lifetime visits exactly 2", when: { fact: "lifetimeVisits", atLeast: 2, atMost: 2 }, expected: true },
    { name: "current-period visits: none yet in May", when: { fact: "periodVisits", atLeast: null, atMost: 0 }, expected: true },
    { name: "current-period sold: April's 6,000 counted in April", when: { fact: "periodSold", atLeast: 6_000, atMost: null }, expected: true, at: moscow(2026, 4, 30) },
    { name: "current-period paid in April", when: { fact: "periodPaid", atLeast: 1, atMost: null }, expected: true, at: moscow(2026, 4, 30) },
    { name: "points balance from 600", when: { fact: "pointsBalance", atLeast: 600, atMost: null }, expected: true },
    { name: "days since the last visit: 40 on 20 May", when: { fact: "daysSinceLastVisit", atLeast: 39, atMost: 40 }, expected: true },
    { name: "status: base (April sold 6,000 is not above gold's 100,000)", when: { status: ["base"] }, expected: true },
    { name: "status: not gold", when: { status: ["gold"] }, expected: false },
    { name: "importance class: regular after two visits", when: { importanceClass: ["regular"] }, expected: true },
    { name: "category: vip after 5,000 sold", when: { inCategory: "vip" }, expected: true },
    { name: "card type: the card presented", when: { cardType: ["gold-card"] }, expected: true, cardType: "gold-card" },
    { name: "card type: found by phone has none", when: { cardType: ["gold-card"] }, expected: false },
    { name: "any: one of them is enough", when: { any: [{ status: ["gold"] }, { inCategory: "vip" }] }, expected: true },
    { name: "all: every one is needed", when: { all: [{ status: ["gold"] }, { inCategory: "vip" }] }, expected: false },
    { name: "not: negates", when: { not: { status: ["gold"] } }, expected: true },
    { name: "an empty any holds for nobody", when: { any: [] }, expected: false },
  ])((row) => {
    expect(holds(row.when, { ...(row.at === undefined ? {} : { at: row.at }), ...(row.cardType === undefined ? {} : { cardType: row.cardType }) })).toBe(row.expected);
  });

  itEach([
    { name: "a member without a birth date is in no birth-date segment, not even a negated bound", when: { fact: "age", atLeast: 0, atMost: null } as SegmentCondition },
    { name: "a member without a birth date has no birth month", when: { fact: "birthMonth", atLeast: 1, atMost: 12 } as SegmentCondition },
  ])((row) => {
    const account = openAccount("m0000000000000002", 1, TEST_PROFILE, NOW - 10 * DAY);
    expect(holds(row.when, { account })).toBe(false);
  });

  itEach<{ name: string; when: SegmentCondition; expected: boolean; known?: boolean }>([
    { name: "answered survey: the member answered it", when: { answeredSurvey: "taste", question: null, option: null }, expected: true },
    { name: "answered survey: not one the member did not answer", when: { answeredSurvey: "other", question: null, option: null }, expected: false },
    { name: "answered survey: a question answered", when: { answeredSurvey: "taste", question: "q4", option: null }, expected: true },
    { name: "answered survey: a question not answered", when: { answeredSurvey: "taste", question: "q9", option: null }, expected: false },
    { name: "answered survey: the single choice's option", when: { answeredSurvey: "taste", question: "q1", option: 2 }, expected: true },
    { name: "answered survey: another option of the single choice", when: { answeredSurvey: "taste", question: "q1", option: 1 }, expected: false },
    { name: "answered survey: one of the multiple choice's options", when: { answeredSurvey: "taste", question: "q2", option: 3 }, expected: true },
    { name: "answered survey: an option the multiple choice did not take", when: { answeredSurvey: "taste", question: "q2", option: 1 }, expected: false },
    { name: "answered survey: the scale's value", when: { answeredSurvey: "taste", question: "q3", option: 8 }, expected: true },
    { name: "answered survey: a text has no option", when: { answeredSurvey: "taste", question: "q4", option: 0 }, expected: false },
    { name: "answered survey: not answered is negated by not", when: { not: { answeredSurvey: "other", question: null, option: null } }, expected: true },
    { name: "answered survey: where answers are not known (no reader) it holds for nobody", when: { answeredSurvey: "taste", question: null, option: null }, expected: false, known: false },
  ])((row) => {
    expect(holds(row.when, row.known === false ? {} : { surveys: SURVEYS })).toBe(row.expected);
  });
});
