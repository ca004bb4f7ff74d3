import { describe, expect, it } from "vitest";
import type { Account } from "../account/account.js";
import type { Receipt } from "../receipt/receipt.js";
import { PlacementTable } from "../sharding/placement-table.js";
import { logicalShardOf } from "../sharding/shard-function.js";
import { MemoryShardData, MemoryShardStore } from "../storage/memory-shard-store.js";
import type { ActivityRecord, ReceiptRecord, ShardStore, ShardWrite } from "../storage/shard-store.js";
import { StorageFullError } from "../storage/storage-failure.js";
import { simpleProgram } from "../test-support/simple-program.js";
import { ShardActor } from "./shard-actor.js";
import type { ShardReply, ShardRequest } from "./shard-messages.js";

/** A store whose batches are written, or refused as a full disk, when the test says so. */
class ControlledStore implements ShardStore {
  readonly data = new MemoryShardData();
  readonly inner = new MemoryShardStore(this.data);
  readonly batches: { writes: readonly ShardWrite[]; write: () => void; refuse: (error: Error) => void }[] = [];

  readAccount(logicalShard: number, memberId: string): Account | undefined {
    return this.inner.readAccount(logicalShard, memberId);
  }
  readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined {
    return this.inner.readReceipt(logicalShard, memberId, store, receiptId);
  }
  writeBatch(writes: readonly ShardWrite[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batches.push({ writes, write: () => void this.inner.writeBatch(writes).then(resolve), refuse: reject });
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

  /** Batches written or refused so far, in order. */
  private handled = 0;

  /** Writes every batch handed over so far, and those handed over meanwhile. */
  async writeAll(): Promise<void> {
    await settle();
    while (this.handled < this.batches.length) {
      this.batches[this.handled]?.write();
      this.handled += 1;
      await settle();
    }
  }

  /** Refuses the oldest batch not yet written, as a full disk does. */
  async refuseNext(): Promise<void> {
    await settle();
    const batch = this.batches[this.handled];
    if (batch === undefined) throw new Error("no batch is waiting");
    this.handled += 1;
    batch.refuse(new StorageFullError("/data/shards/0", Object.assign(new Error("No space left on device"), { code: 28 })));
    await settle();
  }
}

const PROGRAM = simpleProgram();
const MEMBER = "m00000000000000a1";
const LOGICAL = logicalShardOf(MEMBER);
const PROFILE = { card: "1", phone: null, name: null, birthDate: null };

const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 5; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

function receipt(id: string, amount: number): Receipt {
  return { id, store: "s1", at: 1_000, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
}

function makeActor(store: ShardStore): { actor: ShardActor; replies: ShardReply[]; send: (request: ShardRequest) => void } {
  const actor = new ShardActor({
    shardIndex: 0,
    store,
    ownedLogicalShards: PlacementTable.roundRobin(1).logicalShardsOf(0),
    program: PROGRAM,
    clock: () => 42,
    monotonicSeconds: () => 0,
  });
  const replies: ShardReply[] = [];
  return { actor, replies, send: (request) => actor.handle(request, (reply) => replies.push(reply)) };
}

const enroll: ShardRequest = { kind: "enroll", ref: 1, logicalShard: LOGICAL, memberId: MEMBER, profile: PROFILE };

/** Earns 1,000 points, spends 600 (earning 70), earns 100 and cancels that: each builds on the one before. */
const WORK: readonly ShardRequest[] = [
  { kind: "commit", ref: 10, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r1", 20_000), redeem: 0, partner: "p1" },
  { kind: "commit", ref: 11, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r2", 2_000), redeem: 600, partner: "p1" },
  { kind: "commit", ref: 12, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r3", 2_000), redeem: 0, partner: "p1" },
  { kind: "cancel", ref: 13, logicalShard: LOGICAL, memberId: MEMBER, store: "s1", receiptId: "r3" },
];

describe("ShardActor on a full disk", () => {
  it("answers STORAGE_FULL to every request whose write failed or built on it, and acknowledges none of them", async () => {
    const store = new ControlledStore();
    const { replies, send } = makeActor(store);
    send(enroll);
    await store.writeAll();
    const [first, ...rest] = WORK;
    send(first as ShardRequest);
    await settle();
    // The first receipt is in flight; the others join the open batch on top of its staged balance.
    for (const request of rest) send(request);
    // A redemption refused on the staged balance: a refusal that depends on the failed write.
    send({ kind: "commit", ref: 14, logicalShard: LOGICAL, memberId: MEMBER, receipt: receipt("r4", 2_000), redeem: 5_000, partner: "p1" });
    await settle();
    expect(store.batches).toHaveLength(2);
    await store.refuseNext();

    expect(replies.slice(1).map((reply) => [reply.ref, reply.ok ? "ok" : reply.code])).toEqual([
      [10, "STORAGE_FULL"],
      [11, "STORAGE_FULL"],
      [12, "STORAGE_FULL"],
      [13, "STORAGE_FULL"],
      [14, "STORAGE_FULL"],
    ]);
    // The open batch built on the failed one was dropped, not handed to the store.
    expect(store.batches).toHaveLength(2);
    expect(store.data.receipts.size).toBe(0);
    expect(store.data.accounts.get(`${LOGICAL}/${MEMBER}`)?.balance).toBe(0);
  });

  it("stays up and serves from the disk's state after the failure, as if the failed batch never happened", async () => {
    const store = new ControlledStore();
    const { replies, send } = makeActor(store);
    send(enroll);
    await store.writeAll();
    for (const request of WORK) send(request);
    await settle();
    await store.refuseNext();
    replies.length = 0;
    send({ kind: "lookup", ref: 20, logicalShard: LOGICAL, memberId: MEMBER });
    send({ kind: "health", ref: 21 });
    expect(replies).toMatchObject([
      { ref: 20, ok: true, value: { balance: 0, transactions: 0 } },
      { ref: 21, ok: true, value: { staged: 0 } },
    ]);
  });

  it("applies every retried request exactly once when space returns, leaving the same state as a run without the failure", async () => {
    const store = new ControlledStore();
    const { replies, send } = makeActor(store);
    send(enroll);
    await store.writeAll();
    for (const request of WORK) send(request);
    await settle();
    await store.refuseNext();
    expect(replies.filter((reply) => reply.ok)).toHaveLength(1);

    // Space returns: the lanes retry with the same ids, one of them twice.
    replies.length = 0;
    for (const request of [...WORK, WORK[0] as ShardRequest]) send(request);
    await store.writeAll();

    const reference = new ControlledStore();
    const untroubled = makeActor(reference);
    untroubled.send(enroll);
    await reference.writeAll();
    for (const request of WORK) untroubled.send(request);
    await reference.writeAll();

    expect(replies.slice(0, WORK.length)).toEqual(untroubled.replies.slice(1));
    expect(replies).toHaveLength(WORK.length + 1);
    expect(replies.at(-1)).toEqual(replies[0]);
    expect(replies.map((reply) => reply.ok)).toEqual([true, true, true, true, true]);
    expect(store.data.accounts).toEqual(reference.data.accounts);
    expect(store.data.receipts).toEqual(reference.data.receipts);
    expect(store.data.activity).toEqual(reference.data.activity);
    expect(store.data.accounts.get(`${LOGICAL}/${MEMBER}`)?.balance).toBe(470);
  });

  it("keeps answering STORAGE_FULL while the disk stays full, and nothing else", async () => {
    const store = new ControlledStore();
    const { replies, send } = makeActor(store);
    send(enroll);
    await store.writeAll();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      send(WORK[0] as ShardRequest);
      await store.refuseNext();
    }
    expect(replies.slice(1).map((reply) => (reply.ok ? "ok" : reply.code))).toEqual(["STORAGE_FULL", "STORAGE_FULL", "STORAGE_FULL"]);
    expect(store.data.receipts.size).toBe(0);
  });
});
