import { describe, expect, it } from "vitest";
import { poolAccountId } from "../../domain/family/family.js";
import { validateProgramDocument } from "../../domain/program/validate-program-document.js";
import { randomInteger, seededRandom } from "../../domain/random/seeded-random.js";
import type { Program } from "../../protocol/program-document.js";
import type { ControlStore } from "../control/control-store.js";
import { createInMemoryCluster } from "../shards/in-memory-cluster.js";
import type { MemoryShardFiles } from "../../shard/memory-shard.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { FamilyRelay } from "./family-relay.js";
import { familyToHoldFor, FamilyService } from "./family-service.js";
import { familyHoldKey } from "../../domain/family/family.js";
import { unpackAnswer } from "../../protocol/packed-answer.js";

/** 10 % back, points pay up to the whole receipt, active at once, never expiring: every point stays countable. */
const PROGRAM: Program = { ...validateProgramDocument({ name: "Family model", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 } }), version: 1 };
const MEMBERS = ["m0000000000000001", "m0000000000000002", "m0000000000000003", "m0000000000000004"];
const FAMILY = "household";
const STEPS = 250;
const PARTNER = "p1";
const NO_AUDIT = { appendAudit: async () => undefined } as unknown as ControlStore;

/** What the run went through, so a run that never reached the interesting paths fails. */
const seen = { familyReceipts: 0, cutAfterHold: 0, cutAfterCommit: 0, interleaved: 0, poolReturns: 0 };

interface Committed {
  readonly memberId: string;
  readonly id: string;
  returned: boolean;
}

/**
 * Points conserved across the pool and the members through joins, leaves under both policies,
 * family receipts that pay with the pool's points, returns, restarts, and the gateway "crashing"
 * between the hops (a hold with no commit; a commit whose intent was never delivered; a return
 * whose intent was never delivered): once the relay has run, every point is in exactly one account,
 * no hold is left, and the total is what the receipts accrued, less what they redeemed, net of returns.
 */
describe("family points against a model", () => {
  it.each([1, 2, 3, 4])("are conserved across pool and members whatever crashes between the hops (seed %i)", async (seed) => {
    let now = Date.UTC(2026, 0, 1);
    const clock = () => now;
    const random = seededRandom(seed);
    let data: MemoryShardFiles[] | undefined;
    let cluster!: ShardCluster;
    let family!: FamilyService;
    let relay!: FamilyRelay;
    const open = (): void => {
      const made = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock, ...(data === undefined ? {} : { data }) });
      cluster = made.cluster;
      data = made.data;
      family = new FamilyService(cluster, NO_AUDIT, clock);
      relay = new FamilyRelay(cluster, family, clock);
    };
    open();
    for (const [index, memberId] of MEMBERS.entries()) {
      expect((await cluster.requestForMember({ kind: "enroll", memberId, profile: { card: `c${index}`, phone: null, name: null, birthDate: null } })).ok).toBe(true);
    }
    let expected = 0;
    const committed: Committed[] = [];
    let operations = 0;
    for (let step = 0; step < STEPS; step += 1) {
      now += 20_000;
      const memberId = MEMBERS[randomInteger(random, MEMBERS.length - 1)] as string;
      const roll = random();
      const id = `s${step}`;
      if (roll < 0.08) {
        await family.join(FAMILY, { id, member: memberId }, "model").catch(() => undefined);
      } else if (roll < 0.14) {
        await family.leave(FAMILY, { id, member: memberId, points: random() < 0.5 ? "stay" : "share" }, "model").catch(() => undefined);
      } else if (roll < 0.3 && committed.some((receipt) => !receipt.returned)) {
        expected += await returnOne(cluster, family, committed, random);
      } else if (roll < 0.33) {
        await relay.pass();
      } else if (roll < 0.35) {
        await cluster.close();
        open();
      } else {
        // A return may run between a receipt's hold and its commit (another lane): it can leave the pool in debt meanwhile.
        const between = async (): Promise<void> => {
          if (committed.some((receipt) => !receipt.returned)) expected += await returnOne(cluster, family, committed, random);
        };
        const made = await commitOne(cluster, family, memberId, id, random, now, between);
        if (made !== null) {
          expected += made;
          committed.push({ memberId, id, returned: false });
          operations += 1;
        }
      }
    }
    // Let every hold go stale and the relay deliver and resolve everything a "crash" left.
    for (let pass = 0; pass < 4; pass += 1) {
      now += 120_000;
      await relay.pass();
    }
    let live = 0;
    for (const accountId of [...MEMBERS, poolAccountId(FAMILY)]) {
      const view = await cluster.requestForMember({ kind: "lookup", memberId: accountId });
      if (!view.ok) continue;
      expect(view.value.points.held).toBe(0);
      live += view.value.points.active + view.value.points.pending - view.value.points.debt;
    }
    expect(operations).toBeGreaterThan(50);
    expect(seen.familyReceipts).toBeGreaterThan(5);
    expect(live).toBe(expected);
    await cluster.close();
  });

  it("went through family receipts, both cuts and returns through the pool over the seeds", () => {
    // Runs after the seeds (vitest runs a file's tests in order).
    expect(seen.cutAfterHold).toBeGreaterThan(0);
    expect(seen.cutAfterCommit).toBeGreaterThan(0);
    expect(seen.poolReturns).toBeGreaterThan(0);
    expect(seen.interleaved).toBeGreaterThan(0);
  });
});

/** One receipt for the member, through the gateway's path or cut off after a hop; the points it adds to the total, or null if it did not commit. */
async function commitOne(cluster: ShardCluster, family: FamilyService, memberId: string, id: string, random: () => number, now: number, between: () => Promise<void>): Promise<number | null> {
  const receipt = { id, store: "s1", at: now, lines: [{ sku: "a", qty: 1, price: 1_000 + randomInteger(random, 4_000), amount: 0 }] };
  const lines = receipt.lines.map((line) => ({ ...line, amount: line.price }));
  const fields = { memberId, receipt: { ...receipt, lines }, redeem: 0, partner: PARTNER, cardType: null };
  const offered = await cluster.requestForMember({ kind: "calculate", ...fields });
  const familyId = familyToHoldFor(offered);
  const priced = familyId === null ? offered : await family.calculate(familyId, fields);
  if (!priced.ok) return null;
  const cut = random();
  const most = Math.min(unpackAnswer(priced.value).balance, lines[0]!.amount);
  // The interleaved path holds as much as it can: a return meanwhile then leaves the pool in debt.
  const redeem = cut >= 0.2 && cut < 0.3 ? most : random() < 0.5 ? randomInteger(random, most) : 0;
  const request = { ...fields, redeem };
  if (familyId !== null && redeem > 0 && cut < 0.1) {
    // The gateway died after the hold: no commit (the relay releases the hold once it is stale).
    seen.cutAfterHold += 1;
    await cluster.requestForMember({ kind: "family", memberId: poolAccountId(familyId), operation: { op: "hold", key: familyHoldKey(memberId, "s1", id, "lost"), points: redeem, partner: PARTNER, member: memberId, store: "s1", receiptId: id } });
    return null;
  }
  if (familyId !== null && redeem > 0 && cut < 0.3) {
    // The gateway died after the commit, before the intent reached the pool: the relay delivers it.
    // Or (0.2 to 0.3) another lane's return ran between the hold and the commit, and the intent is delivered now.
    const key = familyHoldKey(memberId, "s1", id, "cut");
    const held = await cluster.requestForMember({ kind: "family", memberId: poolAccountId(familyId), operation: { op: "hold", key, points: redeem, partner: PARTNER, member: memberId, store: "s1", receiptId: id } });
    if (!held.ok) return null;
    if (cut >= 0.2) {
      seen.interleaved += 1;
      await between();
      const reply = await cluster.requestForMember({ kind: "commit", ...request, familyHold: { family: familyId, key, points: redeem } });
      if (!reply.ok) return null;
      const finished = await family.finishPacked(reply.value);
      expect(finished.ok).toBe(true);
      return netOf(unpackAnswer(reply.value));
    }
    const reply = await cluster.requestForMember({ kind: "commit", ...request, familyHold: { family: familyId, key, points: redeem } });
    if (reply.ok) seen.cutAfterCommit += 1;
    return reply.ok ? netOf(unpackAnswer(reply.value)) : null;
  }
  let reply = await cluster.requestForMember({ kind: "commit", ...request });
  const holdFor = familyToHoldFor(reply);
  if (holdFor !== null) reply = (await family.commitWithHold(holdFor, request)).reply;
  if (!reply.ok) return null;
  if (reply.family === true) {
    seen.familyReceipts += 1;
    // Half the time the intent is delivered now (as a lane's commit does), else left to the relay.
    if (cut < 0.6) await family.finishPacked(reply.value);
  }
  return netOf(unpackAnswer(reply.value));
}

/** The points a commit adds to the total. */
function netOf(answer: { readonly points: number; readonly redeem: number }): number {
  return answer.points - answer.redeem;
}

/** A refund of one line's unit or a cancel of a receipt not yet returned; what it changes in the total. */
async function returnOne(cluster: ShardCluster, family: FamilyService, committed: Committed[], random: () => number): Promise<number> {
  const open = committed.filter((receipt) => !receipt.returned);
  const receipt = open[randomInteger(random, open.length - 1)] as Committed;
  receipt.returned = true;
  const reply =
    random() < 0.5
      ? await cluster.requestForMember({ kind: "cancel", memberId: receipt.memberId, store: "s1", receiptId: receipt.id, partner: PARTNER })
      : await cluster.requestForMember({ kind: "refund", memberId: receipt.memberId, store: "s1", refundId: `back-${receipt.id}`, receiptId: receipt.id, lines: [{ line: 0, qty: 1 }], partner: PARTNER });
  if (!reply.ok) return 0;
  if (reply.family === true) seen.poolReturns += 1;
  if (reply.family === true && random() < 0.6) await family.finishPacked(reply.value);
  const answer = unpackAnswer(reply.value as Uint8Array) as { pointsReturned?: number; pointsRevoked?: number };
  return (answer.pointsReturned ?? 0) - (answer.pointsRevoked ?? 0);
}
