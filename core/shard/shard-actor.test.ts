import { describe, expect, it } from "vitest";
import type { Account } from "../account/account.js";
import { InvariantError } from "../assert/assert.js";
import { simpleProgram } from "../test-support/simple-program.js";
import type { Receipt } from "../receipt/receipt.js";
import { PlacementTable } from "../sharding/placement-table.js";
import { logicalShardOf } from "../sharding/shard-function.js";
import { MemoryShardData, MemoryShardStore } from "../storage/memory-shard-store.js";
import type { ActivityRecord, ReceiptRecord, ShardStore, ShardWrite } from "../storage/shard-store.js";
import { createInMemoryCluster } from "./in-memory-cluster.js";
import { ShardActor } from "./shard-actor.js";
import type { ShardReply, ShardRequest } from "./shard-messages.js";

const PROGRAM = simpleProgram();

/** A store whose batches become durable only when the test says so. */
class GatedStore implements ShardStore {
  readonly inner = new MemoryShardStore(new MemoryShardData());
  readonly batches: { writes: readonly ShardWrite[]; release: () => void }[] = [];

  readAccount(logicalShard: number, memberId: string): Account | undefined {
    return this.inner.readAccount(logicalShard, memberId);
  }
  readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined {
    return this.inner.readReceipt(logicalShard, memberId, store, receiptId);
  }
  writeBatch(writes: readonly ShardWrite[]): Promise<void> {
    return new Promise((resolve) => {
      this.batches.push({ writes, release: () => void this.inner.writeBatch(writes).then(resolve) });
    });
  }
  readActivity(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[] {
    return this.inner.readActivity(logicalShard, memberId, before, limit);
  }
  scanAccounts(logicalShard: number, afterMemberId: string | null, limit: number): Account[] {
    return this.inner.scanAccounts(logicalShard, afterMemberId, limit);
  }
  countAccounts(logicalShard: number): number {
    return this.inner.countAccounts(logicalShard);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 5; turn += 1) await nextTurn();
};

function receipt(id: string, amount: number): Receipt {
  return { id, store: "s1", at: 1_000, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
}

function makeActor(store: ShardStore): { actor: ShardActor; replies: ShardReply[]; send: (request: ShardRequest) => void } {
  const placement = PlacementTable.roundRobin(1);
  const actor = new ShardActor({
    shardIndex: 0,
    store,
    ownedLogicalShards: placement.logicalShardsOf(0),
    program: PROGRAM,
    clock: () => 42,
    monotonicSeconds: () => 0,
  });
  const replies: ShardReply[] = [];
  return { actor, replies, send: (request) => actor.handle(request, (reply) => replies.push(reply)) };
}

const MEMBER = "m00000000000000a1";
const LOGICAL = logicalShardOf(MEMBER);
const PROFILE = { card: "1", phone: null, name: null, birthDate: null };

describe("ShardActor", () => {
  it("does not answer a commit before its batch is durable, then answers it", async () => {
    const store = new GatedStore();
    const { replies, send } = makeActor(store);
    send({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE });
    await settle();
    expect(replies).toHaveLength(0);
    store.batches[0]?.release();
    await settle();
    expect(replies).toMatchObject([{ ref: 1, ok: true }]);

    send({ kind: "commit", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 2_000), redeem: 0, partner: "p1" });
    await settle();
    expect(replies).toHaveLength(1);
    store.batches[1]?.release();
    await settle();
    expect(replies[1]).toMatchObject({ ref: 2, ok: true, value: { points: 100, balance: 100 } });
  });

  it("keeps one batch in flight, groups everything that arrives meanwhile into the next, and answers in batch order", async () => {
    const store = new GatedStore();
    const { replies, send } = makeActor(store);
    const commit = (index: number): void =>
      send({ kind: "commit", ref: 10 + index, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt(`r${index}`, 2_000), redeem: 0, partner: "p1" });
    send({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE });
    await settle();
    for (let index = 0; index < 15; index += 1) commit(index);
    await settle();
    // Only the enrolment's batch is in flight; the fifteen commits wait in the open batch.
    expect(store.batches).toHaveLength(1);
    expect(replies).toHaveLength(0);
    store.batches[0]?.release();
    await settle();
    expect(replies.map((reply) => reply.ref)).toEqual([1]);
    expect(store.batches).toHaveLength(2);
    // Each commit writes its account, its receipt record and a history entry.
    expect(store.batches[1]?.writes).toHaveLength(45);
    store.batches[1]?.release();
    await settle();
    expect(replies).toHaveLength(16);
    expect(replies.map((reply) => reply.ref).slice(1)).toEqual(Array.from({ length: 15 }, (_, index) => 10 + index));
    expect(replies.at(-1)).toMatchObject({ ok: true, value: { balance: 1_500 } });
  });

  it("lets a second receipt of the same batch build on the first one's staged balance", async () => {
    const store = new GatedStore();
    const { replies, send } = makeActor(store);
    send({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE });
    send({ kind: "commit", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 20_000), redeem: 0, partner: "p1" });
    send({ kind: "commit", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r2", 2_000), redeem: 1_000, partner: "p1" });
    await settle();
    store.batches[0]?.release();
    await settle();
    expect(replies.map((reply) => reply.ok)).toEqual([true, true, true]);
    expect(replies[2]).toMatchObject({ value: { redeem: 1_000, balance: 50 } });
  });

  it("holds a repeat of a receipt that is not durable yet until it is, then answers the first answer", async () => {
    const store = new GatedStore();
    const { replies, send } = makeActor(store);
    send({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE });
    await settle();
    store.batches[0]?.release();
    await settle();
    send({ kind: "commit", ref: 2, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 2_000), redeem: 0, partner: "p1" });
    send({ kind: "commit", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 2_000), redeem: 0, partner: "p1" });
    send({ kind: "commit", ref: 4, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 2_001), redeem: 0, partner: "p1" });
    await settle();
    expect(replies).toHaveLength(1);
    store.batches[1]?.release();
    await settle();
    expect(replies[2]).toEqual({ ...replies[1], ref: 3 });
    expect(replies[3]).toMatchObject({ ref: 4, ok: false, code: "CONFLICT" });
    expect(store.batches).toHaveLength(2);
  });

  it("refuses a receipt id staged for another member with CONFLICT until it is durable, and changes nothing", async () => {
    const store = new GatedStore();
    const { replies, send } = makeActor(store);
    const other = "m00000000000000b2";
    send({ kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE });
    send({ kind: "enroll", ref: 2, logicalShard: logicalShardOf(other), memberId: other, profile: { ...PROFILE, card: "2" } });
    await settle();
    store.batches[0]?.release();
    await settle();
    send({ kind: "commit", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 2_000), redeem: 0, partner: "p1" });
    send({ kind: "commit", ref: 4, logicalShard: logicalShardOf(other), memberId: other, receipt: receipt("r1", 2_000), redeem: 0, partner: "p1" });
    send({ kind: "refund", ref: 5, logicalShard: LOGICAL, memberId: MEMBER, store: "s1", refundId: "f1", receiptId: "r1", lines: [{ line: 0, qty: 1 }] });
    send({ kind: "refund", ref: 6, logicalShard: logicalShardOf(other), memberId: other, store: "s1", refundId: "f1", receiptId: "r1", lines: [{ line: 0, qty: 1 }] });
    await settle();
    expect(replies).toHaveLength(2);
    store.batches[1]?.release();
    await settle();
    expect(replies.slice(2)).toMatchObject([
      { ref: 3, ok: true },
      { ref: 4, ok: false, code: "CONFLICT" },
      { ref: 5, ok: true },
      { ref: 6, ok: false, code: "CONFLICT" },
    ]);
    // Only the first member's receipt, refund and their accounts and history were written.
    expect(store.batches[1]?.writes.filter((write) => write.kind === "receipt").map((write) => write.kind === "receipt" && write.receipt.memberId)).toEqual([
      MEMBER,
      MEMBER,
      MEMBER,
    ]);
    expect(store.inner.readAccount(logicalShardOf(other), other)?.sequence).toBe(0);
    // Durable, the claim is gone: records are per member, and the gateway's receipt index refuses a second member from here on.
    send({ kind: "commit", ref: 7, logicalShard: logicalShardOf(other), memberId: other, receipt: receipt("r1", 2_000), redeem: 0, partner: "p1" });
    await settle();
    store.batches[2]?.release();
    await settle();
    expect(replies.at(-1)).toMatchObject({ ref: 7, ok: true, value: { member: other } });
  });

  it("answers NO_PROGRAM when no program was ever installed, and computes once one is", async () => {
    const { cluster } = createInMemoryCluster({ shardThreads: 2, program: null, clock: () => 5 });
    await cluster.requestForMember({ kind: "enroll", memberId: MEMBER, profile: PROFILE });
    const before = await cluster.requestForMember({ kind: "calculate", memberId: MEMBER, receipt: receipt("r", 100), redeem: 0, partner: "p1" });
    expect(before).toMatchObject({ ok: false, code: "NO_PROGRAM" });
    await cluster.broadcast({ kind: "setProgram", program: PROGRAM });
    const after = await cluster.requestForMember({ kind: "calculate", memberId: MEMBER, receipt: receipt("r", 100), redeem: 0, partner: "p1" });
    expect(after).toMatchObject({ ok: true, value: { points: 5 } });
  });

  it("crashes with an InvariantError when asked about a logical shard it does not own", () => {
    const placement = PlacementTable.roundRobin(2);
    const actor = new ShardActor({
      shardIndex: 0,
      store: new MemoryShardStore(),
      ownedLogicalShards: placement.logicalShardsOf(0),
      program: PROGRAM,
      clock: () => 0,
      monotonicSeconds: () => 0,
    });
    const foreign = placement.logicalShardsOf(1)[0] ?? 1;
    expect(() => actor.handle({ kind: "lookup", ref: 1, logicalShard: foreign, memberId: MEMBER }, () => undefined)).toThrow(
      InvariantError,
    );
  });

  it("keeps every committed receipt across a restart of the in-memory cluster over the same data", async () => {
    const first = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock: () => 5 });
    await first.cluster.requestForMember({ kind: "enroll", memberId: MEMBER, profile: PROFILE });
    const committed = await first.cluster.requestForMember({ kind: "commit", memberId: MEMBER, receipt: receipt("r", 10_000), redeem: 0, partner: "p1" });
    await first.cluster.close();
    const second = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock: () => 5, data: first.data });
    const repeated = await second.cluster.requestForMember({ kind: "commit", memberId: MEMBER, receipt: receipt("r", 10_000), redeem: 0, partner: "p1" });
    expect(repeated).toEqual({ ...committed, ref: repeated.ref });
    expect(await second.cluster.requestForMember({ kind: "lookup", memberId: MEMBER })).toMatchObject({ value: { balance: 500 } });
  });

  it("answers BUSY without queueing once a shard's mailbox is full", async () => {
    const { cluster } = createInMemoryCluster({ shardThreads: 1, program: PROGRAM, clock: () => 5, mailboxCapacity: 3 });
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => cluster.requestForMember({ kind: "lookup", memberId: MEMBER })),
    );
    expect(replies.filter((reply) => !reply.ok && reply.code === "BUSY")).toHaveLength(2);
    expect(replies.filter((reply) => !reply.ok && reply.code === "UNKNOWN_MEMBER")).toHaveLength(3);
  });
});

describe("ShardActor expiry sweep", () => {
  it("expires lots of members who never come back and writes the expiry into their history, a bounded step at a time", async () => {
    let now = Date.UTC(2026, 0, 1);
    const program = { ...simpleProgram(), points: { ...simpleProgram().points, lifetimeDays: 30 } };
    const placement = PlacementTable.roundRobin(1);
    const store = new MemoryShardStore();
    const actor = new ShardActor({
      shardIndex: 0,
      store,
      ownedLogicalShards: placement.logicalShardsOf(0),
      program,
      clock: () => now,
      monotonicSeconds: () => 0,
    });
    const call = (request: ShardRequest): Promise<ShardReply> => new Promise((resolve) => actor.handle(request, resolve));
    const members = ["m00000000000000c1", "m00000000000000c2", "m00000000000000c3"];
    for (const memberId of members) {
      const logicalShard = logicalShardOf(memberId);
      await call({ kind: "enroll", ref: 1, logicalShard, memberId, profile: { ...PROFILE, card: memberId } });
      await call({ kind: "commit", ref: 2, logicalShard, memberId, receipt: { ...receipt(`r-${memberId}`, 2_000), at: now }, redeem: 0, partner: "p1" });
    }
    expect(actor.sweepExpired(10)).toBe(0);
    now += 31 * 86_400_000;
    const changed = [actor.sweepExpired(2), actor.sweepExpired(2), actor.sweepExpired(2)];
    expect(changed.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(Math.max(...changed)).toBeLessThanOrEqual(2);
    await settle();
    for (const memberId of members) {
      const logicalShard = logicalShardOf(memberId);
      const history = store.readActivity(logicalShard, memberId, null, 10);
      expect(history[0]).toMatchObject({ kind: "expiry", detail: { expired: 100 } });
      expect(await call({ kind: "lookup", ref: 3, logicalShard, memberId })).toMatchObject({ ok: true, value: { balance: 0 } });
    }
    expect(actor.sweepExpired(10)).toBe(0);
  });
});
