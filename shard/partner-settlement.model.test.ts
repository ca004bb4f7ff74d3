import { describe, expect, it } from "vitest";
import { crossPartnerPoints } from "../domain/engine/partner-settlement.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { randomInteger, seededRandom } from "../domain/random/seeded-random.js";
import type { Program } from "../protocol/program-document.js";
import type { SettlementEntry, ShardReply, ShardRequest } from "./shard-messages.js";
import { openMemoryShardActor, settleTurns } from "./test-support/memory-shard-actor.js";

/** 10 % back, points pay up to the whole receipt, a point worth 3 kopecks. */
const PROGRAM: Program = {
  ...validateProgramDocument({ name: "Coalition", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000, pointValueMinor: 3 } }),
  version: 1,
};
const PARTNERS = ["bakery", "cafe", "cinema"];
const MEMBERS = ["m00000000000000a1", "m00000000000000a2"];
const START = Date.UTC(2026, 0, 1);
const STEPS = 150;

interface Receipt {
  readonly memberId: string;
  readonly id: string;
  readonly redeemer: string;
  readonly lines: number;
  cancelled: boolean;
}

describe("settlement entries against the receipts' spent shares", () => {
  it.each([1, 2, 3])("sum, per issuer and redeemer, to the points other partners issued that receipts spent net of returns (seed %i)", async (seed) => {
    let now = START;
    // Seeds 2 and 3 checkpoint all the time: entries are then read from the store and the overlay together.
    const checkpoint = seed === 1 ? {} : { checkpoint: { intervalMilliseconds: 1 } };
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, ...checkpoint });
    const random = seededRandom(seed);
    let ref = 0;
    const call = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = shard.call(request);
      shard.actor.tick(); // as the worker does after each array of messages: a checkpoint when one is due
      await settleTurns();
      return (await pending) as ShardReply<Request["kind"]>;
    };
    for (const [index, memberId] of MEMBERS.entries()) {
      await call({ kind: "enroll", ref: ++ref, logicalShard: logicalShardOf(memberId), memberId, profile: { card: `c-${index}`, phone: null, name: null, birthDate: null } });
    }
    const receipts: Receipt[] = [];
    for (let step = 0; step < STEPS; step += 1) {
      now += 3_600_000;
      const roll = random();
      const open = receipts.filter((receipt) => !receipt.cancelled);
      if (roll < 0.2 && open.length > 0) {
        const receipt = open[randomInteger(random, open.length - 1)] as Receipt;
        const logicalShard = logicalShardOf(receipt.memberId);
        const request = { ref: ++ref, logicalShard, memberId: receipt.memberId, store: `store-${receipt.redeemer}`, receiptId: receipt.id, partner: receipt.redeemer };
        if (roll < 0.08) {
          const answer = await call({ kind: "cancel", ...request });
          if (answer.ok) receipt.cancelled = true;
        } else {
          await call({ kind: "refund", ...request, refundId: `f-${step}`, lines: [{ line: randomInteger(random, receipt.lines - 1), qty: 1 }] });
        }
        continue;
      }
      const memberId = MEMBERS[randomInteger(random, MEMBERS.length - 1)] as string;
      const partner = PARTNERS[randomInteger(random, PARTNERS.length - 1)] as string;
      const logicalShard = logicalShardOf(memberId);
      const lines = 1 + randomInteger(random, 2);
      const receipt = { id: `r-${step}`, store: `store-${partner}`, at: now, lines: Array.from({ length: lines }, (_, line) => ({ sku: `s${line}`, qty: 2, price: 1_000, amount: 2_000 })) };
      const offered = await call({ kind: "calculate", ref: ++ref, logicalShard, memberId, receipt, redeem: 0, partner });
      const redeemable = offered.ok ? offered.value.redeemable : 0;
      const redeem = random() < 0.6 ? randomInteger(random, redeemable) : 0;
      const committed = await call({ kind: "commit", ref: ++ref, logicalShard, memberId, receipt, redeem, partner });
      expect(committed.ok).toBe(true);
      receipts.push({ memberId, id: receipt.id, redeemer: partner, lines, cancelled: false });
    }

    if (seed !== 1) expect(shard.store.checkpointSequence).toBeGreaterThan(STEPS / 2);
    const entries = await settlementEntries(call);
    await shard.actor.drain();
    const expected = new Map<string, number>();
    for (const receipt of receipts) {
      const record = shard.store.readReceipt(logicalShardOf(receipt.memberId), receipt.memberId, `store-${receipt.redeemer}`, receipt.id);
      for (const { issuer, points } of crossPartnerPoints(record?.settlement?.unreturnedShares ?? [], receipt.redeemer)) {
        expected.set(`${issuer} -> ${receipt.redeemer}`, (expected.get(`${issuer} -> ${receipt.redeemer}`) ?? 0) + points);
      }
    }
    const settled = new Map<string, number>();
    for (const entry of entries) {
      settled.set(`${entry.issuer} -> ${entry.redeemer}`, (settled.get(`${entry.issuer} -> ${entry.redeemer}`) ?? 0) + entry.points);
      expect(entry.valueMinor).toBe(entry.points * 3);
      expect(entry.issuer).not.toBe(entry.redeemer);
    }
    for (const [pair, points] of [...settled]) if (points === 0) settled.delete(pair);
    for (const [pair, points] of [...expected]) if (points === 0) expected.delete(pair);
    expect(entries.length).toBeGreaterThan(10);
    expect(Object.fromEntries(settled)).toEqual(Object.fromEntries(expected));
  });
});

/** Every settlement entry of the shard, paged through as the admin report does (small pages, to cross page ends). */
async function settlementEntries(call: (request: Extract<ShardRequest, { kind: "settlement" }>) => Promise<ShardReply<"settlement">>): Promise<SettlementEntry[]> {
  const entries: SettlementEntry[] = [];
  let after: Extract<ShardRequest, { kind: "settlement" }>["after"] = null;
  let ref = 1_000_000;
  do {
    const reply: ShardReply<"settlement"> = await call({ kind: "settlement", ref: ++ref, fromDay: 0, toDay: 2 ** 32, after, limit: 7 });
    if (!reply.ok) throw new Error(reply.message);
    entries.push(...reply.value.entries);
    after = reply.value.next;
  } while (after !== null);
  return entries;
}
