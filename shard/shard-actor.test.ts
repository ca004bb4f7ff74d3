import { describe, expect, it } from "vitest";
import { InvariantError } from "../domain/assert/assert.js";
import { simpleProgram } from "../domain/test-support/simple-program.js";
import { openMemoryShardActor, settleTurns as settle } from "./test-support/memory-shard-actor.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import { PlacementTable } from "../domain/placement/placement-table.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { MemoryShardStore } from "./storage/memory-shard-store.js";
import { openMemoryCommitLog } from "./log/memory-commit-log.js";
import { MemoryShardFiles, openMemoryShardStorage } from "./memory-shard.js";
import { findReceipts } from "./recovery.js";
import { ShardActor } from "./shard-actor.js";
import type { ShardReply, ShardRequest } from "./shard-messages.js";

const PROGRAM = simpleProgram();

function receipt(id: string, amount: number): Receipt {
  return { id, store: "s1", at: 1_000, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
}

const MEMBER = "m00000000000000a1";
const LOGICAL = logicalShardOf(MEMBER);
const PROFILE = { card: "1", phone: null, name: null, birthDate: null };

function commit(ref: number, id: string, amount: number, redeem = 0): ShardRequest {
  return { kind: "commit", ref, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt(id, amount), redeem, partner: "p1" };
}

const ENROLL: ShardRequest = { kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE };

/** A checkpoint policy that never starts one by itself: tests call actor.tick() after lowering nothing. */
const NO_AUTOMATIC_CHECKPOINT = { triggerBytes: 1024 * 1024 * 1024, intervalMilliseconds: 1_000_000_000, overlayBytesMax: 2 * 1024 * 1024 * 1024 };

describe("ShardActor", () => {
  it("does not answer a commit before its log record is durable, then answers it", async () => {
    const { replies, send, log } = openMemoryShardActor({ program: PROGRAM });
    log.holdSyncs();
    send(ENROLL);
    await settle();
    expect(replies).toHaveLength(0);
    log.releaseSyncs();
    log.holdSyncs();
    await settle();
    expect(replies).toMatchObject([{ ref: 1, ok: true }]);

    send(commit(2, "r1", 2_000));
    await settle();
    expect(replies).toHaveLength(1);
    log.releaseSyncs();
    await settle();
    expect(replies[1]).toMatchObject({ ref: 2, ok: true, value: { points: 100, balance: 100 } });
  });

  it("groups everything appended while one group syncs into the next, one record per operation, and answers in order", async () => {
    const { replies, send, log } = openMemoryShardActor({ program: PROGRAM });
    send(ENROLL);
    await settle();
    log.holdSyncs();
    send(commit(9, "r-first", 2_000));
    await settle();
    const writesBefore = log.stats().writes;
    for (let index = 0; index < 15; index += 1) send(commit(10 + index, `r${index}`, 2_000));
    await settle();
    expect(replies.map((reply) => reply.ref)).toEqual([1]);
    log.releaseSyncs();
    await settle();
    expect(log.stats().writes - writesBefore).toBe(1);
    expect(log.stats().recordsAppended).toBe(17);
    expect(replies.map((reply) => reply.ref)).toEqual([1, 9, ...Array.from({ length: 15 }, (_, index) => 10 + index)]);
    expect(replies.at(-1)).toMatchObject({ ok: true, value: { balance: 1_600 } });
  });

  it("lets a second receipt build on the first one's balance before either is durable", async () => {
    const { replies, send, log } = openMemoryShardActor({ program: PROGRAM });
    log.holdSyncs();
    send(ENROLL);
    send(commit(2, "r1", 20_000));
    send(commit(3, "r2", 2_000, 1_000));
    await settle();
    expect(replies).toHaveLength(0);
    log.releaseSyncs();
    await settle();
    expect(replies.map((reply) => reply.ok)).toEqual([true, true, true]);
    expect(replies[2]).toMatchObject({ value: { redeem: 1_000, balance: 50 } });
  });

  it("holds a repeat of a receipt that is not durable yet until it is, then answers the first answer", async () => {
    const { replies, send, log } = openMemoryShardActor({ program: PROGRAM });
    send(ENROLL);
    await settle();
    log.holdSyncs();
    send(commit(2, "r1", 2_000));
    send(commit(3, "r1", 2_000));
    send(commit(4, "r1", 2_001));
    await settle();
    expect(replies).toHaveLength(1);
    log.releaseSyncs();
    await settle();
    // The repeat carries the first answer; only the first names the log record it wrote.
    expect(replies[2]).toEqual({ ref: 3, ok: true, value: (replies[1] as { value: unknown }).value });
    expect(replies[3]).toMatchObject({ ref: 4, ok: false, code: "CONFLICT" });
    // The repeat and the conflict appended nothing.
    expect(log.stats().recordsAppended).toBe(2);
  });

  it("answers the log's STORAGE_FULL at once and applies nothing of a refused operation", async () => {
    const files = new MemoryShardFiles();
    const small = { segmentBytes: 64 * 1024, writeBytesMax: 16 * 1024, recordPayloadBytesMax: 8 * 1024, pendingBytesMax: 16 * 1024 };
    const { call, log } = openMemoryShardActor({ program: PROGRAM, files, logOptions: small });
    await call(ENROLL);
    // Fill the segment in use and make sure no spare can be made.
    files.log.full = true;
    let refused: ShardReply | undefined;
    for (let index = 0; index < 10_000 && refused === undefined; index += 1) {
      const reply = await call(commit(100 + index, `fill-${index}`, 2_000));
      if (!reply.ok) refused = reply;
    }
    expect(refused).toMatchObject({ ok: false, code: "STORAGE_FULL" });
    const committed = log.stats().recordsAppended - 1;
    expect(await call({ kind: "lookup", ref: 5, logicalShard: LOGICAL, memberId: MEMBER })).toMatchObject({ ok: true, value: { transactions: committed } });
  });

  it("crashes with an InvariantError when asked about a logical shard it does not own", () => {
    const placement = PlacementTable.roundRobin(2);
    const actor = new ShardActor({
      shardIndex: 0,
      store: new MemoryShardStore(),
      log: openMemoryCommitLog().log,
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
});

describe("ShardActor expiry sweep", () => {
  it("expires lots of members who never come back and writes the expiry into their history, a bounded step at a time", async () => {
    let now = Date.UTC(2026, 0, 1);
    const program = { ...simpleProgram(), points: { ...simpleProgram().points, lifetimeDays: 30 } };
    const { actor, call } = openMemoryShardActor({ program, clock: () => now });
    const members = ["m00000000000000c1", "m00000000000000c2", "m00000000000000c3"];
    for (const memberId of members) {
      const logicalShard = logicalShardOf(memberId);
      await call({ kind: "enroll", ref: 1, logicalShard, memberId, profile: { ...PROFILE, card: memberId } });
      await call({ kind: "commit", ref: 2, logicalShard, memberId, receipt: { ...receipt(`r-${memberId}`, 2_000), at: now }, redeem: 0, partner: "p1" });
    }
    // The sweep walks the members the store holds: those of the last checkpoint.
    await actor.checkpointNow();
    expect(actor.sweepExpired(10)).toBe(0);
    now += 31 * 86_400_000;
    const changed = [actor.sweepExpired(2), actor.sweepExpired(2), actor.sweepExpired(2)];
    expect(changed.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(Math.max(...changed)).toBeLessThanOrEqual(2);
    await settle();
    for (const memberId of members) {
      const logicalShard = logicalShardOf(memberId);
      const history = await call({ kind: "activity", ref: 4, logicalShard, memberId, before: null, limit: 10 });
      expect(history).toMatchObject({ ok: true, value: { activity: [{ kind: "expiry", expired: 100 }, { kind: "receipt" }] } });
      expect(await call({ kind: "lookup", ref: 3, logicalShard, memberId })).toMatchObject({ ok: true, value: { balance: 0 } });
    }
    expect(actor.sweepExpired(10)).toBe(0);
  });
});

describe("ShardActor over its log and checkpoints", () => {
  it("after a crash, replays the durable log over the last checkpoint: every acknowledged answer again, nothing unacknowledged", async () => {
    const files = new MemoryShardFiles();
    const first = openMemoryShardActor({ program: PROGRAM, files, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    await first.call(ENROLL);
    const acknowledged = [await first.call(commit(2, "r1", 20_000)), await first.call(commit(3, "r2", 4_000, 300))];
    await first.actor.checkpointNow();
    acknowledged.push(await first.call(commit(4, "r3", 6_000)));
    const before = await first.call({ kind: "lookup", ref: 6, logicalShard: LOGICAL, memberId: MEMBER });
    // Appended, never durable: lost in the crash, and never acknowledged.
    first.log.holdSyncs();
    first.send(commit(5, "r4", 8_000));
    await settle();
    expect(first.replies).toHaveLength(0);
    first.log.crash();

    const second = openMemoryShardActor({ program: PROGRAM, files, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    const valueOf = (reply: ShardReply | undefined): unknown => (reply?.ok === true ? reply.value : reply);
    expect(valueOf(await second.call(commit(2, "r1", 20_000)))).toEqual(valueOf(acknowledged[0]));
    expect(valueOf(await second.call(commit(3, "r2", 4_000, 300)))).toEqual(valueOf(acknowledged[1]));
    expect(valueOf(await second.call(commit(4, "r3", 6_000)))).toEqual(valueOf(acknowledged[2]));
    const lookup = await second.call({ kind: "lookup", ref: 6, logicalShard: LOGICAL, memberId: MEMBER });
    expect(lookup).toEqual(before);
    expect(lookup).toMatchObject({ ok: true, value: { transactions: 3 } });
  });

  it("writes the overlay to the store at a checkpoint, records the position it covers and drops the log before it", async () => {
    const { actor, call, store, log, files } = openMemoryShardActor({ program: PROGRAM, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    await call(ENROLL);
    for (let index = 0; index < 5; index += 1) await call(commit(10 + index, `r${index}`, 2_000));
    expect(store.readAccount(LOGICAL, MEMBER)).toBeUndefined();
    await actor.checkpointNow();
    expect(store.checkpointSequence).toBe(log.nextSequence);
    expect(store.readAccount(LOGICAL, MEMBER)?.balance).toBe(500);
    expect(store.readActivity(LOGICAL, MEMBER, null, 10)).toHaveLength(5);
    expect(files.store.checkpoints).toBe(1);
    // History merges the store's entries with the overlay's newer ones.
    await call(commit(20, "r-after", 2_000));
    const history = await call({ kind: "activity", ref: 21, logicalShard: LOGICAL, memberId: MEMBER, before: null, limit: 3 });
    expect(history).toMatchObject({ ok: true, value: { activity: [{ sequence: 6, receipt: "r-after" }, { sequence: 5 }, { sequence: 4 }] } });
    const older = await call({ kind: "activity", ref: 22, logicalShard: LOGICAL, memberId: MEMBER, before: 4, limit: 10 });
    expect(older).toMatchObject({ ok: true, value: { activity: [{ sequence: 3 }, { sequence: 2 }, { sequence: 1 }] } });
  });

  it("holds a checkpoint until the gateway's receipt index covers its last receipt, so a restart can report what the index lacks", async () => {
    const files = new MemoryShardFiles();
    const { store, log } = openMemoryShardStorage(files);
    const actor = new ShardActor({
      shardIndex: 0,
      store,
      log,
      ownedLogicalShards: PlacementTable.roundRobin(1).logicalShardsOf(0),
      program: PROGRAM,
      clock: () => 42,
      monotonicSeconds: () => performance.now() / 1000,
      checkpoint: NO_AUTOMATIC_CHECKPOINT,
      receiptIndexThrough: 0,
    });
    const call = (request: ShardRequest): Promise<ShardReply> => new Promise((resolve) => actor.handle(request, resolve));
    await call(ENROLL);
    const committed = await call(commit(2, "r1", 2_000));
    expect(committed).toMatchObject({ ok: true, sequence: 2 });
    let checkpointed = false;
    const checkpoint = actor.checkpointNow().then(() => (checkpointed = true));
    await settle();
    expect(checkpointed).toBe(false);
    expect(store.checkpointSequence).toBe(1);
    await call({ kind: "receiptIndexFloor", ref: 3, through: 2 });
    await checkpoint;
    expect(store.checkpointSequence).toBe(3);
  });

  it("reports at start the receipts its log holds after the receipt index's floor", async () => {
    const files = new MemoryShardFiles();
    const first = openMemoryShardActor({ program: PROGRAM, files, checkpoint: NO_AUTOMATIC_CHECKPOINT });
    await first.call(ENROLL);
    await first.call(commit(2, "r1", 2_000));
    await first.call({ kind: "refund", ref: 3, logicalShard: LOGICAL, memberId: MEMBER, store: "s1", refundId: "f1", receiptId: "r1", lines: [{ line: 0, qty: 1 }] });
    await first.call(commit(4, "r2", 2_000));
    first.log.crash();
    const opened = openMemoryCommitLog({ disk: files.log, startSequence: files.store.checkpointSequence });
    // A refund rewrites its receipt's record: that receipt is reported again, which indexing makes no worse.
    expect(findReceipts(opened.replay(3)).map(({ receiptId, sequence }) => [receiptId, sequence])).toEqual([["r1", 3], ["r2", 4]]);
    expect(findReceipts(opened.replay(1)).map(({ receiptId }) => receiptId)).toEqual(["r1", "r1", "r2"]);
  });

  it("refuses state changes with BUSY once the overlay reaches its limit, keeps answering reads, and accepts them again after a checkpoint", async () => {
    const { actor, call } = openMemoryShardActor({
      program: PROGRAM,
      checkpoint: { triggerBytes: 1024 * 1024 * 1024 - 1, intervalMilliseconds: 1_000_000_000, overlayBytesMax: 1024 * 1024 * 1024 },
    });
    await call(ENROLL);
    // A limit smaller than one member's pinned account: the next state change is over it.
    const tight = openMemoryShardActor({ program: PROGRAM, checkpoint: { triggerBytes: 1, intervalMilliseconds: 1_000_000_000, overlayBytesMax: 2 } });
    await tight.call(ENROLL);
    expect(await tight.call(commit(2, "r1", 2_000))).toMatchObject({ ok: false, code: "BUSY" });
    expect(await tight.call({ kind: "lookup", ref: 3, logicalShard: LOGICAL, memberId: MEMBER })).toMatchObject({ ok: true, value: { balance: 0 } });
    await tight.actor.checkpointNow();
    expect(await tight.call(commit(4, "r1", 2_000))).toMatchObject({ ok: true, value: { balance: 100 } });
    expect(await call(commit(5, "r1", 2_000))).toMatchObject({ ok: true });
    await actor.checkpointNow();
  });
});
