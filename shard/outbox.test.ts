import { describe, expect, it } from "vitest";
import { simpleProgram } from "../domain/test-support/simple-program.js";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";
import type { OutboxChange, OutboxEntry, ShardReply, ShardRequest } from "./shard-messages.js";
import { decodeMutations } from "./storage/mutation-payload.js";
import { isOutboxKey } from "./storage/record-keys.js";

const MEMBER = "m00000000000000b1";
const LOGICAL = logicalShardOf(MEMBER);
const ENROLL: ShardRequest = { kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } };
const NO_AUTOMATIC_CHECKPOINT = { triggerBytes: 1024 * 1024 * 1024, intervalMilliseconds: 1_000_000_000, overlayBytesMax: 2 * 1024 * 1024 * 1024 };

function receipt(id: string, amount: number, at = 1_000): Receipt {
  return { id, store: "s1", at, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
}

function commit(ref: number, id: string, amount: number, redeem = 0, at = 1_000): ShardRequest {
  return { kind: "commit", ref, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt(id, amount, at), redeem, partner: "p1" };
}

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

async function read(shard: MemoryShardActor, section: "events" | "queue" | "dead", endpoint: string | null = null): Promise<OutboxEntry[]> {
  return valueOf<{ entries: OutboxEntry[] }>(await shard.call({ kind: "outboxRead", ref: 90, section, endpoint, after: null, limit: 100 })).entries;
}

async function update(shard: MemoryShardActor, changes: OutboxChange[]): Promise<number> {
  return valueOf<{ applied: number }>(await shard.call({ kind: "outboxUpdate", ref: 91, changes })).applied;
}

/** The outbox keys among the mutations of every log record appended from now on, per record. */
function outboxMutationsPerRecord(shard: MemoryShardActor): number[] {
  const perRecord: number[] = [];
  const append = shard.log.append.bind(shard.log);
  shard.log.append = (payload) => {
    perRecord.push(decodeMutations(payload).filter((mutation) => isOutboxKey(mutation.key)).length);
    return append(payload);
  };
  return perRecord;
}

describe("the outbox of a shard", () => {
  it("writes no event of a kind no webhook endpoint takes, and those of a kind one does once told", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram(), eventKinds: [] });
    await shard.call(ENROLL);
    const perRecord = outboxMutationsPerRecord(shard);
    valueOf(await shard.call(commit(2, "r1", 2_000)));
    expect(perRecord).toEqual([0]);
    expect(valueOf<{ kinds: number }>(await shard.call({ kind: "setEventKinds", ref: 3, kinds: ["points.accrued"] }))).toEqual({ kinds: 1 });
    valueOf(await shard.call(commit(4, "r2", 2_000)));
    expect(perRecord).toEqual([0, 1]);
    expect((await read(shard, "events")).map((entry) => entry.kind)).toEqual(["points.accrued"]);
  });


  it("writes a commit's points.accrued event in the commit's own log record, with an id made of logical shard, member, the account's sequence and the event's number", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram() });
    await shard.call(ENROLL);
    const perRecord = outboxMutationsPerRecord(shard);
    const answer = valueOf<{ points: number; balance: number; transaction: string }>(await shard.call(commit(2, "r1", 2_000)));
    expect(perRecord).toEqual([1]);
    expect(await read(shard, "events")).toEqual([
      {
        id: `${LOGICAL}-${MEMBER}-1-0`,
        logicalShard: LOGICAL,
        memberId: MEMBER,
        sequence: 1,
        number: 0,
        kind: "points.accrued",
        at: 1_000,
        data: { receipt: "r1", store: "s1", points: answer.points, balance: answer.balance, transaction: answer.transaction },
        endpoint: null,
        dead: null,
      },
    ]);
  });

  it("writes no event for a refused operation nor for a repeat, and a receipt.cancelled event for a cancel", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram() });
    await shard.call(ENROLL);
    await shard.call(commit(2, "r1", 2_000));
    const refused = await shard.call(commit(3, "r2", 2_000, 5_000));
    expect(refused).toMatchObject({ ok: false });
    await shard.call(commit(4, "r1", 2_000));
    expect((await read(shard, "events")).map((event) => event.kind)).toEqual(["points.accrued"]);
    await shard.call({ kind: "cancel", ref: 5, logicalShard: LOGICAL, memberId: MEMBER, store: "s1", receiptId: "r1" });
    const events = await read(shard, "events");
    expect(events.map((event) => [event.kind, event.sequence])).toEqual([["points.accrued", 1], ["receipt.cancelled", 2]]);
    expect(events[1]?.data).toEqual({ receipt: "r1", store: "s1", pointsRevoked: 100, pointsReturned: 0, balance: 0 });
  });

  it("writes status.changed when a commit comes under a new status level", async () => {
    const program = { ...validateProgramDocument(FULL_EXAMPLE_PROGRAM), version: 1 };
    const january = Date.UTC(2026, 0, 15);
    const february = Date.UTC(2026, 1, 15);
    const shard = openMemoryShardActor({ program, clock: () => february });
    await shard.call(ENROLL);
    await shard.call({ ...commit(2, "big", 1_500_000, 0, january) } as ShardRequest);
    await shard.call({ ...commit(3, "next", 10_000, 0, february) } as ShardRequest);
    const status = (await read(shard, "events")).filter((event) => event.kind === "status.changed");
    expect(status).toEqual([expect.objectContaining({ sequence: 2, data: { from: "bronze", to: "silver", receipt: "next", store: "s1" } })]);
  });

  it("writes class.changed and level.reached after a commit's other events when it raises the importance class and reaches a level by active points", async () => {
    const levels = { levels: [{ id: "club", name: "Club", threshold: 1_000, validityDays: null, pointsOnReach: 50 }] };
    const program = { ...validateProgramDocument({ ...FULL_EXAMPLE_PROGRAM, points: { ...FULL_EXAMPLE_PROGRAM.points, accrualRateBasisPoints: 100 }, pointLevels: levels }), version: 1 };
    const january = Date.UTC(2026, 0, 15);
    const shard = openMemoryShardActor({ program, clock: () => january });
    await shard.call(ENROLL);
    await shard.call({ ...commit(2, "small", 10_000, 0, january) } as ShardRequest);
    await shard.call({ ...commit(3, "big", 2_500_000, 0, january) } as ShardRequest);
    const events = (await read(shard, "events")).filter((event) => event.sequence === 2);
    expect(events.map((event) => [event.kind, event.number])).toEqual([["points.accrued", 0], ["class.changed", 1], ["level.reached", 2]]);
    expect(events[1]?.data).toEqual({ from: null, to: "bronze", receipt: "big", store: "s1" });
    expect(events[2]?.data).toEqual({ level: "club", points: 50, balance: events[0]?.data["balance"], receipt: "big", store: "s1" });
  });

  it("records a card change once, with its card.blocked event in the same log record: a repeat writes nothing, other content under its id is CONFLICT", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram() });
    await shard.call(ENROLL);
    const perRecord = outboxMutationsPerRecord(shard);
    const change = { changeId: "block 7 500", action: "blocked", card: "7", at: 500, reason: "lost", replacedBy: null, operator: "olga" } as const;
    const request = { kind: "recordCardChange", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, change } as const;
    expect(valueOf(await shard.call(request))).toEqual({ member: MEMBER, card: "7", action: "blocked", sequence: 1 });
    expect(valueOf(await shard.call({ ...request, change: { ...change, operator: "sam" } }))).toEqual({ member: MEMBER, card: "7", action: "blocked", sequence: 1 });
    expect(await shard.call({ ...request, change: { ...change, reason: "stolen" } })).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(perRecord).toEqual([1]);
    expect(await read(shard, "events")).toEqual([expect.objectContaining({ kind: "card.blocked", sequence: 1, at: 500, data: { card: "7", reason: "lost", at: 500 } })]);
  });

  it("hands events to endpoints' queues, removes delivered ones, moves failed ones to dead letters and back, all through its log", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram() });
    await shard.call(ENROLL);
    await shard.call(commit(2, "r1", 2_000));
    await shard.call(commit(3, "r2", 4_000));
    const [first, second] = await read(shard, "events");
    if (first === undefined || second === undefined) throw new Error("two events");
    const perRecord = outboxMutationsPerRecord(shard);
    expect(await update(shard, [{ op: "fanOut", event: first, endpoints: ["a", "b"] }, { op: "fanOut", event: second, endpoints: ["a"] }])).toBe(2);
    // Two events' deletions, three queued copies, and the logical shard's count of events handed out.
    expect(perRecord).toEqual([6]);
    expect(await read(shard, "events")).toEqual([]);
    expect((await read(shard, "queue", "a")).map((entry) => entry.id)).toEqual([first.id, second.id]);
    expect((await read(shard, "queue", "b")).map((entry) => [entry.id, entry.endpoint])).toEqual([[first.id, "b"]]);
    expect(await update(shard, [{ op: "delivered", endpoint: "a", event: first }])).toBe(1);
    expect(await update(shard, [{ op: "delivered", endpoint: "a", event: first }])).toBe(0);
    expect(await update(shard, [{ op: "dead", endpoint: "b", event: first, attempts: 8, failedAt: 5, error: "HTTP 500" }])).toBe(1);
    expect(await read(shard, "dead", "b")).toEqual([expect.objectContaining({ id: first.id, dead: { attempts: 8, failedAt: 5, error: "HTTP 500" } })]);
    expect(await update(shard, [{ op: "replay", endpoint: "b", event: first }])).toBe(1);
    expect((await read(shard, "queue", null)).map((entry) => [entry.endpoint, entry.id])).toEqual([["a", second.id], ["b", first.id]]);
    expect(valueOf(await shard.call({ kind: "outboxStats", ref: 9 }))).toMatchObject({ undelivered: 2, dead: 0, oldestUndeliveredAt: 1_000, complete: true, emitted: 2 });
  });

  it("counts the events emitted, handed out or waiting, the same after a crash and restart (the count is kept in the outbox)", async () => {
    const files = new MemoryShardFiles();
    const shard = openMemoryShardActor({ program: simpleProgram(), files });
    await shard.call(ENROLL);
    await shard.call(commit(2, "r1", 2_000));
    await shard.call(commit(3, "r2", 4_000));
    await shard.call(commit(4, "r3", 4_000));
    const [first, second] = await read(shard, "events");
    if (first === undefined || second === undefined) throw new Error("two events");
    expect(await update(shard, [{ op: "fanOut", event: first, endpoints: ["a"] }, { op: "fanOut", event: second, endpoints: [] }])).toBe(2);
    expect(valueOf(await shard.call({ kind: "outboxStats", ref: 9 }))).toMatchObject({ emitted: 3, undelivered: 2 });
    await settleTurns();
    shard.log.crash();
    const again = openMemoryShardActor({ program: simpleProgram(), files });
    expect(valueOf(await again.call({ kind: "outboxStats", ref: 9 }))).toMatchObject({ emitted: 3, undelivered: 2 });
  });

  it("keeps deliveries and dead letters across a restart, from the log alone and after a checkpoint", async () => {
    const files = new MemoryShardFiles();
    const first = openMemoryShardActor({ program: simpleProgram(), files, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    await first.call(ENROLL);
    for (let index = 0; index < 4; index += 1) await first.call(commit(2 + index, `r${index}`, 2_000));
    const events = await read(first, "events");
    await update(first, events.map((event) => ({ op: "fanOut", event, endpoints: ["a"] })));
    await first.actor.checkpointNow();
    await update(first, [{ op: "delivered", endpoint: "a", event: events[0] as OutboxEntry }]);
    await update(first, [{ op: "dead", endpoint: "a", event: events[1] as OutboxEntry, attempts: 3, failedAt: 7, error: "refused" }]);
    first.log.crash();

    const second = openMemoryShardActor({ program: simpleProgram(), files, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    expect((await read(second, "queue", "a")).map((entry) => entry.sequence)).toEqual([3, 4]);
    expect((await read(second, "dead", "a")).map((entry) => entry.sequence)).toEqual([2]);
    await second.actor.checkpointNow();
    await update(second, [{ op: "delivered", endpoint: "a", event: events[2] as OutboxEntry }]);
    await second.actor.checkpointNow();
    const third = openMemoryShardActor({ program: simpleProgram(), files, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    expect((await read(third, "queue", "a")).map((entry) => entry.sequence)).toEqual([4]);
    expect(await read(third, "events")).toEqual([]);
  });

  it("pages an outbox section without losing entries the overlay deleted over LMDB's", async () => {
    const shard = openMemoryShardActor({ program: simpleProgram(), checkpoint: NO_AUTOMATIC_CHECKPOINT });
    await shard.call(ENROLL);
    for (let index = 0; index < 6; index += 1) await shard.call(commit(2 + index, `r${index}`, 2_000));
    await shard.actor.checkpointNow();
    const events = await read(shard, "events");
    await update(shard, events.slice(0, 3).map((event) => ({ op: "fanOut", event, endpoints: [] })));
    const page = valueOf<{ entries: OutboxEntry[]; next: unknown }>(await shard.call({ kind: "outboxRead", ref: 9, section: "events", endpoint: null, after: null, limit: 2 }));
    expect(page.entries.map((entry) => entry.sequence)).toEqual([4, 5]);
    const rest = valueOf<{ entries: OutboxEntry[]; next: unknown }>(await shard.call({ kind: "outboxRead", ref: 9, section: "events", endpoint: null, after: page.next as never, limit: 2 }));
    expect(rest.entries.map((entry) => entry.sequence)).toEqual([6]);
  });
});
