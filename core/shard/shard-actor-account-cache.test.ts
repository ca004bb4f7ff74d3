import { describe, expect, it } from "vitest";
import type { Account } from "../account/account.js";
import type { Receipt } from "../receipt/receipt.js";
import { PlacementTable } from "../sharding/placement-table.js";
import { logicalShardOf } from "../sharding/shard-function.js";
import { MemoryShardData, MemoryShardStore } from "../storage/memory-shard-store.js";
import type { ShardWrite } from "../storage/shard-store.js";
import { StorageFullError } from "../storage/storage-failure.js";
import { simpleProgram } from "../test-support/simple-program.js";
import { ACCOUNT_CACHE_ENTRIES_MAX, ShardActor } from "./shard-actor.js";
import type { ShardReply, ShardRequest } from "./shard-messages.js";

/** A memory store that counts account reads and can refuse the next batch as a full disk. */
class CountingStore extends MemoryShardStore {
  accountReads = 0;
  refuseNextBatch = false;
  /** While set, batches wait for it before they are written. */
  gate: Promise<void> | null = null;

  override readAccount(logicalShard: number, memberId: string): Account | undefined {
    this.accountReads += 1;
    return super.readAccount(logicalShard, memberId);
  }

  override writeBatch(writes: readonly ShardWrite[]): Promise<void> {
    if (this.refuseNextBatch) {
      this.refuseNextBatch = false;
      return Promise.reject(new StorageFullError("/data/shards/0", Object.assign(new Error("No space left on device"), { code: "ENOSPC" })));
    }
    const gate = this.gate;
    return gate === null ? super.writeBatch(writes) : gate.then(() => super.writeBatch(writes));
  }
}

const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 5; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

function receipt(id: string, amount: number): Receipt {
  return { id, store: "s1", at: 1_000, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
}

function memberId(index: number): string {
  return `m${index.toString(16).padStart(16, "0")}`;
}

function makeActor(store: CountingStore): { replies: ShardReply[]; send: (request: ShardRequest) => void } {
  const actor = new ShardActor({
    shardIndex: 0,
    store,
    ownedLogicalShards: PlacementTable.roundRobin(1).logicalShardsOf(0),
    program: simpleProgram(),
    clock: () => 42,
    monotonicSeconds: () => 0,
  });
  const replies: ShardReply[] = [];
  return { replies, send: (request) => actor.handle(request, (reply) => replies.push(reply)) };
}

function enroll(ref: number, member: string): ShardRequest {
  return { kind: "enroll", ref, logicalShard: logicalShardOf(member), memberId: member, profile: { card: member, phone: null, name: null, birthDate: null } };
}

function balanceOf(reply: ShardReply | undefined): unknown {
  if (reply === undefined || !reply.ok) throw new Error(`expected a successful reply, got ${JSON.stringify(reply)}`);
  return reply.value["balance"];
}

describe("ShardActor account cache", () => {
  it("reads a member served receipt after receipt from the store at most once", async () => {
    const store = new CountingStore(new MemoryShardData());
    const { replies, send } = makeActor(store);
    const member = memberId(1);
    const logicalShard = logicalShardOf(member);
    send(enroll(1, member));
    await settle();
    const readsAfterEnrolment = store.accountReads;
    for (let index = 0; index < 5; index += 1) {
      send({ kind: "lookup", ref: 10 + index * 3, logicalShard, memberId: member });
      send({ kind: "calculate", ref: 11 + index * 3, logicalShard, memberId: member, receipt: receipt(`r${index}`, 10_000), redeem: 0, partner: "p1" });
      send({ kind: "commit", ref: 12 + index * 3, logicalShard, memberId: member, receipt: receipt(`r${index}`, 10_000), redeem: 0, partner: "p1" });
      await settle();
    }
    expect(replies.every((reply) => reply.ok)).toBe(true);
    expect(replies).toHaveLength(16);
    // Enrolment looked once (nothing there); everything after is served from the overlay or the cache.
    expect(store.accountReads - readsAfterEnrolment).toBe(0);
  });

  it("serves what is on disk, not a discarded batch, after a write refused for lack of space", async () => {
    const store = new CountingStore(new MemoryShardData());
    const { replies, send } = makeActor(store);
    const member = memberId(2);
    const logicalShard = logicalShardOf(member);
    send(enroll(1, member));
    await settle();
    // The enrolled account (balance 0) is now cached.
    send({ kind: "lookup", ref: 2, logicalShard, memberId: member });
    await settle();
    expect(balanceOf(replies.find((reply) => reply.ref === 2))).toBe(0);

    let openGate = (): void => undefined;
    store.gate = new Promise((resolve) => {
      openGate = resolve;
    });
    send({ kind: "commit", ref: 3, logicalShard, memberId: member, receipt: receipt("durable", 20_000), redeem: 0, partner: "p1" });
    await settle();
    // The first commit's batch waits at the gate; the second joins the next batch and shadows it in the overlay.
    send({ kind: "commit", ref: 4, logicalShard, memberId: member, receipt: receipt("refused", 50_000), redeem: 0, partner: "p1" });
    store.gate = null;
    store.refuseNextBatch = true;
    openGate();
    await settle();
    expect(replies.find((reply) => reply.ref === 3)?.ok).toBe(true);
    expect(replies.find((reply) => reply.ref === 4)).toMatchObject({ ok: false, code: "STORAGE_FULL" });

    const onDisk = store.readAccount(logicalShard, member)?.balance;
    expect(onDisk).toBeGreaterThan(0);
    send({ kind: "lookup", ref: 5, logicalShard, memberId: member });
    await settle();
    expect(balanceOf(replies.find((reply) => reply.ref === 5))).toBe(onDisk);
  });

  it("keeps at most its bound of accounts, dropping the least recently used first", async () => {
    const store = new CountingStore(new MemoryShardData());
    const { replies, send } = makeActor(store);
    const members = ACCOUNT_CACHE_ENTRIES_MAX + 1;
    for (let index = 0; index < members; index += 1) send(enroll(index + 1, memberId(100 + index)));
    await settle();
    expect(replies.filter((reply) => reply.ok)).toHaveLength(members);

    const first = memberId(100);
    const last = memberId(100 + members - 1);
    const readsBefore = store.accountReads;
    send({ kind: "lookup", ref: 1_000_000, logicalShard: logicalShardOf(last), memberId: last });
    await settle();
    expect(store.accountReads).toBe(readsBefore);
    // The first enrolled member became durable first and was pushed out by the later ones.
    send({ kind: "lookup", ref: 1_000_001, logicalShard: logicalShardOf(first), memberId: first });
    await settle();
    expect(store.accountReads).toBe(readsBefore + 1);
  });
});
