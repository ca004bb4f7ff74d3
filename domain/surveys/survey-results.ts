// Thread: any; pure domain (no I/O, no clock).
import type { Survey, SurveyAnswers, SurveyQuestionResult, SurveyResults } from "../../protocol/survey-document.js";

/**
 * The results of a survey, counted one member's answers at a time (the
 * gateway feeds it the pages it reads from every shard): per question how
 * many answered, per option how many chose it, per scale value how many gave
 * it and the average in hundredths (an integer: floor(100 x sum / count)).
 */
export class SurveyTally {
  private answers = 0;
  private points = 0;
  private readonly answered = new Map<string, number>();
  private readonly optionCounts = new Map<string, number[]>();
  private readonly valueCounts = new Map<string, Map<number, number>>();
  private readonly sums = new Map<string, number>();

  constructor(private readonly survey: Pick<Survey, "id" | "questions">) {
    for (const question of survey.questions) {
      if (question.options !== undefined) this.optionCounts.set(question.id, question.options.map(() => 0));
      if (question.kind === "scale") this.valueCounts.set(question.id, new Map());
    }
  }

  add(answers: SurveyAnswers, points: number): void {
    this.answers += 1;
    this.points += points;
    for (const question of this.survey.questions) {
      const answer = answers[question.id];
      if (answer === undefined) continue;
      this.answered.set(question.id, (this.answered.get(question.id) ?? 0) + 1);
      const options = this.optionCounts.get(question.id);
      if (options !== undefined) for (const index of typeof answer === "number" ? [answer] : Array.isArray(answer) ? answer : []) if (index < options.length) options[index] = (options[index] ?? 0) + 1;
      const values = this.valueCounts.get(question.id);
      if (values !== undefined && typeof answer === "number") {
        values.set(answer, (values.get(answer) ?? 0) + 1);
        this.sums.set(question.id, (this.sums.get(question.id) ?? 0) + answer);
      }
    }
  }

  result(): SurveyResults {
    const questions = this.survey.questions.map((question): SurveyQuestionResult => {
      const answered = this.answered.get(question.id) ?? 0;
      const base = { question: question.id, kind: question.kind, answered };
      const options = this.optionCounts.get(question.id);
      if (options !== undefined) return { ...base, options: [...options] };
      const values = this.valueCounts.get(question.id);
      if (values === undefined) return base;
      const sum = this.sums.get(question.id) ?? 0;
      const ordered = [...values.entries()].sort(([left], [right]) => left - right);
      return { ...base, values: Object.fromEntries(ordered.map(([value, count]) => [String(value), count])), averageHundredths: answered === 0 ? null : Math.floor((100 * sum) / answered) };
    });
    return { survey: this.survey.id, answers: this.answers, pointsRewarded: this.points, questions };
  }
}
