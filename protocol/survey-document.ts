// Thread: any (types only): surveys over the admin API and the survey page (docs/surveys.md).
import type { SegmentCondition } from "./campaign-document.js";

export type SurveyQuestionKind = "single" | "multiple" | "scale" | "text";

/** One question. `options` for single and multiple choice; `min`/`max` for a scale; `maxLength` (UTF-8 bytes) for free text. */
export interface SurveyQuestion {
  readonly id: string;
  readonly text: string;
  readonly kind: SurveyQuestionKind;
  readonly required: boolean;
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly maxLength?: number;
}

/** Who is invited: everyone (null), the members of a stored segment (docs/campaigns.md), or a condition as is (status, category, ...). */
export type SurveyAudience = null | { readonly segment: string } | { readonly when: SegmentCondition };

/** The points a member gets for answering, in a lot of source `survey` (0: no reward). */
export interface SurveyReward {
  readonly points: number;
  /** Days the points live; absent: the program's `points.lifetimeDays`. */
  readonly lifetimeDays?: number;
  /** The partner funding the points (the lot's issuer); absent: the program's operator (""). */
  readonly partner?: string;
}

/** What an operator sends (`PUT /v1/admin/surveys/{id}`). */
export interface SurveyDefinition {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly questions: readonly SurveyQuestion[];
  readonly audience: SurveyAudience;
  /** Open from `start` (inclusive) to `end` (exclusive), epoch milliseconds. */
  readonly start: number;
  readonly end: number;
  readonly reward: SurveyReward;
}

/** A stored survey: the definition and its state. */
export interface Survey extends SurveyDefinition {
  /** `closed`: closed by an operator before its end; no more answers, no more invitations. */
  readonly state: "open" | "closed";
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The first invitation sweep's time; null before it. Questions and reward are frozen from then on. */
  readonly invitedAt: number | null;
}

export interface SurveyList {
  readonly surveys: readonly Survey[];
}

/**
 * A member's answers, by question id: a single choice's option index, a
 * multiple choice's option indices (ascending), a scale's value, a text.
 * A question not answered is absent.
 */
export type SurveyAnswers = Readonly<Record<string, number | readonly number[] | string>>;

/** What answering a survey did (the shard's answer, kept for a repeat). */
export interface SurveyAnswerResult {
  readonly member: string;
  readonly survey: string;
  /** Points rewarded (0: the survey gives none). */
  readonly points: number;
  /** The member's spendable balance right after. */
  readonly balance: number;
  /** The reward's lot id; null when no points. */
  readonly lot: number | null;
  readonly answeredAt: number;
}

/** `POST /v1/admin/surveys/{id}/invite`: what one sweep did. */
export interface SurveyInviteResult {
  readonly survey: string;
  /** Members invited by this call (an invitation goes to each member once). */
  readonly invited: number;
  /** Members of the audience invited before (by an earlier call). */
  readonly alreadyInvited: number;
  readonly scanned: number;
}

/**
 * `GET /v1/admin/surveys/{id}/results`: per question, how many answered it;
 * for choices, the count per option (by index); for a scale, the count per
 * value and the average in hundredths (`averageHundredths`: an integer,
 * floor of 100 x sum / answers; null when none).
 */
export interface SurveyQuestionResult {
  readonly question: string;
  readonly kind: SurveyQuestionKind;
  readonly answered: number;
  readonly options?: readonly number[];
  readonly values?: Readonly<Record<string, number>>;
  readonly averageHundredths?: number | null;
}

export interface SurveyResults {
  readonly survey: string;
  readonly answers: number;
  /** Points rewarded over all answers. */
  readonly pointsRewarded: number;
  readonly questions: readonly SurveyQuestionResult[];
}
