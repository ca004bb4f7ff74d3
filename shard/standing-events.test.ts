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
import { poolAccountId, type FamilyIntent } from "../domain/family/family.js";

const MEMBER = "m00000000000000d7";
const LOGICAL = logicalShardOf(MEMBER);
const JANUARY = Date.UTC(2026, 0, 15);
const FEBRUARY = Date.UTC(2026, 1, 15);
/** Statuses by the month's sold amount (over 1,000,000: silver next month), classes by lifetime sold (bronze from 2,000,000), lapsing after 180 days without a visit. */
const PROGRAM = { ...validateProgramDocument(FULL_EXAMPLE_PROGRAM), version: 1 };

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

async function standingEvents(shard: MemoryShardActor): Promise<OutboxEntry[]> {
  const read: ShardRequest = { kind: "outboxRead", ref: 90, section: "events", endpoint: null, after: null, limit: 100 };
  return valueOf<{ entries: OutboxEntry[] }>(await shard.call(read)).entries.filter((event) => event.kind === "status.changed" || event.kind === "class.changed");
}

function commit(ref: number, id: string, amount: number, at: number): ShardRequest {
  return { kind: "commit", ref, logicalShard: LOGICAL, memberId: MEMBER, receipt: { id, store: "s1", at, lines: [{ sku: "a", qty: 1, price: amount, amount }] }, redeem: 0, partner: "p1" };
}

/** A member with a January receipt of 2,500,000: class bronze since it (a commit's class.changed), status gold in February. */
async function bronzeMember(shard: MemoryShardActor): Promise<void> {
  valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } }));
  valueOf(await shard.call(commit(2, "big", 2_500_000, JANUARY)));
}

/** Each operation, in February, after bronzeMember: the status and class events it writes (sequence 2: the operation's own). */
const OPERATIONS: readonly { name: string; request: ShardRequest; events: readonly { kind: string; data: object }[] }[] = [
  {
    name: "a cancel of the January receipt drops the class and February's status",
    request: { kind: "cancel", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, store: "s1", receiptId: "big" },
    events: [
      { kind: "status.changed", data: { from: "gold", to: "bronze", receipt: "big", store: "s1", cause: "cancel" } },
      { kind: "class.changed", data: { from: "bronze", to: null, receipt: "big", store: "s1", cause: "cancel" } },
    ],
  },
  {
    name: "a refund of its only line does the same",
    request: { kind: "refund", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, store: "s1", refundId: "f-1", receiptId: "big", lines: [{ line: 0, qty: 1 }] },
    events: [
      { kind: "status.changed", data: { from: "gold", to: "bronze", receipt: "big", store: "s1", cause: "refund" } },
      { kind: "class.changed", data: { from: "bronze", to: null, receipt: "big", store: "s1", cause: "refund" } },
    ],
  },
  {
    name: "an adjustment of points moves neither (classes and statuses count purchases, not points)",
    request: { kind: "adjust", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, adjustmentId: "a-1", points: 100, reason: "fix", operator: "olga" },
    events: [],
  },
  {
    name: "a reported visit moves neither (it does not count as a purchase)",
    request: { kind: "reportVisit", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, visit: { id: "v-1", store: "s1", status: "came", at: FEBRUARY } },
    events: [],
  },
];

describe("status.changed and class.changed from operations other than a commit", () => {
  for (const operation of OPERATIONS) {
    it(`${operation.name}, in the operation's own log record, once`, async () => {
      const shard = openMemoryShardActor({ program: PROGRAM, clock: () => FEBRUARY });
      await bronzeMember(shard);
      const commitEvents = await standingEvents(shard);
      expect(commitEvents.map((event) => [event.kind, event.data])).toEqual([["class.changed", { from: null, to: "bronze", receipt: "big", store: "s1" }]]);
      const outboxPerRecord: number[] = [];
      const append = shard.log.append.bind(shard.log);
      shard.log.append = (payload) => {
        outboxPerRecord.push(decodeMutations(payload).filter((mutation) => isOutboxKey(mutation.key)).length);
        return append(payload);
      };
      valueOf(await shard.call(operation.request));
      // A repeat (the same idempotency key) writes nothing again.
      valueOf(await shard.call(operation.request));
      const written = (await standingEvents(shard)).slice(1);
      expect(written.map((event) => ({ kind: event.kind, data: event.data }))).toEqual(operation.events);
      expect(new Set(written.map((event) => event.sequence))).toEqual(new Set(written.length === 0 ? [] : [2]));
      // Numbered after the operation's own events (a cancel's receipt.cancelled is 0).
      if (operation.request.kind === "cancel") expect(written.map((event) => event.number)).toEqual([1, 2]);
      expect(outboxPerRecord.length).toBe(1);
    });
  }

  it("writes none while no endpoint takes the kinds, and only the kind taken", async () => {
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => FEBRUARY, eventKinds: ["class.changed"] });
    await bronzeMember(shard);
    valueOf(await shard.call(OPERATIONS[0]?.request as ShardRequest));
    expect((await standingEvents(shard)).map((event) => [event.kind, event.data["cause"] ?? "commit"])).toEqual([
      ["class.changed", "commit"],
      ["class.changed", "cancel"],
    ]);
    const none = openMemoryShardActor({ program: PROGRAM, clock: () => FEBRUARY, eventKinds: ["points.accrued"] });
    await bronzeMember(none);
    valueOf(await none.call(OPERATIONS[0]?.request as ShardRequest));
    expect(await standingEvents(none)).toEqual([]);
  });

  it("writes class.changed for a family member's receipt that raises the class, as for anyone's", async () => {
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => FEBRUARY, eventKinds: ["class.changed"] });
    valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } }));
    const pool = poolAccountId("home");
    const joined = valueOf<{ intent: FamilyIntent }>(await shard.call({ kind: "family", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, operation: { op: "join", joinId: "j-1", family: "home", pool, operator: "olga" } }));
    valueOf(await shard.call({ kind: "family", ref: 3, logicalShard: logicalShardOf(pool), memberId: pool, operation: { op: "apply", intent: joined.intent } }));
    valueOf(await shard.call(commit(4, "fam-big", 2_500_000, FEBRUARY)));
    expect((await standingEvents(shard)).map((event) => event.data)).toEqual([{ from: null, to: "bronze", receipt: "fam-big", store: "s1" }]);
  });

  it("writes a class lost by time (180 days without a visit) once, from the timer index, and not again after a restart or a later cancel", async () => {
    const files = new MemoryShardFiles();
    let now = JANUARY;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, eventKinds: ["class.changed"] });
    await bronzeMember(shard);
    now = JANUARY + 180 * MILLISECONDS_PER_DAY;
    expect(shard.actor.sweepReminders(100)).toBe(0);
    now = JANUARY + 180 * MILLISECONDS_PER_DAY + 2;
    expect(shard.actor.sweepReminders(100)).toBe(1);
    expect(shard.actor.sweepReminders(100)).toBe(0);
    const lapse = (await standingEvents(shard)).slice(1);
    expect(lapse.map((event) => [event.kind, event.data])).toEqual([["class.changed", { from: "bronze", to: null, receipt: null, store: null, cause: "lapse" }]]);
    // The class is gone already: a cancel now changes nothing more.
    valueOf(await shard.call(OPERATIONS[0]?.request as ShardRequest));
    await settleTurns();
    shard.log.crash();
    const again = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, eventKinds: ["class.changed"] });
    expect(again.actor.sweepReminders(100)).toBe(0);
    expect((await standingEvents(again)).length).toBe(2);
    // A receipt after the lapse brings the class back: the commit's event, from none.
    valueOf(await again.call(commit(4, "back", 2_500_000, now)));
    expect((await standingEvents(again)).at(-1)?.data).toEqual({ from: null, to: "bronze", receipt: "back", store: "s1" });
  });
});
