import { describe, expect, it } from "vitest";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { MILLISECONDS_PER_DAY } from "../domain/calendar/period-calendar.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";
import type { OutboxEntry, ShardReply, ShardRequest } from "./shard-messages.js";
import { decodeMutations } from "./storage/mutation-payload.js";
import { isOutboxKey } from "./storage/record-keys.js";
import { EVENT_KINDS } from "./operations/outbox-events.js";

const MEMBER = "m00000000000000c1";
const LOGICAL = logicalShardOf(MEMBER);
const START = Date.UTC(2026, 0, 15);
const PROGRAM = {
  ...validateProgramDocument({
    ...FULL_EXAMPLE_PROGRAM,
    points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 10_000, pointValueMinor: 1, lifetimeDays: 30 },
    reminders: { pointsExpiringDays: 7, discountLapsingDays: 5, classLapsingDays: 5 },
  }),
  version: 1,
};

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

async function events(shard: MemoryShardActor): Promise<OutboxEntry[]> {
  return valueOf<{ entries: OutboxEntry[] }>(await shard.call({ kind: "outboxRead", ref: 90, section: "events", endpoint: null, after: null, limit: 100 })).entries;
}

async function enrolAndCommit(shard: MemoryShardActor, amount: number): Promise<void> {
  await shard.call({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } });
  const commit: ShardRequest = { kind: "commit", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, receipt: { id: "big", store: "s1", at: START, lines: [{ sku: "a", qty: 1, price: amount, amount }] }, redeem: 0, partner: "p1" };
  valueOf(await shard.call(commit));
}

describe("the reminder sweep", () => {
  it("writes each reminder once when its day comes (points expiring, discount and class lapsing), from the index alone, and none again after a restart", async () => {
    const files = new MemoryShardFiles();
    let now = START;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, files });
    await enrolAndCommit(shard, 2_500_000);
    expect(shard.actor.sweepReminders(100)).toBe(0);

    now = START + 23 * MILLISECONDS_PER_DAY + 1;
    expect(shard.actor.sweepReminders(100)).toBe(1);
    expect(shard.actor.sweepReminders(100)).toBe(0);
    now = START + 55 * MILLISECONDS_PER_DAY + 1;
    expect(shard.actor.sweepReminders(100)).toBe(1);
    now = START + 175 * MILLISECONDS_PER_DAY + 1;
    // The points expired by now (the expiry sweep's business): the class's lapse is the one due.
    expect(shard.actor.sweepReminders(100)).toBe(1);
    expect(shard.actor.sweepReminders(100)).toBe(0);

    const reminders = (await events(shard)).filter((event) => event.kind.endsWith("ing"));
    expect(reminders.map((event) => [event.kind, event.sequence, event.number])).toEqual([
      ["points.expiring", 2, 0],
      ["discount.lapsing", 3, 0],
      ["class.lapsing", 4, 0],
    ]);
    expect(reminders[0]?.data).toEqual({ lot: expect.any(Number), points: 24_500, expiresAt: START + 30 * MILLISECONDS_PER_DAY, days: 7 });
    expect(reminders[1]?.data).toMatchObject({ lapsesAt: START + 60 * MILLISECONDS_PER_DAY, days: 5 });
    expect(reminders[2]?.data).toEqual({ class: "bronze", lapsesAt: START + 180 * MILLISECONDS_PER_DAY, days: 5 });
    const activity = valueOf<{ activity: { kind: string }[] }>(await shard.call({ kind: "activity", ref: 9, logicalShard: LOGICAL, memberId: MEMBER, before: null, limit: 10 }));
    expect(activity.activity.filter((entry) => entry.kind === "reminder")).toHaveLength(3);

    // Once the sweep's records are durable (as the log syncs them), a crash repeats none of them.
    await settleTurns();
    shard.log.crash();
    const again = openMemoryShardActor({ program: PROGRAM, clock: () => now, files });
    expect(again.actor.sweepReminders(100)).toBe(0);
    expect((await events(again)).filter((event) => event.kind.endsWith("ing"))).toHaveLength(3);
  });

  it("indexes a survey's reward lot too", async () => {
    let now = START;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now });
    await shard.call({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } });
    valueOf(await shard.call({ kind: "surveyAnswer", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, survey: "nps", answers: { q: 1 }, reward: { points: 200 } }));
    now = START + 23 * MILLISECONDS_PER_DAY + 1;
    expect(shard.actor.sweepReminders(100)).toBe(1);
    expect((await events(shard)).filter((event) => event.kind === "points.expiring").map((event) => event.data["points"])).toEqual([200]);
  });

  it("indexes a lot an adjustment credits too", async () => {
    let now = START;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now });
    await shard.call({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } });
    valueOf(await shard.call({ kind: "adjust", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, adjustmentId: "a-1", points: 300, reason: "goodwill", operator: "olga" }));
    now = START + 23 * MILLISECONDS_PER_DAY + 1;
    expect(shard.actor.sweepReminders(100)).toBe(1);
    expect((await events(shard)).filter((event) => event.kind === "points.expiring").map((event) => event.data["points"])).toEqual([300]);
  });

  it("adds no reminder index entry to a commit while no endpoint takes a reminder kind (nor class.changed, whose lapse by time the index finds too)", async () => {
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => START, eventKinds: EVENT_KINDS.filter((kind) => !kind.endsWith("ing") && kind !== "class.changed") });
    const perRecord: number[] = [];
    const append = shard.log.append.bind(shard.log);
    shard.log.append = (payload) => {
      perRecord.push(decodeMutations(payload).filter((mutation) => isOutboxKey(mutation.key)).length);
      return append(payload);
    };
    await enrolAndCommit(shard, 2_500_000);
    // The commit's record holds its points.accrued event, no index entry.
    expect(perRecord).toEqual([0, 1]);
    expect(shard.actor.sweepReminders(100)).toBe(0);
  });

  it("adds the class's lapse to the index while an endpoint takes class.changed alone, and no reminder", async () => {
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => START, eventKinds: ["class.changed"] });
    const perRecord: number[] = [];
    const append = shard.log.append.bind(shard.log);
    shard.log.append = (payload) => {
      perRecord.push(decodeMutations(payload).filter((mutation) => isOutboxKey(mutation.key)).length);
      return append(payload);
    };
    await enrolAndCommit(shard, 2_500_000);
    // class.changed and one index entry, at the lapse.
    expect(perRecord).toEqual([0, 2]);
  });
});
