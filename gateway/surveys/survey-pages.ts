// Thread: the gateway (main) thread.
import { HTTP_STATUS_BY_CODE, type ErrorCode } from "../../protocol/errors/error-codes.js";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import type { Survey } from "../../protocol/survey-document.js";
import { readSurveyAnswers } from "../../domain/surveys/survey-answers.js";
import type { ControlStore } from "../control/control-store.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { SurveyLinks } from "./survey-links.js";
import { isOpen } from "./survey-service.js";
import { surveyFormHtml, surveyRefusalHtml, surveyThanksHtml } from "./survey-html.js";

/** A page to send: its status and HTML. */
export interface SurveyPage {
  readonly status: number;
  readonly html: string;
}

/**
 * The member's survey page behind a personal link (`/s/<token>`): the token
 * is the credential (no session, no admin token). Showing it reads the
 * survey and whether the member answered; a submission is checked against
 * the survey here and answered and rewarded on the member's shard, once.
 */
export class SurveyPages {
  constructor(
    private readonly control: ControlStore,
    private readonly cluster: ShardCluster,
    private readonly links: SurveyLinks,
    private readonly clock: () => number,
  ) {}

  async show(token: string): Promise<SurveyPage> {
    const found = this.surveyOf(token);
    if ("status" in found) return found;
    const { survey, memberId } = found;
    const answered = await this.cluster.requestForMember({ kind: "surveyAnswered", memberId, survey: survey.id });
    if (!answered.ok) return refusal(answered.code, answered.message);
    if (answered.value.answer !== null) return { status: 200, html: surveyThanksHtml(survey, answered.value.answer, true) };
    if (!isOpen(survey, this.clock())) return closed(survey);
    return { status: 200, html: surveyFormHtml(survey) };
  }

  /** `fields`: the form's fields (question id -> values), decoded from the body. */
  async submit(token: string, fields: ReadonlyMap<string, readonly string[]>): Promise<SurveyPage> {
    const found = this.surveyOf(token);
    if ("status" in found) return found;
    const { survey, memberId } = found;
    if (!isOpen(survey, this.clock())) return closed(survey);
    let answers;
    try {
      answers = readSurveyAnswers(survey, fields);
    } catch (error) {
      if (!(error instanceof LoycoreError)) throw error;
      return { status: HTTP_STATUS_BY_CODE[error.code], html: surveyFormHtml(survey, { code: error.code, message: error.message, given: fields }) };
    }
    const reply = await this.cluster.requestForMember({ kind: "surveyAnswer", memberId, survey: survey.id, answers, reward: survey.reward });
    if (reply.ok) return { status: 200, html: surveyThanksHtml(survey, reply.value, reply.sequence === undefined) };
    if (reply.code !== "SURVEY_ALREADY_ANSWERED") return refusal(reply.code, reply.message);
    const first = await this.cluster.requestForMember({ kind: "surveyAnswered", memberId, survey: survey.id });
    if (!first.ok || first.value.answer === null) return refusal(reply.code, reply.message);
    return { status: HTTP_STATUS_BY_CODE.SURVEY_ALREADY_ANSWERED, html: surveyThanksHtml(survey, first.value.answer, true) };
  }

  /** The survey and member a genuine token names, or the page refusing it. */
  private surveyOf(token: string): { readonly survey: Survey; readonly memberId: string } | SurveyPage {
    const named = this.links.verify(token);
    if (named === null) return refusal("SURVEY_TOKEN_INVALID", "This link is not valid. Open it exactly as you received it.");
    const survey = this.control.readSurvey(named.surveyId);
    if (survey === undefined) return refusal("SURVEY_UNKNOWN", "This survey does not exist any more.");
    return { survey, memberId: named.memberId };
  }
}

function refusal(code: ErrorCode, message: string): SurveyPage {
  return { status: HTTP_STATUS_BY_CODE[code], html: surveyRefusalHtml(code, message) };
}

function closed(survey: Survey): SurveyPage {
  return refusal("SURVEY_CLOSED", `The survey "${survey.title}" is not open for answers.`);
}
