// Thread: any (pure); run by a shard worker thread.
import { hash } from "node:crypto";
import type { Account } from "../../domain/account/account.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { rewardForSurvey } from "../../domain/surveys/survey-reward.js";
import { surveyToken } from "../../domain/surveys/survey-token.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { SurveyAnswerResult, SurveyAnswers, SurveyReward } from "../../protocol/survey-document.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import type { SurveyAnswerReader } from "../../domain/campaigns/segment.js";
import { SURVEY_MEMBER } from "../storage/record-keys.js";
import type { ReceiptRecord } from "../storage/shard-store.js";
import { eventWrites } from "./outbox-events.js";
import { historyWrite, refused, storedAnswer, type OperationResult } from "./operation-result.js";
import { ADMIN_RECORD_STORE } from "./record-address.js";

/** A member's answer to a survey: the answer record's id under the survey's store of SURVEY_MEMBER. */
export const surveyAnswerRecordId = (memberId: string): string => `answer ${memberId}`;
/** Marks a member invited to a survey, under the member (a space: no receipt id has one). */
export const surveyInvitationRecordId = (surveyId: string): string => `survey-invitation ${surveyId}`;

/**
 * A member's answers to a survey as a segment reads them (domain/campaigns/segment.ts): one keyed read
 * of the member's answer record, made only when a condition names the survey.
 */
export function surveyAnswerReader(state: { readRecord(logicalShard: number, memberId: string, store: string, recordId: string): ReceiptRecord | undefined }, logicalShard: number, memberId: string): SurveyAnswerReader {
  return (survey) => {
    const record = state.readRecord(logicalShard, SURVEY_MEMBER, survey, surveyAnswerRecordId(memberId));
    return record === undefined ? null : storedAnswer<StoredSurveyAnswer>(record).answers;
  };
}

/** What the gateway sends a shard for a member's submission: checked against the survey already. */
export interface SurveySubmission {
  readonly survey: string;
  readonly answers: SurveyAnswers;
  readonly reward: SurveyReward;
}

/** The answer record's content: what the shard answered, and the answers (results and CSV read them). */
export type StoredSurveyAnswer = SurveyAnswerResult & { readonly answers: SurveyAnswers };

/** What an invitation needs to write a member's event: the link is made here, from the survey's key. */
export interface SurveyInvitation {
  readonly survey: string;
  readonly title: string;
  readonly endsAt: number;
  /** null: everyone; else who is in the audience now (a segment preview's test). */
  readonly when: SegmentCondition | null;
  /** The survey's link key (domain/surveys/survey-token.ts); never the node's secret. */
  readonly linkKey: string;
  /** `<public URL>/s/`: the token follows. */
  readonly linkBase: string;
}

/** The shard's answer to a submission, without the answers themselves. */
export function answerOf(stored: StoredSurveyAnswer): SurveyAnswerResult {
  const { answers: _answers, ...result } = stored;
  return result;
}

/**
 * Answers a survey and rewards it, once per (survey, member): the answer
 * record (under SURVEY_MEMBER, keyed by the survey and the member), the
 * reward's lot on the account, a `survey` history entry and the
 * `survey.reward` event, in one log record. The same answers again get the
 * first answer; other answers SURVEY_ALREADY_ANSWERED.
 */
export function answerSurvey(
  input: { readonly program: CompiledProgram; readonly account: Account; readonly existing: ReceiptRecord | undefined; readonly now: number },
  submission: SurveySubmission,
): OperationResult<SurveyAnswerResult> {
  const { program, account, existing, now } = input;
  const fingerprint = hash("sha256", JSON.stringify([account.memberId, submission.survey, submission.answers, submission.reward]), "base64url");
  if (existing !== undefined) {
    return existing.fingerprint === fingerprint
      ? { kind: "answered", answer: answerOf(storedAnswer<StoredSurveyAnswer>(existing)) }
      : refused(failure("SURVEY_ALREADY_ANSWERED", `member ${account.memberId} has already answered survey ${submission.survey}`));
  }
  const rewarded = rewardForSurvey(program, account, submission.survey, submission.reward, now);
  if (!rewarded.ok) return refused(rewarded);
  const next = rewarded.account;
  const points = rewarded.lot === null ? 0 : submission.reward.points;
  const result: SurveyAnswerResult = { member: account.memberId, survey: submission.survey, points, balance: next.balance, lot: rewarded.lot, answeredAt: now };
  const stored: StoredSurveyAnswer = { ...result, answers: submission.answers };
  const record: ReceiptRecord = { logicalShard: account.logicalShard, store: submission.survey, receiptId: surveyAnswerRecordId(account.memberId), memberId: SURVEY_MEMBER, fingerprint, answer: stored };
  const events = points === 0 ? [] : [{ kind: "survey.reward" as const, data: { survey: submission.survey, points, balance: next.balance, lot: rewarded.lot } }];
  return {
    kind: "applied",
    answer: result,
    account: next,
    writes: [
      { kind: "account", account: next },
      { kind: "receipt", receipt: record },
      historyWrite(next, now, "survey", { survey: submission.survey, points, lot: rewarded.lot }),
      ...eventWrites(next, now, events),
    ],
  };
}

/**
 * Invites one member: a record marking the invitation (so it is sent once,
 * whatever repeats or crashes), the account's next sequence (the event's id),
 * a `survey-invitation` history entry and the `survey.invitation` event with
 * the member's personal link, in one log record.
 */
export function inviteMember(account: Account, invitation: SurveyInvitation, now: number): Extract<OperationResult, { kind: "applied" }> {
  const next: Account = { ...account, sequence: account.sequence + 1 };
  const record: ReceiptRecord = { logicalShard: account.logicalShard, store: ADMIN_RECORD_STORE, receiptId: surveyInvitationRecordId(invitation.survey), memberId: account.memberId, fingerprint: "", answer: { at: now } };
  const link = `${invitation.linkBase}${surveyToken(invitation.linkKey, invitation.survey, account.memberId)}`;
  return {
    kind: "applied",
    answer: { member: account.memberId },
    account: next,
    writes: [
      { kind: "account", account: next },
      { kind: "receipt", receipt: record },
      historyWrite(next, now, "survey-invitation", { survey: invitation.survey }),
      ...eventWrites(next, now, [{ kind: "survey.invitation", data: { survey: invitation.survey, title: invitation.title, link, endsAt: invitation.endsAt } }]),
    ],
  };
}
