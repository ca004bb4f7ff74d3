import { describe, expect, it } from "vitest";
import { familyHoldKey, poolAccountId, type FamilyIntent } from "../domain/family/family.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import type { Program } from "../protocol/program-document.js";
import type { FamilyOperation, ShardReply, ShardRequest, ShardRequestBody } from "./shard-messages.js";
import { openMemoryShardActor, settleTurns } from "./test-support/memory-shard-actor.js";

const PROGRAM: Program = { ...validateProgramDocument({ name: "Family", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 } }), version: 1 };
const ALICE = "m00000000000000a1";
const POOL = poolAccountId("home");

/** One actor owning every logical shard: the member and the pool are two accounts, as on two threads. */
function shard() {
  const opened = openMemoryShardActor({ program: PROGRAM, clock: () => 1_800_000_000_000 });
  let ref = 0;
  const call = async (request: ShardRequestBody): Promise<ShardReply> => {
    const pending = opened.call({ ...request, ref: ++ref } as ShardRequest);
    await settleTurns();
    return await pending;
  };
  const family = (accountId: string, operation: FamilyOperation) => call({ kind: "family", logicalShard: logicalShardOf(accountId), memberId: accountId, operation });
  const receipt = (id: string) => ({ id, store: "s1", at: 1_800_000_000_000, lines: [{ sku: "a", qty: 1, price: 1_000, amount: 1_000 }] });
  const commit = (id: string, redeem: number, familyHold?: { family: string; key: string; points: number }) =>
    call({ kind: "commit", logicalShard: logicalShardOf(ALICE), memberId: ALICE, receipt: receipt(id), redeem, partner: "p", ...(familyHold === undefined ? {} : { familyHold }) });
  return { call, family, commit };
}

async function joinedShard() {
  const driver = shard();
  await driver.call({ kind: "enroll", logicalShard: logicalShardOf(ALICE), memberId: ALICE, profile: { card: "c1", phone: null, name: null, birthDate: null } });
  // 100 points before joining: they move to the pool.
  expect((await driver.commit("earn", 0)).ok).toBe(true);
  const joined = await driver.family(ALICE, { op: "join", joinId: "j1", family: "home", pool: POOL, operator: "test" });
  if (!joined.ok) throw new Error(joined.message);
  const intent = (joined.value as { intent: FamilyIntent }).intent;
  expect((await driver.family(POOL, { op: "apply", intent })).ok).toBe(true);
  return driver;
}

describe("family operations on a shard", () => {
  it("asks for a hold before a family member redeems, and commits against the hold it names", async () => {
    const { commit, family } = await joinedShard();
    const refused = await commit("r1", 50);
    expect(refused).toMatchObject({ ok: false, code: "FAMILY_HOLD_REQUIRED" });
    const key = familyHoldKey(ALICE, "s1", "r1", "n1");
    expect(await family(POOL, { op: "hold", key, points: 50, partner: "p", member: ALICE, store: "s1", receiptId: "r1" })).toMatchObject({ ok: true, value: { points: 50, balance: 50 } });
    const committed = await commit("r1", 50, { family: "home", key, points: 50 });
    expect(committed).toMatchObject({ ok: true, value: { redeem: 50, points: 95 } });
    // The member's own account holds no points: they are the pool's once the intent is applied.
    const intent = (committed.ok ? (committed.value as unknown as { familyIntent: { intent: FamilyIntent } }).familyIntent.intent : null) as FamilyIntent;
    expect(intent).toMatchObject({ kind: "receipt", target: POOL, redeem: 50, hold: { key, points: 50 } });
    const applied = await family(POOL, { op: "apply", intent });
    expect(applied).toMatchObject({ ok: true, value: { balance: 145 } });
    // Applied once: a repeat answers the first answer and changes nothing (no log record: no sequence).
    const { sequence: _sequence, ...first } = applied as ShardReply & { sequence?: number };
    expect(await family(POOL, { op: "apply", intent })).toEqual({ ...first, ref: expect.any(Number) });
  });

  it("writes a family receipt's points.accrued event naming the family whose pool got the points", async () => {
    const { call, commit } = await joinedShard();
    expect((await commit("r-event", 0)).ok).toBe(true);
    const read = await call({ kind: "outboxRead", section: "events", endpoint: null, after: null, limit: 100 });
    const entries = read.ok ? (read.value as { entries: { kind: string; data: Record<string, unknown> }[] }).entries : [];
    const accrued = entries.filter((entry) => entry.kind === "points.accrued" && entry.data["receipt"] === "r-event");
    expect(accrued).toHaveLength(1);
    expect(accrued[0]?.data).toMatchObject({ points: 100, balance: 0, family: "home" });
  });

  it("once a hold is aborted on the member's shard, no commit can capture it; once committed, an abort says so", async () => {
    const { commit, family } = await joinedShard();
    const lost = familyHoldKey(ALICE, "s1", "r2", "lost");
    await family(POOL, { op: "hold", key: lost, points: 30, partner: "p", member: ALICE, store: "s1", receiptId: "r2" });
    expect(await family(ALICE, { op: "abort", key: lost, store: "s1", receiptId: "r2" })).toMatchObject({ ok: true, value: { committed: false } });
    expect(await family(POOL, { op: "release", key: lost })).toMatchObject({ ok: true, value: { released: 30 } });
    // The attempt's commit arrives late: refused, nothing changes.
    expect(await commit("r2", 30, { family: "home", key: lost, points: 30 })).toMatchObject({ ok: false, code: "FAMILY_HOLD_ABORTED" });

    const kept = familyHoldKey(ALICE, "s1", "r3", "kept");
    await family(POOL, { op: "hold", key: kept, points: 20, partner: "p", member: ALICE, store: "s1", receiptId: "r3" });
    expect((await commit("r3", 20, { family: "home", key: kept, points: 20 })).ok).toBe(true);
    expect(await family(ALICE, { op: "abort", key: kept, store: "s1", receiptId: "r3" })).toMatchObject({ ok: true, value: { committed: true } });
    // Another attempt's hold of the same receipt is not the one it committed with: that one may go.
    const other = familyHoldKey(ALICE, "s1", "r3", "other");
    expect(await family(ALICE, { op: "abort", key: other, store: "s1", receiptId: "r3" })).toMatchObject({ ok: true, value: { committed: false } });
  });

  it("settles the pool's points another partner issued, spent at this store, and a return of them, under the pool", async () => {
    const { call, family } = await joinedShard();
    const key = familyHoldKey(ALICE, "s1", "r4", "n4");
    await family(POOL, { op: "hold", key, points: 60, partner: "cafe", member: ALICE, store: "s1", receiptId: "r4" });
    const committed = await call({ kind: "commit", logicalShard: logicalShardOf(ALICE), memberId: ALICE, receipt: { id: "r4", store: "s1", at: 1_800_000_000_000, lines: [{ sku: "a", qty: 2, price: 500, amount: 1_000 }] }, redeem: 60, partner: "cafe", familyHold: { family: "home", key, points: 60 } });
    const intentOf = (reply: ShardReply) => (reply.ok ? (reply.value as unknown as { familyIntent: { intent: FamilyIntent } }).familyIntent.intent : null) as FamilyIntent;
    expect((await family(POOL, { op: "apply", intent: intentOf(committed) })).ok).toBe(true);
    const refunded = await call({ kind: "refund", logicalShard: logicalShardOf(ALICE), memberId: ALICE, store: "s1", refundId: "back", receiptId: "r4", lines: [{ line: 0, qty: 1 }], partner: "cafe" });
    expect((await family(POOL, { op: "apply", intent: intentOf(refunded) })).ok).toBe(true);
    const page = await call({ kind: "settlement", fromDay: 0, toDay: 2 ** 32, after: null, limit: 100 });
    const entries = page.ok ? (page.value as { entries: { issuer: string; redeemer: string; points: number; memberId: string; operation: string }[] }).entries : [];
    // The pool's lots were issued by partner "p" (Alice's receipt before she joined), spent at "cafe".
    expect(entries.map(({ issuer, redeemer, points, memberId, operation }) => ({ issuer, redeemer, points, memberId, operation }))).toEqual([
      { issuer: "p", redeemer: "cafe", points: 60, memberId: POOL, operation: "commit" },
      { issuer: "p", redeemer: "cafe", points: -30, memberId: POOL, operation: "refund back" },
    ]);
  });

  it("refuses a join of a member in a family, a leave of one in none, and a reversal before its receipt's intent", async () => {
    const { family } = await joinedShard();
    expect(await family(ALICE, { op: "join", joinId: "j2", family: "other", pool: poolAccountId("other"), operator: "test" })).toMatchObject({ ok: false, code: "IN_FAMILY" });
    expect(await family(ALICE, { op: "join", joinId: "j1", family: "other", pool: poolAccountId("other"), operator: "test" })).toMatchObject({ ok: false, code: "CONFLICT" });
    const reverse: FamilyIntent = { kind: "reverse", id: `${ALICE}#99`, target: POOL, member: ALICE, at: 0, receiptIntent: `${ALICE}#98`, revoke: 10, giveBack: 0, operation: "cancel" };
    expect(await family(POOL, { op: "apply", intent: reverse })).toMatchObject({ ok: false, code: "UNAVAILABLE" });
    expect((await family(ALICE, { op: "leave", leaveId: "l1", policy: "stay", operator: "test" })).ok).toBe(true);
    expect(await family(ALICE, { op: "leave", leaveId: "l2", policy: "stay", operator: "test" })).toMatchObject({ ok: false, code: "NOT_IN_FAMILY" });
  });
});
