// Thread: the gateway (main) thread.
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import type { Survey, SurveyAnswers, SurveyQuestion } from "../../protocol/survey-document.js";
import type { AdminOutcome } from "../admin/admin-service.js";
import { TextAnswer } from "../operations/operation-outcome.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { SurveyAnswersPage } from "../../shard/shard-messages.js";
import { sweepLogicalShards } from "./logical-shard-sweep.js";

/** Answers a shard reads for one page: each a small record; a few milliseconds of a shard thread. */
export const SURVEY_ANSWERS_PAGE_RECORDS = 500;
/**
 * Answers one CSV export holds at most: about 100 MB of text at the largest
 * answers, built in the gateway's memory; a larger survey is refused
 * TOO_LARGE (its results, which keep only counts, have no such bound).
 */
export const SURVEY_CSV_ANSWERS_MAX = 100_000;

/** What a spreadsheet reads as the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

type SurveyAnswerRow = SurveyAnswersPage["answers"][number];

/** Hands every answer of the survey to `each`, logical shard by logical shard, a page at a time; `each` may stop the sweep with a refusal. */
export async function gatherAnswers(cluster: ShardCluster, surveyId: string, each: (answer: SurveyAnswerRow) => Outcome<object> | void): Promise<Outcome<object>> {
  return sweepLogicalShards(
    cluster.shardCount,
    async (logicalShard, after) => {
      const reply = await cluster.requestForLogicalShard({ kind: "surveyAnswers", logicalShard, survey: surveyId, afterMemberId: after, limit: SURVEY_ANSWERS_PAGE_RECORDS });
      return reply.ok ? { ok: true, value: reply.value } : failure(reply.code, reply.message);
    },
    (page) => {
      for (const answer of page.answers) {
        const taken = each(answer);
        if (taken !== undefined && !taken.ok) return taken;
      }
      return undefined;
    },
  );
}

/**
 * Every answer as CSV (RFC 4180: CRLF line ends, a field with a comma, a
 * quote or a line break quoted, quotes doubled): `member,answeredAt,points`
 * and one column per question (its id), rows in logical shard then member
 * order. A choice is its option's text (several joined by "; "), a scale its
 * value, a text as written (after a "'" when it starts as a formula would:
 * = + - @, a tab or a carriage return); an unanswered question is empty.
 */
export async function surveyAnswersCsv(cluster: ShardCluster, survey: Survey): Promise<AdminOutcome<TextAnswer>> {
  const lines: string[] = [["member", "answeredAt", "points", ...survey.questions.map((question) => question.id)].map(csvField).join(",")];
  const gathered = await gatherAnswers(cluster, survey.id, (answer) => {
    if (lines.length > SURVEY_CSV_ANSWERS_MAX) return failure("TOO_LARGE", `the survey has more than ${SURVEY_CSV_ANSWERS_MAX} answers: too many for one CSV export`);
    const cells = [answer.member, new Date(answer.answeredAt).toISOString(), String(answer.points), ...survey.questions.map((question) => cellOf(question, answer.answers))];
    lines.push(cells.map(csvField).join(","));
    return undefined;
  });
  if (!gathered.ok) return gathered;
  return { ok: true, value: new TextAnswer("text/csv; charset=utf-8", `${lines.join("\r\n")}\r\n`) };
}

function cellOf(question: SurveyQuestion, answers: SurveyAnswers): string {
  const answer = answers[question.id];
  if (answer === undefined) return "";
  // A member's text that a spreadsheet would run as a formula is kept as text (OWASP's CSV injection advice).
  if (typeof answer === "string") return FORMULA_START.test(answer) ? `'${answer}` : answer;
  const options = question.options;
  if (options === undefined) return String(answer);
  const indices = typeof answer === "number" ? [answer] : answer;
  return indices.map((index) => options[index] ?? String(index)).join("; ");
}

/** One RFC 4180 field. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
