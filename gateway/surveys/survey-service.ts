// Thread: the gateway (main) thread.
import { failure } from "../../protocol/errors/loycore-error.js";
import type { Survey, SurveyDefinition, SurveyInviteResult, SurveyList, SurveyResults } from "../../protocol/survey-document.js";
import { SURVEYS_OPEN_MAX, SURVEYS_STORED_MAX, validateSurvey } from "../../domain/surveys/validate-survey.js";
import { validateSegmentCondition } from "../../domain/campaigns/validate-campaigns.js";
import { ProgramValidationError } from "../../domain/program/validate-program-document.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import type { ControlStore } from "../control/control-store.js";
import { KeyLocks } from "../operations/key-locks.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "../admin/admin-service.js";
import { TextAnswer } from "../operations/operation-outcome.js";
import { SurveyLinks } from "./survey-links.js";
import { inviteAudience } from "./survey-invitations.js";
import { gatherAnswers, surveyAnswersCsv } from "./survey-answer-sweep.js";
import { SurveyTally } from "../../domain/surveys/survey-results.js";

/**
 * Surveys over the admin API (docs/surveys.md): definitions in the control
 * store (one record per survey, written with its audit entry), invitations
 * swept over every logical shard, results and answers gathered from them.
 * The shard threads need no definition: the gateway checks a page's answers
 * against it and sends the shard a self-contained request. Writes run one at a time.
 */
export class SurveyService {
  private readonly locks = new KeyLocks();
  readonly links: SurveyLinks;

  constructor(
    private readonly control: ControlStore,
    private readonly cluster: ShardCluster,
    private readonly clock: () => number,
    /** Where a member's link points: the node's public URL (`LOYCORE_PUBLIC_URL`, else the address it listens on). */
    publicUrl: () => string,
    /** Whether some enabled webhook endpoint takes `survey.invitation` (the shards check again: they write only such kinds). */
    private readonly invitationsDelivered: () => boolean = () => true,
  ) {
    this.links = new SurveyLinks(control, publicUrl);
  }

  list(): AdminOutcome<SurveyList> {
    return { ok: true, value: { surveys: this.control.listSurveys(SURVEYS_STORED_MAX) } };
  }

  get(id: string): AdminOutcome<Survey> {
    const survey = this.control.readSurvey(id);
    return survey === undefined ? failure("SURVEY_UNKNOWN", `no survey ${id}`) : { ok: true, value: survey };
  }

  /** Creates or replaces a survey's definition; after its first invitation its questions and reward stay as they are. */
  async put(id: string, input: unknown, operator: string): Promise<AdminOutcome<Survey>> {
    const body = typeof input === "object" && input !== null ? { id, ...(input as Record<string, unknown>) } : input;
    const definition = validateSurvey(body, (condition) => this.readCondition(condition));
    if (definition.id !== id) return failure("BAD_REQUEST", `id must be the path's id (${id}) or absent`);
    const audience = definition.audience;
    if (audience !== null && "segment" in audience && this.segmentCondition(audience.segment) === undefined) return failure("BAD_REQUEST", `audience.segment names no segment of the campaigns document (${audience.segment})`);
    return this.locks.run(["surveys"], async () => {
      const now = this.clock();
      const before = this.control.readSurvey(id);
      const refusal = this.refusal(before, definition, now);
      if (refusal !== null) return refusal;
      const survey: Survey = { ...definition, state: before?.state ?? "open", createdAt: before?.createdAt ?? now, updatedAt: now, invitedAt: before?.invitedAt ?? null };
      await this.control.writeSurvey(survey, { at: now, action: "survey.put", operator, detail: { survey: id, created: before === undefined } });
      return { ok: true, value: survey };
    });
  }

  /** Closes a survey: no more answers or invitations (its answers stay). */
  async close(id: string, operator: string): Promise<AdminOutcome<Survey>> {
    return this.locks.run(["surveys"], async () => {
      const before = this.control.readSurvey(id);
      if (before === undefined) return failure("SURVEY_UNKNOWN", `no survey ${id}`);
      if (before.state === "closed") return { ok: true, value: before };
      const now = this.clock();
      const survey: Survey = { ...before, state: "closed", updatedAt: now };
      await this.control.writeSurvey(survey, { at: now, action: "survey.close", operator, detail: { survey: id } });
      return { ok: true, value: survey };
    });
  }

  /** Sends `survey.invitation` to every member of the audience not yet invited (survey-invitations.ts). */
  async invite(id: string, operator: string): Promise<AdminOutcome<SurveyInviteResult>> {
    const survey = this.control.readSurvey(id);
    if (survey === undefined) return failure("SURVEY_UNKNOWN", `no survey ${id}`);
    const now = this.clock();
    if (!isOpen(survey, now)) return failure("SURVEY_CLOSED", `survey ${id} is not open (closed, or outside ${survey.start} to ${survey.end})`);
    const audience = survey.audience;
    const when = audience === null ? null : "when" in audience ? audience.when : this.segmentCondition(audience.segment);
    if (when === undefined) return failure("BAD_REQUEST", `audience.segment names no segment of the campaigns document any more`);
    if (!this.invitationsDelivered()) return failure("SURVEY_NO_ENDPOINT", "no enabled webhook endpoint takes survey.invitation: the invitations would reach no one");
    if (survey.invitedAt === null) {
      await this.locks.run(["surveys"], async () => {
        const current = this.control.readSurvey(id);
        if (current !== undefined && current.invitedAt === null) await this.control.writeSurvey({ ...current, invitedAt: now }, { at: now, action: "survey.freeze", operator, detail: { survey: id } });
      });
    }
    const invited = await inviteAudience(this.cluster, { survey, when, linkKey: await this.links.keyOf(id), linkBase: this.links.base() });
    if (invited.ok) await this.control.appendAudit({ at: now, action: "survey.invite", operator, detail: { survey: id, invited: invited.value.invited } });
    return invited;
  }

  /** Per-question counts and averages over every member's answer (read from every logical shard, a page at a time). */
  async results(id: string): Promise<AdminOutcome<SurveyResults>> {
    const survey = this.control.readSurvey(id);
    if (survey === undefined) return failure("SURVEY_UNKNOWN", `no survey ${id}`);
    const tally = new SurveyTally(survey);
    const gathered = await gatherAnswers(this.cluster, id, (answer) => tally.add(answer.answers, answer.points));
    return gathered.ok ? { ok: true, value: tally.result() } : gathered;
  }

  /** Every answer as CSV (RFC 4180): one row per member, one column per question. */
  async answersCsv(id: string): Promise<AdminOutcome<TextAnswer>> {
    const survey = this.control.readSurvey(id);
    if (survey === undefined) return failure("SURVEY_UNKNOWN", `no survey ${id}`);
    return surveyAnswersCsv(this.cluster, survey);
  }

  /** The open-count and frozen-questions rules for a new definition; null when it may be stored. */
  private refusal(before: Survey | undefined, definition: SurveyDefinition, now: number): AdminOutcome<never> | null {
    const stored = this.control.listSurveys(SURVEYS_STORED_MAX + 1);
    if (before === undefined && stored.length >= SURVEYS_STORED_MAX) return failure("TOO_LARGE", `at most ${SURVEYS_STORED_MAX} surveys are stored`);
    const open = stored.filter((survey) => survey.id !== definition.id && survey.state === "open" && survey.end > now).length;
    if ((before?.state ?? "open") === "open" && definition.end > now && open >= SURVEYS_OPEN_MAX) return failure("TOO_LARGE", `at most ${SURVEYS_OPEN_MAX} surveys are open at once; close one first`);
    if (before !== undefined && before.invitedAt !== null) {
      const frozen = JSON.stringify([before.questions, before.reward]) !== JSON.stringify([definition.questions, definition.reward]);
      if (frozen) return failure("CONFLICT", `survey ${definition.id} has sent invitations: its questions and reward can no longer change`);
    }
    return null;
  }

  /** A segment condition read by the campaigns' validator; its problems' paths start at `audience.when`. */
  private readCondition(condition: unknown): SegmentCondition {
    try {
      return validateSegmentCondition(condition, this.control.currentProgram() ?? null);
    } catch (error) {
      if (!(error instanceof ProgramValidationError)) throw error;
      throw new ProgramValidationError(error.problems.map((problem) => ({ ...problem, path: `audience.${problem.path}` })));
    }
  }

  private segmentCondition(segment: string): SegmentCondition | undefined {
    return this.control.currentCampaigns()?.segments.find((each) => each.id === segment)?.when;
  }
}

/** Open: not closed by an operator, and `now` within [start, end). */
export function isOpen(survey: Survey, now: number): boolean {
  return survey.state === "open" && now >= survey.start && now < survey.end;
}
