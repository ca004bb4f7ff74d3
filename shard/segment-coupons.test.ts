import { describe, expect, it } from "vitest";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { PlacementTable } from "../domain/placement/placement-table.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import type { Program } from "../protocol/program-document.js";
import { MemoryShardFiles } from "./memory-shard.js";
import type { ShardReply, ShardAnswers } from "./shard-messages.js";
import { decodeMutations } from "./storage/mutation-payload.js";
import { couponKey } from "./storage/record-keys.js";
import { readCoupon } from "./storage/records/coupon-codec.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";

const PROGRAM: Program = { ...validateProgramDocument({ name: "Segment coupons", points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } }), version: 1 };
/** The first of two shard threads: half of the logical shards. */
const OWNED = PlacementTable.roundRobin(2).logicalShardsOf(0);
const NOW = Date.UTC(2026, 2, 1);

/** Each log record's payload, as appended. */
const appended: Uint8Array[] = [];

function open(files: MemoryShardFiles): MemoryShardActor {
  const shard = openMemoryShardActor({ program: PROGRAM, files, ownedLogicalShards: OWNED, clock: () => NOW });
  const append = shard.log.append.bind(shard.log);
  shard.log.append = (payload) => {
    appended.push(payload);
    return append(payload);
  };
  return shard;
}

async function call<Kind extends keyof ShardAnswers>(shard: MemoryShardActor, request: Parameters<MemoryShardActor["call"]>[0] & { kind: Kind }): Promise<ShardAnswers[Kind]> {
  const pending = shard.call(request);
  await settleTurns();
  const reply = (await pending) as ShardReply;
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as ShardAnswers[Kind];
}

describe("a segment's personal coupons on a shard thread", () => {
  it("give each member of a page one code, written with the member's marker in one log record, on a logical shard the thread owns; never a second code, across restarts", async () => {
    const files = new MemoryShardFiles();
    let shard = open(files);
    // Members on one of the thread's logical shards.
    const logicalShard = OWNED[3] as number;
    const members: string[] = [];
    for (let candidate = 0; members.length < 12; candidate += 1) {
      const memberId = `m${candidate.toString(16).padStart(16, "0")}`;
      if (logicalShardOf(memberId) === logicalShard) members.push(memberId);
    }
    let ref = 0;
    for (const memberId of members) await call(shard, { kind: "enroll", ref: ++ref, logicalShard, memberId, profile: { card: `c-${memberId}`, phone: null, name: null, birthDate: null } });
    // A restart replays the log into the store: the sweep reads stored accounts.
    shard = open(files);
    const records = appended.length;
    const page = (afterMemberId: string | null, limit = 100) =>
      call(shard, { kind: "segmentCoupons", ref: ++ref, logicalShard, afterMemberId, limit, when: { fact: "daysSinceRegistration", atLeast: 0, atMost: null }, campaign: "welcome", uses: 1, validUntil: null });

    // Two pages of 8 and 4: the first continues after its last member.
    const first = await page(null, 8);
    expect(first).toEqual({ scanned: 8, matched: 8, created: 8, next: members.slice().sort()[7] });
    expect(await page(first.next, 8)).toEqual({ scanned: 4, matched: 4, created: 4, next: null });
    const written = appended.slice(records);
    expect(written).toHaveLength(2);
    expect(written.map((payload) => decodeMutations(payload).length)).toEqual([16, 4 * 2]);

    // Each member's code: a coupon of the member, on a logical shard this thread owns.
    const codes = new Set<string>();
    for (const memberId of members) {
      const { code } = await call(shard, { kind: "memberCoupon", ref: ++ref, logicalShard, memberId, campaign: "welcome" });
      expect(code).not.toBeNull();
      codes.add(code as string);
      expect(OWNED).toContain(logicalShardOf(code as string));
      const coupon = await call(shard, { kind: "couponRead", ref: ++ref, logicalShard: logicalShardOf(code as string), code: code as string });
      expect(coupon).toMatchObject({ campaign: "welcome", member: memberId, uses: 1, used: 0 });
    }
    expect(codes.size).toBe(members.length);

    // Again, and again after a restart from the log: matched, none created, nothing logged.
    expect(await page(null)).toEqual({ scanned: 12, matched: 12, created: 0, next: null });
    shard = open(files);
    const before = appended.length;
    expect(await page(null)).toEqual({ scanned: 12, matched: 12, created: 0, next: null });
    expect(appended.length).toBe(before);
    for (const code of codes) expect(readCoupon(shard.store.get(couponKey(logicalShardOf(code), code)) ?? new Uint8Array([0]), code).member).not.toBeNull();
  });
});
