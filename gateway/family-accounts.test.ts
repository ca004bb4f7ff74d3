import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { poolAccountId } from "../domain/family/family.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

/** 10 % back, points pay up to the whole receipt, active at once, never expiring. */
const PROGRAM = { name: "Family", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 } };
const SHARD_THREADS = 2;

function receipt(id: string, amount: number) {
  return { id, lines: [{ sku: "sku-1", qty: 2, price: amount / 2, amount }] };
}

/** The shard thread a member (or a pool) lives on: logical shards are placed round robin. */
function threadOf(accountId: string): number {
  return logicalShardOf(accountId) % SHARD_THREADS;
}

describe("family accounts over the wire", () => {
  const directory = makeTemporaryDirectory("family");
  let server: ServerProcess;
  let lane: LoycoreClient;
  let admin: string;
  /** Two members on different shard threads: cards and member ids. */
  const members: { card: string; id: string }[] = [];

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", String(SHARD_THREADS)]);
    admin = server.adminToken ?? "";
    expect((await postJson(`${server.url}/v1/admin/program`, admin, PROGRAM, "PUT")).status).toBe(200);
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    for (let index = 0; members.length < 3; index += 1) {
      const card = `94000000000${String(index).padStart(2, "0")}`;
      const enrolled = await lane.enroll({ card });
      const first = members[0];
      // The first two on different threads; the third anywhere (it stays out of the family).
      if (first === undefined || members.length === 2 || threadOf(first.id) !== threadOf(enrolled.member)) members.push({ card, id: enrolled.member });
    }
  });

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    directory.remove();
  });

  const family = (path: string, body: object) => postJson(`${server.url}/v1/admin/families/fam-1/${path}`, admin, body);

  it("pools the points of members on two shard threads: join, accrue, pay from another member, return, leave with each policy", async () => {
    const [alice, bob, carol] = members as [{ card: string; id: string }, { card: string; id: string }, { card: string; id: string }];
    expect(threadOf(alice.id)).not.toBe(threadOf(bob.id));
    // Alice earns 1,000 points before she joins: they move into the pool with her.
    expect((await lane.commit({ card: alice.card, receipt: receipt("before-1", 10_000) })).points).toBe(1_000);

    const joined = await family("join", { id: "join-a", member: alice.id });
    expect(joined).toMatchObject({ status: 200, body: { member: alice.id, family: "fam-1", join: "join-a", pointsMoved: 1_000 } });
    expect(joined.body["intent"]).toBeUndefined();
    // Idempotent by id: the same answer; the same id with other content, and a second family, refused.
    expect((await family("join", { id: "join-a", member: alice.id })).body).toEqual(joined.body);
    expect(await postJson(`${server.url}/v1/admin/families/fam-2/join`, admin, { id: "join-a", member: alice.id })).toMatchObject({ status: 409, body: { code: "CONFLICT" } });
    expect(await postJson(`${server.url}/v1/admin/families/fam-2/join`, admin, { id: "join-a2", member: alice.id })).toMatchObject({ status: 409, body: { code: "IN_FAMILY" } });
    expect((await family("join", { id: "join-b", member: bob.id })).body).toMatchObject({ pointsMoved: 0 });

    // Alice's accrual goes to the pool; Bob sees it at identify.
    const earned = await lane.commit({ card: alice.card, receipt: receipt("alice-1", 5_000) });
    expect(earned).toMatchObject({ points: 500, balance: 1_500, family: "fam-1" });
    expect(await lane.identify({ card: bob.card })).toMatchObject({ member: bob.id, balance: 1_500, family: "fam-1" });

    // Bob pays with the pool's points, from the other shard thread; his own accrual goes to the pool too.
    const offered = await lane.calculate({ card: bob.card, redeem: 300, receipt: receipt("bob-1", 2_000) });
    expect(offered).toMatchObject({ redeem: 300, balance: 1_500 });
    const paid = await lane.commit({ card: bob.card, redeem: 300, receipt: receipt("bob-1", 2_000) });
    expect(paid).toMatchObject({ redeem: 300, points: 170, balance: 1_370, family: "fam-1" });
    // A retry gets the first answer; points moved once.
    expect(await lane.commit({ card: bob.card, redeem: 300, receipt: receipt("bob-1", 2_000) })).toEqual(paid);
    await expect(lane.commit({ card: bob.card, redeem: 2_000, receipt: receipt("bob-2", 2_000) })).rejects.toMatchObject({ code: "INSUFFICIENT_POINTS" });

    // The pool's detailed balance says who earned each lot; a member's own account holds none.
    const pool = await getJson(`${server.url}/v1/admin/families/fam-1`, admin);
    expect(pool).toMatchObject({ status: 200, body: { family: "fam-1", balance: 1_370 } });
    const lots = pool.body["lots"] as { origin: string; remaining: number }[];
    expect(lots.map((lot) => [lot.origin, lot.remaining])).toEqual([
      [alice.id, 700],
      [alice.id, 500],
      [bob.id, 170],
    ]);
    expect(threadOf(poolAccountId("fam-1"))).toBeGreaterThanOrEqual(0);
    const detailed = await lane.balance({ card: alice.card, detail: true });
    expect(detailed).toMatchObject({ balance: 1_370, family: "fam-1" });
    expect((detailed.lots ?? []).map((lot) => lot.origin)).toEqual([alice.id, alice.id, bob.id]);
    const aliceView = await getJson(`${server.url}/v1/admin/members/${alice.id}`, admin);
    expect(aliceView.body).toMatchObject({ family: "fam-1", balance: 0 });

    // Returns go back through the pool: Alice's refund takes her 500 back; Bob's cancel gives 300 back and takes 170.
    const refund = await lane.refund({ card: alice.card, refund: { id: "ret-1", receipt: "alice-1", lines: [{ line: 0, qty: 2 }] } });
    expect(refund).toMatchObject({ pointsRevoked: 500, balance: 870, family: "fam-1" });
    expect(await lane.refund({ card: alice.card, refund: { id: "ret-1", receipt: "alice-1", lines: [{ line: 0, qty: 2 }] } })).toEqual(refund);
    const cancelled = await lane.cancel({ card: bob.card, receipt: "bob-1" });
    expect(cancelled).toMatchObject({ pointsRevoked: 170, pointsReturned: 300, balance: 1_000 });

    // Bob leaves; the points stay in the pool. Alice leaves with her share: the lots she earned.
    const bobLeaves = await family("leave", { id: "leave-b", member: bob.id, points: "stay" });
    expect(bobLeaves).toMatchObject({ status: 200, body: { member: bob.id, family: "fam-1", policy: "stay", pointsMoved: 0 } });
    expect((await family("leave", { id: "leave-b", member: bob.id, points: "stay" })).body).toEqual(bobLeaves.body);
    expect(await family("leave", { id: "leave-b2", member: bob.id, points: "stay" })).toMatchObject({ status: 409, body: { code: "NOT_IN_FAMILY" } });
    expect(await family("leave", { id: "leave-c", member: carol.id, points: "share" })).toMatchObject({ status: 409, body: { code: "NOT_IN_FAMILY" } });
    expect(await lane.identify({ card: bob.card })).toMatchObject({ balance: 0 });
    const aliceLeaves = await family("leave", { id: "leave-a", member: alice.id, points: "share" });
    expect(aliceLeaves).toMatchObject({ status: 200, body: { policy: "share", pointsMoved: 1_000 } });
    const alone = await lane.identify({ card: alice.card });
    expect(alone.balance).toBe(1_000);
    expect(alone.family).toBeUndefined();
    expect((await getJson(`${server.url}/v1/admin/families/fam-1`, admin)).body).toMatchObject({ balance: 0 });
    // Her next receipt accrues to her own account again.
    expect(await lane.commit({ card: alice.card, redeem: 100, receipt: receipt("alice-2", 1_000) })).toMatchObject({ balance: 990 });

    const audit = await getJson(`${server.url}/v1/admin/audit`, admin);
    const actions = JSON.stringify(audit.body);
    expect(actions).toContain("family-join");
    expect(actions).toContain("family-leave");
  });

  it("refuses a bad family id, a bad policy and unknown fields, naming the field", async () => {
    expect(await postJson(`${server.url}/v1/admin/families/${encodeURIComponent("a b")}/join`, admin, { id: "x", member: "m00" })).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(await family("leave", { id: "x", member: "m00", points: "half" })).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(await family("join", { id: "x", member: "m00", extra: 1 })).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(await getJson(`${server.url}/v1/admin/families/nobody`, admin)).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });
});
