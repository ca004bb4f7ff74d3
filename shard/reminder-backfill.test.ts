import { describe, expect, it } from "vitest";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { MILLISECONDS_PER_DAY } from "../domain/calendar/period-calendar.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";
import type { OutboxEntry, ShardReply, ShardRequest } from "./shard-messages.js";

const START = Date.UTC(2026, 0, 15);
/** Points live 30 days and are reminded 7 days ahead: due on day 23. */
const PROGRAM = {
  ...validateProgramDocument({
    ...FULL_EXAMPLE_PROGRAM,
    points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 10_000, pointValueMinor: 1, lifetimeDays: 30 },
    reminders: { pointsExpiringDays: 7 },
  }),
  version: 1,
};
const MEMBERS = ["m00000000000000a1", "m00000000000000a2", "m00000000000000a3", "m00000000000000a4", "m00000000000000a5"];
/** Kinds an endpoint took before the reminder's: the lots are accrued without index entries. */
const BEFORE_KINDS = ["points.accrued"];
const AFTER_KINDS = ["points.accrued", "points.expiring"];

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

async function reminders(shard: MemoryShardActor): Promise<OutboxEntry[]> {
  const read: ShardRequest = { kind: "outboxRead", ref: 90, section: "events", endpoint: null, after: null, limit: 1_000 };
  return valueOf<{ entries: OutboxEntry[] }>(await shard.call(read)).entries.filter((event) => event.kind === "points.expiring");
}

/** Every member enrolled, with one receipt's lot (expiring on day 30), while no endpoint took points.expiring. */
async function membersWithLots(shard: MemoryShardActor): Promise<void> {
  for (const [index, memberId] of MEMBERS.entries()) {
    const logicalShard = logicalShardOf(memberId);
    valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard, memberId, profile: { card: `c${index}`, phone: null, name: null, birthDate: null } }));
    const receipt = { id: `r${index}`, store: "s1", at: START, lines: [{ sku: "a", qty: 1, price: 100_000, amount: 100_000 }] };
    valueOf(await shard.call({ kind: "commit", ref: 2, logicalShard, memberId, receipt, redeem: 0, partner: "p1" }));
  }
}

describe("the reminder index backfill", () => {
  it("gives lots accrued before a reminder kind was taken their entries, and each member's reminder fires once", async () => {
    let now = START;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, eventKinds: BEFORE_KINDS });
    await membersWithLots(shard);
    now = START + 23 * MILLISECONDS_PER_DAY + 1;
    expect(shard.actor.sweepReminders(100)).toBe(0);

    valueOf(await shard.call({ kind: "setEventKinds", ref: 3, kinds: AFTER_KINDS }));
    // The walk starts once a checkpoint holds every member that existed when the kind was taken.
    expect(shard.actor.backfillReminders(100)).toEqual({ walked: 0, pending: expect.any(Number) });
    expect(shard.actor.backfillReminders(100).walked).toBe(0);
    await shard.actor.checkpointNow();
    const walked = shard.actor.backfillReminders(1_000);
    expect(walked).toEqual({ walked: MEMBERS.length, pending: 0 });
    expect(shard.actor.sweepReminders(100)).toBe(MEMBERS.length);
    expect(shard.actor.sweepReminders(100)).toBe(0);
    expect((await reminders(shard)).map((event) => event.memberId).sort()).toEqual(MEMBERS);

    // Settings changed again (the kind dropped and taken back): a new walk, and still no second reminder.
    valueOf(await shard.call({ kind: "setEventKinds", ref: 4, kinds: BEFORE_KINDS }));
    shard.actor.backfillReminders(1_000);
    valueOf(await shard.call({ kind: "setEventKinds", ref: 5, kinds: AFTER_KINDS }));
    await shard.actor.checkpointNow();
    shard.actor.backfillReminders(1_000);
    expect(shard.actor.backfillReminders(1_000).pending).toBe(0);
    expect(shard.actor.sweepReminders(100)).toBe(0);
    expect(await reminders(shard)).toHaveLength(MEMBERS.length);
  });

  it("resumes after a crash mid-walk where its last durable step stopped, and still reminds each member once", async () => {
    const files = new MemoryShardFiles();
    let now = START;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, eventKinds: BEFORE_KINDS });
    await membersWithLots(shard);
    valueOf(await shard.call({ kind: "setEventKinds", ref: 3, kinds: AFTER_KINDS }));
    shard.actor.backfillReminders(2);
    await shard.actor.checkpointNow();
    // Two accounts (or empty logical shards) a step: walked until two members are done, the rest are not.
    let progress = shard.actor.backfillReminders(2);
    while (progress.walked < 2) progress = shard.actor.backfillReminders(2);
    expect(progress.pending).toBeGreaterThan(0);
    now = START + 23 * MILLISECONDS_PER_DAY + 1;
    const remindedBefore = shard.actor.sweepReminders(100);
    expect(remindedBefore).toBeGreaterThan(0);
    expect(remindedBefore).toBeLessThan(MEMBERS.length);
    await settleTurns();
    shard.log.crash();

    const again = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, eventKinds: AFTER_KINDS });
    let steps = 0;
    while (again.actor.backfillReminders(2).pending > 0) {
      steps += 1;
      expect(steps).toBeLessThan(1_000);
    }
    // The restarted thread walked only what was left: members done before the crash are not walked again.
    expect(again.actor.backfillReminders(2).walked).toBeLessThan(MEMBERS.length);
    expect(again.actor.sweepReminders(100)).toBe(MEMBERS.length - remindedBefore);
    expect(again.actor.sweepReminders(100)).toBe(0);
    const written = await reminders(again);
    expect(written.map((event) => event.memberId).sort()).toEqual(MEMBERS);
  });

  it("writes nothing while no reminder is taken", async () => {
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => START, eventKinds: BEFORE_KINDS });
    await membersWithLots(shard);
    let appended = 0;
    const append = shard.log.append.bind(shard.log);
    shard.log.append = (payload) => {
      appended += 1;
      return append(payload);
    };
    await shard.actor.checkpointNow();
    expect(shard.actor.backfillReminders(1_000)).toEqual({ walked: 0, pending: 0 });
    expect(appended).toBe(0);
  });
});
