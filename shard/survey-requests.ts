// Thread: a shard worker thread (the ShardActor's): surveys' pages over a logical shard (docs/surveys.md).
import type { Account } from "../domain/account/account.js";
import { LocalDateReader } from "../domain/campaigns/local-date.js";
import { memberInSegment } from "../domain/campaigns/segment-members.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import type { Outcome } from "../protocol/errors/loycore-error.js";
import { SURVEY_MEMBER } from "./storage/record-keys.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import type { OperationResult } from "./operations/operation-result.js";
import { inviteMember, surveyAnswerRecordId, surveyInvitationRecordId, type StoredSurveyAnswer, surveyAnswerReader } from "./operations/survey-operations.js";
import type { SurveyAnswersPage, SurveyAnswersShardRequest, SurveyInvitePage, SurveyInviteShardRequest } from "./shard-messages.js";
import type { ShardState } from "./state/shard-state.js";

/** What the survey pages need of the actor: its state, and logging one member's operation (its log sequence, or the log's refusal). */
export interface SurveyHost {
  readonly state: ShardState;
  apply(before: Account, result: Extract<OperationResult, { kind: "applied" }>): Outcome<{ readonly sequence: number }>;
}

/**
 * One page of an invitation sweep: the logical shard's stored members after
 * `afterMemberId` (at most `limit`), each in the audience now and not yet
 * invited to the survey invited (one log record each). `lastSequence`: the
 * last record written, whose durability the answer waits for (null: none).
 */
export function surveyInvitePage(host: SurveyHost, program: CompiledProgram, request: SurveyInviteShardRequest, now: number): Outcome<SurveyInvitePage & { readonly lastSequence: number | null }> {
  const { logicalShard, invitation } = request;
  const memberIds = host.state.scanMembers(logicalShard, request.afterMemberId, request.limit);
  const dates = new LocalDateReader(program.program.timeZone);
  let invited = 0;
  let alreadyInvited = 0;
  let lastSequence: number | null = null;
  for (const memberId of memberIds) {
    // The account as it is now (the overlay's if changed since the checkpoint); kept out of the cache unless already there.
    const account = host.state.readAccount(logicalShard, memberId, false);
    if (account === undefined) continue;
    if (invitation.when !== null && !memberInSegment(program, invitation.when, account, now, dates, surveyAnswerReader(host.state, logicalShard, memberId))) continue;
    if (host.state.readRecord(logicalShard, memberId, ADMIN_RECORD_STORE, surveyInvitationRecordId(invitation.survey)) !== undefined) {
      alreadyInvited += 1;
      continue;
    }
    const logged = host.apply(account, inviteMember(account, invitation, now));
    if (!logged.ok) return logged;
    lastSequence = logged.sequence;
    invited += 1;
  }
  return { ok: true, scanned: memberIds.length, invited, alreadyInvited, next: memberIds.length < request.limit ? null : (memberIds.at(-1) ?? null), lastSequence };
}

/** One page of a survey's answers in a logical shard, in member order after `afterMemberId`. */
export function surveyAnswersPage(state: ShardState, request: SurveyAnswersShardRequest): SurveyAnswersPage {
  const after = request.afterMemberId === null ? null : surveyAnswerRecordId(request.afterMemberId);
  const records = state.readRecordsOfStore(request.logicalShard, SURVEY_MEMBER, request.survey, after, request.limit);
  const answers = records.map((record) => {
    const stored = record.answer as StoredSurveyAnswer;
    return { member: stored.member, answers: stored.answers, points: stored.points, answeredAt: stored.answeredAt };
  });
  return { answers, next: records.length < request.limit ? null : (answers.at(-1)?.member ?? null) };
}
