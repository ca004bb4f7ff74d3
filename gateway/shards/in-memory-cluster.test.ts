import { describe, expect, it } from "vitest";
import type { Receipt } from "../../domain/receipt/receipt.js";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import { unpackAnswer } from "../../protocol/packed-answer.js";
import { createInMemoryCluster } from "./in-memory-cluster.js";

const PROGRAM = simpleProgram();
const MEMBER = "m00000000000000a1";
const PROFILE = { card: "1", phone: null, name: null, birthDate: null };

function receipt(id: string, amount: number): Receipt {
  return { id, store: "s1", at: 1_000, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
}

describe("the shard cluster over in-memory shards", () => {
  it("answers NO_PROGRAM when no program was ever installed, and computes once one is", async () => {
    const { cluster } = createInMemoryCluster({ shardThreads: 2, program: null, clock: () => 5 });
    await cluster.requestForMember({ kind: "enroll", memberId: MEMBER, profile: PROFILE });
    const before = await cluster.requestForMember({ kind: "calculate", memberId: MEMBER, receipt: receipt("r", 100), redeem: 0, partner: "p1" });
    expect(before).toMatchObject({ ok: false, code: "NO_PROGRAM" });
    await cluster.broadcast({ kind: "setProgram", program: PROGRAM });
    const after = await cluster.requestForMember({ kind: "calculate", memberId: MEMBER, receipt: receipt("r", 100), redeem: 0, partner: "p1" });
    expect(after.ok).toBe(true);
    // A calculation crosses packed, as the gateway splices it into the lane's frame.
    if (after.ok) expect(unpackAnswer(after.value)).toMatchObject({ points: 5 });
  });

  it("keeps every committed receipt across a restart of the in-memory cluster over the same data", async () => {
    const first = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock: () => 5 });
    await first.cluster.requestForMember({ kind: "enroll", memberId: MEMBER, profile: PROFILE });
    const committed = await first.cluster.requestForMember({ kind: "commit", memberId: MEMBER, receipt: receipt("r", 10_000), redeem: 0, partner: "p1" });
    await first.cluster.close();
    const second = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock: () => 5, data: first.data });
    const repeated = await second.cluster.requestForMember({ kind: "commit", memberId: MEMBER, receipt: receipt("r", 10_000), redeem: 0, partner: "p1" });
    expect(repeated).toEqual({ ref: repeated.ref, ok: true, value: (committed as { value: unknown }).value });
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
