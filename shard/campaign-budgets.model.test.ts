import { describe, expect, it } from "vitest";
import { budgetShare } from "../domain/campaigns/campaign-budgets.js";
import { LOGICAL_SHARD_COUNT, logicalShardOf } from "../domain/placement/shard-function.js";
import { PlacementTable } from "../domain/placement/placement-table.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { randomInteger, seededRandom } from "../domain/random/seeded-random.js";
import type { CampaignSet } from "../protocol/campaign-document.js";
import type { Program } from "../protocol/program-document.js";
import type { ShardReply, ShardRequest } from "./shard-messages.js";
import { decodeMutations } from "./storage/mutation-payload.js";
import { BUDGET_MEMBER, MEMBER_FAMILY } from "./storage/record-keys.js";
import type { BudgetTotals } from "./storage/shard-store.js";
import { readCampaignBudget } from "./storage/records/campaign-budget-codec.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";

/** 5 % back, nothing pending. */
const PROGRAM: Program = { ...validateProgramDocument({ name: "Budgets", points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } }), version: 1 };
const START = Date.UTC(2026, 0, 1);
const BUDGET = 20_000;
/** The discount budget, minor units: spent about a fifth of the way through the run. */
const DISCOUNT_BUDGET = 150_000;
/** 10 % extra and 50 on every receipt, at most BUDGET points in all; 10 % off, at most DISCOUNT_BUDGET in all. */
const CAMPAIGNS: CampaignSet = {
  version: 1,
  segments: [],
  campaigns: [
    {
      id: "budgeted",
      name: "Budgeted",
      start: START,
      end: START + 365 * 86_400_000,
      state: "active",
      partner: "",
      audience: null,
      budgetPoints: BUDGET,
      budgetDiscount: DISCOUNT_BUDGET,
      mechanics: [
        { kind: "discount", basisPoints: 1_000, skus: null },
        { kind: "points", rateBasisPoints: 1_000, fixedPoints: null, skus: null, receiptTotalAtLeast: null, everyPurchases: null },
        { kind: "points", rateBasisPoints: null, fixedPoints: 50, skus: null, receiptTotalAtLeast: null, everyPurchases: null },
      ],
    },
  ],
};
const THREADS = 3;
const MEMBERS_PER_THREAD = 6;

/** Shard threads as the gateway places them (round robin), each an actor over its own storage and log. */
interface Thread {
  shard: MemoryShardActor;
  readonly owned: readonly number[];
  readonly files: MemoryShardFiles;
  readonly members: string[];
  /** The durable budget records: latest given per logical shard, from the log's payloads. */
  readonly given: Map<string, BudgetTotals>;
}

const NOTHING = { points: 0, discount: 0 };

function open(thread: Omit<Thread, "shard">, now: () => number): MemoryShardActor {
  const shard = openMemoryShardActor({ program: PROGRAM, clock: now, campaigns: CAMPAIGNS, files: thread.files, ownedLogicalShards: thread.owned });
  const append = shard.log.append.bind(shard.log);
  shard.log.append = (payload) => {
    for (const mutation of decodeMutations(payload)) {
      const key = Buffer.from(mutation.key);
      if (key[1] !== MEMBER_FAMILY || key.toString("latin1", 3, 3 + (key[2] as number)) !== BUDGET_MEMBER) continue;
      thread.given.set(key.toString("hex"), mutation.value === undefined || mutation.value === null ? NOTHING : readCampaignBudget(mutation.value, "test"));
    }
    return append(payload);
  };
  return shard;
}

function sumOf(given: ReadonlyMap<string, BudgetTotals>, what: keyof BudgetTotals = "points"): number {
  let total = 0;
  for (const value of given.values()) total += value[what];
  return total;
}

/** A calculate of a receipt far beyond any budget: the campaign's rate and discount give all the thread has left, and nothing more. */
async function leftOn(thread: Thread, ref: number, now: number): Promise<BudgetTotals> {
  const memberId = thread.members[0] as string;
  const amount = 1_000_000_000;
  const receipt = { id: "probe", store: "store-1", at: now, lines: [{ sku: "a", qty: 1, price: amount, amount }] };
  const reply = await thread.shard.call({ kind: "calculate", ref, logicalShard: logicalShardOf(memberId), memberId, receipt, redeem: 0, partner: "p" });
  if (!reply.ok) throw new Error(reply.message);
  const rules = (reply.value as { readonly rules: readonly { readonly rule: string; readonly points?: number; readonly discount?: number }[] }).rules.filter((rule) => rule.rule === "campaign:budgeted");
  return { points: rules.reduce((sum, rule) => sum + (rule.points ?? 0), 0), discount: rules.reduce((sum, rule) => sum + (rule.discount ?? 0), 0) };
}

function totalGiven(threads: readonly Thread[], what: keyof BudgetTotals = "points"): number {
  let total = 0;
  for (const thread of threads) total += sumOf(thread.given, what);
  return total;
}

describe("a campaign's points and discount budgets on several shard threads at once", () => {
  it.each([1, 2, 3])("are never exceeded by receipts, refunds and cancels on every thread at once, are spent nearly whole, and cancels give all back (seed %i)", async (seed) => {
    let now = START + 1_000;
    const clock = (): number => now;
    const placement = PlacementTable.roundRobin(THREADS);
    const threads: Thread[] = [];
    for (let index = 0; index < THREADS; index += 1) {
      const base = { owned: placement.logicalShardsOf(index), files: new MemoryShardFiles(), members: [] as string[], given: new Map<string, BudgetTotals>() };
      threads.push({ ...base, shard: open(base, clock) });
    }
    for (let candidate = 0; threads.some((thread) => thread.members.length < MEMBERS_PER_THREAD); candidate += 1) {
      const memberId = `m${String(candidate).padStart(16, "0")}`;
      const thread = threads.find((each) => each.owned.includes(logicalShardOf(memberId)));
      if (thread !== undefined && thread.members.length < MEMBERS_PER_THREAD) thread.members.push(memberId);
    }
    let ref = 0;
    for (const thread of threads) {
      for (const memberId of thread.members) {
        await thread.shard.call({ kind: "enroll", ref: ++ref, logicalShard: logicalShardOf(memberId), memberId, profile: { card: `c-${memberId}`, phone: null, name: null, birthDate: null } });
      }
    }
    const random = seededRandom(seed);
    const committed: { thread: Thread; memberId: string; id: string }[] = [];
    for (let round = 0; round < 40; round += 1) {
      now += 60_000;
      // Every thread gets a batch in the same turn, as the gateway's arrays do: the threads apply the campaign side by side.
      const pending: Promise<ShardReply>[] = [];
      for (const thread of threads) {
        for (const memberId of thread.members) {
          const request = requestFor(thread, memberId, round, random, committed, ++ref, now);
          if (request !== null) pending.push(thread.shard.call(request));
        }
      }
      await settleTurns();
      await Promise.all(pending);
      expect(totalGiven(threads)).toBeLessThanOrEqual(BUDGET);
      expect(totalGiven(threads, "discount")).toBeLessThanOrEqual(DISCOUNT_BUDGET);
      if (round === 20) {
        // A restart of every thread: the budget records come back from the log, and the campaign goes on from them.
        for (const thread of threads) thread.shard = open(thread, clock);
      }
      // What each thread would still give is exactly its share less what its logical shards' records say.
      for (const thread of threads) {
        expect(await leftOn(thread, ++ref, now)).toEqual({
          points: budgetShare(BUDGET, thread.owned.length, LOGICAL_SHARD_COUNT) - sumOf(thread.given),
          discount: budgetShare(DISCOUNT_BUDGET, thread.owned.length, LOGICAL_SHARD_COUNT) - sumOf(thread.given, "discount"),
        });
      }
    }
    // Each thread stops within one receipt's worth (at most 2,050 points here) of its share.
    const shares = threads.map((thread) => budgetShare(BUDGET, thread.owned.length, LOGICAL_SHARD_COUNT));
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeLessThanOrEqual(BUDGET);
    expect(totalGiven(threads)).toBeGreaterThan(BUDGET - THREADS * 2_100);
    // A receipt's discount is at most 2,100 here: each thread gives its discount share to within one receipt.
    expect(totalGiven(threads, "discount")).toBeGreaterThan(DISCOUNT_BUDGET - THREADS * 2_100);
    // Cancelling every receipt gives back exactly what was given: both budgets' totals come back to zero.
    const cancels: Promise<ShardReply>[] = [];
    for (const { thread, memberId, id } of committed) {
      cancels.push(thread.shard.call({ kind: "cancel", ref: ++ref, logicalShard: logicalShardOf(memberId), memberId, store: "store-1", receiptId: id, partner: "p" }));
    }
    await settleTurns();
    await Promise.all(cancels);
    expect(totalGiven(threads)).toBe(0);
    expect(totalGiven(threads, "discount")).toBe(0);
  });
});

/** A commit (most of the time), a refund or a cancel of an earlier receipt of the member. */
function requestFor(
  thread: Thread,
  memberId: string,
  round: number,
  random: () => number,
  committed: { thread: Thread; memberId: string; id: string }[],
  ref: number,
  now: number,
): ShardRequest | null {
  const logicalShard = logicalShardOf(memberId);
  const roll = random();
  const earlier = committed.filter((entry) => entry.memberId === memberId);
  if (roll < 0.15 && earlier.length > 0) {
    const target = earlier[randomInteger(random, earlier.length - 1)] as { id: string };
    const common = { ref, logicalShard, memberId, store: "store-1", receiptId: target.id, partner: "p" };
    // A refund returns one of the line's three: a third of its discount, rounded down, goes back (the last return, the rest).
    return roll < 0.05 ? { kind: "cancel", ...common } : { kind: "refund", ...common, refundId: `f-${round}`, lines: [{ line: 0, qty: 1 }] };
  }
  const id = `r-${round}`;
  committed.push({ thread, memberId, id });
  const amount = 1_000 + randomInteger(random, 20_000);
  return { kind: "commit", ref, logicalShard, memberId, receipt: { id, store: "store-1", at: now, lines: [{ sku: "a", qty: 3, price: Math.floor(amount / 3), amount }] }, redeem: 0, partner: "p" };
}
