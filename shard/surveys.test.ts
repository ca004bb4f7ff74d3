import { describe, expect, it } from "vitest";
import { simpleProgram } from "../domain/test-support/simple-program.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { surveyLinkKey, surveySignatureValid, surveyTokenParts } from "../domain/surveys/survey-token.js";
import type { SurveyAnswerResult } from "../protocol/survey-document.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";
import type { OutboxEntry, ShardReply, ShardRequest, SurveyAnswersPage, SurveyInvitePage } from "./shard-messages.js";

const MEMBER = "m00000000000000c1";
const LOGICAL = logicalShardOf(MEMBER);
const NOW = Date.UTC(2026, 2, 1);
const NO_AUTOMATIC_CHECKPOINT = { triggerBytes: 1024 * 1024 * 1024, intervalMilliseconds: 1_000_000_000, overlayBytesMax: 2 * 1024 * 1024 * 1024 };
const REWARD = { points: 150, lifetimeDays: 30, partner: "partner-1" };
const ANSWER: ShardRequest = { kind: "surveyAnswer", ref: 5, logicalShard: LOGICAL, memberId: MEMBER, survey: "nps", answers: { recommend: 9, words: "fine" }, reward: REWARD };

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

function open(files: MemoryShardFiles): MemoryShardActor {
  return openMemoryShardActor({ program: simpleProgram(), files, clock: () => NOW, checkpoint: NO_AUTOMATIC_CHECKPOINT });
}

async function enrol(shard: MemoryShardActor, memberId = MEMBER): Promise<void> {
  valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard: logicalShardOf(memberId), memberId, profile: { card: memberId, phone: null, name: null, birthDate: null } }));
}

async function surveyLots(shard: MemoryShardActor): Promise<{ source: string; points: number; partner: string; reference: string; expiresAt: number | null }[]> {
  const view = valueOf<{ lots: { source: string; points: number; partner: string; reference: string; expiresAt: number | null }[] }>(await shard.call({ kind: "lookup", ref: 8, logicalShard: LOGICAL, memberId: MEMBER, detail: true }));
  return view.lots.filter((lot) => lot.source === "survey");
}

async function events(shard: MemoryShardActor, kind: string): Promise<OutboxEntry[]> {
  const page = valueOf<{ entries: OutboxEntry[] }>(await shard.call({ kind: "outboxRead", ref: 9, section: "events", endpoint: null, after: null, limit: 100 }));
  return page.entries.filter((entry) => entry.kind === kind);
}

describe("a survey on a shard", () => {
  it("answers and rewards once: a lot of source survey and survey.reward in the answer's log record; the same answers again get the first answer, other answers SURVEY_ALREADY_ANSWERED", async () => {
    const shard = open(new MemoryShardFiles());
    await enrol(shard);
    const first = await shard.call(ANSWER);
    expect(first).toMatchObject({ ok: true, sequence: expect.any(Number) });
    expect(valueOf<SurveyAnswerResult>(first)).toEqual({ member: MEMBER, survey: "nps", points: 150, balance: 150, lot: expect.any(Number), answeredAt: NOW });
    const again = await shard.call({ ...ANSWER, ref: 6 });
    expect(again.ok && again.sequence).toBe(undefined);
    expect(valueOf(again)).toEqual(valueOf(first));
    expect(await shard.call({ ...ANSWER, ref: 7, answers: { recommend: 3 } })).toMatchObject({ ok: false, code: "SURVEY_ALREADY_ANSWERED" });
    expect(await surveyLots(shard)).toEqual([{ source: "survey", points: 150, partner: "partner-1", reference: "survey:nps", expiresAt: NOW + 30 * 86_400_000, remaining: 150, held: 0, id: expect.any(Number), accruedAt: NOW, activatesAt: NOW } as never]);
    expect((await events(shard, "survey.reward")).map((event) => event.data)).toEqual([{ survey: "nps", points: 150, balance: 150, lot: valueOf<SurveyAnswerResult>(first).lot }]);
    expect(valueOf(await shard.call({ kind: "surveyAnswered", ref: 10, logicalShard: LOGICAL, memberId: MEMBER, survey: "nps" }))).toEqual({ answer: valueOf(first) });
    expect(valueOf(await shard.call({ kind: "surveyAnswered", ref: 11, logicalShard: LOGICAL, memberId: MEMBER, survey: "other" }))).toEqual({ answer: null });
  });

  it("rewards once across a crash: an answer lost before it was durable is made again by the retry, one made durable is only answered again", async () => {
    const files = new MemoryShardFiles();
    const shard = open(files);
    await enrol(shard);
    await settleTurns();
    // Appended, crashed before its log record synced: never acknowledged, nothing kept.
    shard.log.holdSyncs();
    shard.send(ANSWER);
    await settleTurns();
    expect(shard.replies).toHaveLength(0);
    shard.log.crash();
    const second = open(files);
    expect(await surveyLots(second)).toEqual([]);
    const retried = valueOf<SurveyAnswerResult>(await second.call(ANSWER));
    expect(retried.points).toBe(150);
    await settleTurns();
    second.log.crash();
    const third = open(files);
    const repeated = await third.call(ANSWER);
    expect(repeated.ok && repeated.sequence).toBe(undefined);
    expect(valueOf(repeated)).toEqual(retried);
    expect((await surveyLots(third)).map((lot) => lot.points)).toEqual([150]);
    expect(await events(third, "survey.reward")).toHaveLength(1);
    await third.actor.checkpointNow();
    const page = valueOf<SurveyAnswersPage>(await third.call({ kind: "surveyAnswers", ref: 3, logicalShard: LOGICAL, survey: "nps", afterMemberId: null, limit: 10 }));
    expect(page).toEqual({ answers: [{ member: MEMBER, answers: { recommend: 9, words: "fine" }, points: 150, answeredAt: NOW }], next: null });
  });

  it("invites each member of the audience once, with a link signed by the survey's key, however often the sweep runs and across a restart", async () => {
    const files = new MemoryShardFiles();
    const shard = open(files);
    const members = ["m00000000000000c1", "m00000000000000c2", "m00000000000000c3"];
    for (const member of members) await enrol(shard, member);
    await shard.actor.checkpointNow();
    const linkKey = surveyLinkKey("node secret", "nps");
    const invitation = { survey: "nps", title: "How are we doing?", endsAt: NOW + 1_000, when: null, linkKey, linkBase: "https://loyalty.example/s/" };
    const sweep = async (actor: MemoryShardActor): Promise<SurveyInvitePage[]> => {
      const pages: SurveyInvitePage[] = [];
      for (const logicalShard of new Set(members.map(logicalShardOf))) pages.push(valueOf(await actor.call({ kind: "surveyInvite", ref: 4, logicalShard, afterMemberId: null, limit: 500, invitation })));
      return pages;
    };
    expect((await sweep(shard)).reduce((sum, page) => sum + page.invited, 0)).toBe(3);
    expect((await sweep(shard)).reduce((sum, page) => sum + page.alreadyInvited, 0)).toBe(3);
    await settleTurns();
    shard.log.crash();
    const again = open(files);
    expect((await sweep(again)).reduce((sum, page) => sum + page.invited, 0)).toBe(0);
    const invited = await events(again, "survey.invitation");
    expect(invited.map((event) => event.memberId).sort()).toEqual(members);
    for (const event of invited) {
      const link = String(event.data["link"]);
      expect(link.startsWith("https://loyalty.example/s/")).toBe(true);
      const parts = surveyTokenParts(link.slice("https://loyalty.example/s/".length));
      expect(parts).toMatchObject({ surveyId: "nps", memberId: event.memberId });
      expect(surveySignatureValid(linkKey, event.memberId, parts?.signature ?? "")).toBe(true);
      expect(surveySignatureValid(surveyLinkKey("another secret", "nps"), event.memberId, parts?.signature ?? "")).toBe(false);
    }
  });

  it("refuses to invite while no endpoint takes survey.invitation", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram(), eventKinds: ["points.accrued"] });
    const invitation = { survey: "nps", title: "T", endsAt: NOW, when: null, linkKey: "k", linkBase: "/s/" };
    expect(await shard.call({ kind: "surveyInvite", ref: 1, logicalShard: 0, afterMemberId: null, limit: 10, invitation })).toMatchObject({ ok: false, code: "SURVEY_NO_ENDPOINT" });
  });
});

describe("a segment over survey answers", () => {
  it("puts a member in a campaign's audience once they answered the survey with the option it names, at the receipt and in a segment preview", async () => {
    const fans = { answeredSurvey: "nps", question: "recommend", option: 9 } as const;
    const campaigns = {
      version: 1,
      segments: [{ id: "fans", name: "Recommend us with a 9", when: fans }],
      campaigns: [
        { id: "fans", name: "Fans", start: NOW - 86_400_000, end: NOW + 86_400_000, state: "active" as const, partner: "partner-1", audience: "fans", mechanics: [{ kind: "points" as const, fixedPoints: 500, rateBasisPoints: null, everyPurchases: null, skus: null, receiptTotalAtLeast: null }] },
      ],
    };
    const shard = openMemoryShardActor({ program: simpleProgram(), files: new MemoryShardFiles(), clock: () => NOW, checkpoint: NO_AUTOMATIC_CHECKPOINT, campaigns });
    // Enrolled a moment ago, only in the overlay: a preview sees the member all the same.
    await enrol(shard);
    const receipt = { id: "r-1", store: "store-1", at: NOW, lines: [{ sku: "a", qty: 1, price: 1_000, amount: 1_000 }] };
    const calculate: ShardRequest = { kind: "calculate", ref: 20, logicalShard: LOGICAL, memberId: MEMBER, receipt, redeem: 0, partner: "p" };
    const fanRules = async (): Promise<unknown[]> => valueOf<{ rules: { rule: string }[] }>(await shard.call(calculate)).rules.filter((rule) => rule.rule === "campaign:fans");
    const preview = async (): Promise<number> =>
      valueOf<{ matched: number }>(await shard.call({ kind: "segmentPreview", ref: 21, logicalShard: LOGICAL, afterMemberId: null, limit: 100, sampleMax: 10, when: fans } as ShardRequest)).matched;
    expect(await fanRules()).toEqual([]);
    expect(await preview()).toBe(0);
    valueOf(await shard.call(ANSWER));
    expect(await fanRules()).toEqual([expect.objectContaining({ rule: "campaign:fans", points: 500 })]);
    expect(await preview()).toBe(1);
    // Another option of the same question is another segment.
    const detractors = await shard.call({ kind: "segmentPreview", ref: 22, logicalShard: LOGICAL, afterMemberId: null, limit: 100, sampleMax: 10, when: { ...fans, option: 3 } } as ShardRequest);
    expect(valueOf<{ matched: number }>(detractors).matched).toBe(0);
  });
});
