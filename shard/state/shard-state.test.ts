import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../../domain/account/account.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { MemoryShardStore } from "../storage/memory-shard-store.js";
import { writeMutations } from "../storage/mutations.js";
import { ShardState } from "./shard-state.js";
import { couponKey, couponRange, decodeCouponKey, memberPrefix } from "../storage/record-keys.js";
import { readCoupon } from "../storage/records/coupon-codec.js";

const MEMBERS = Array.from({ length: 8 }, (_, index) => `m00000000000000c${index}`);
const CACHE_ENTRIES = 3;

function accountOf(memberId: string): Account {
  return openAccount(memberId, logicalShardOf(memberId), { card: memberId, phone: null, name: null, birthDate: null }, 0);
}

type Step = { readonly kind: "read"; readonly member: number } | { readonly kind: "apply"; readonly member: number } | { readonly kind: "checkpoint" };

/** What ShardState promises: pinned members stay; of the rest, the CACHE_ENTRIES most recently read or checkpointed. */
class ResidencyModel {
  readonly pinned = new Set<string>();
  private frozen: readonly string[] | null = null;
  private staged: string[] = [];
  /** Least recently used first. */
  cached: string[] = [];

  read(member: string): void {
    if (this.pinned.has(member)) return;
    this.remember(member);
  }

  apply(member: string): void {
    this.cached = this.cached.filter((cached) => cached !== member);
    this.pinned.add(member);
    if (!this.staged.includes(member)) this.staged.push(member);
  }

  checkpoint(): void {
    if (this.frozen === null && this.staged.length > 0) {
      this.frozen = this.staged;
      this.staged = [];
      return;
    }
    if (this.frozen === null) return;
    for (const member of this.frozen) {
      if (this.staged.includes(member)) continue;
      this.pinned.delete(member);
      this.remember(member);
    }
    this.frozen = null;
  }

  private remember(member: string): void {
    this.cached = [...this.cached.filter((cached) => cached !== member), member];
    if (this.cached.length > CACHE_ENTRIES) this.cached.shift();
  }
}

describe("ShardState's account cache", () => {
  it("keeps every pinned account and the most recently read or checkpointed others, dropping the least recently used first, over random reads, applies and checkpoints", () => {
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 6, arbitrary: fc.nat(MEMBERS.length - 1).map((member) => ({ kind: "read" as const, member })) },
      { weight: 2, arbitrary: fc.nat(MEMBERS.length - 1).map((member) => ({ kind: "apply" as const, member })) },
      { weight: 1, arbitrary: fc.constant({ kind: "checkpoint" as const }) },
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 120 }), (steps) => {
        const store = new MemoryShardStore();
        store.writeCheckpointSync(
          MEMBERS.flatMap((member) => writeMutations(undefined, [{ kind: "account", account: accountOf(member) }])),
          2,
        );
        const state = new ShardState(store, CACHE_ENTRIES);
        const model = new ResidencyModel();
        let sequence = 2;
        let frozen: ReturnType<ShardState["beginCheckpoint"]> = null;
        for (const step of steps) {
          if (step.kind === "read") {
            const member = MEMBERS[step.member] as string;
            expect(state.readAccount(logicalShardOf(member), member)?.memberId).toBe(member);
            model.read(member);
          } else if (step.kind === "apply") {
            const member = MEMBERS[step.member] as string;
            const account = accountOf(member);
            state.apply(sequence, account, writeMutations(undefined, [{ kind: "account", account }]), []);
            sequence += 1;
            model.apply(member);
          } else {
            // A checkpoint in two halves, as the Checkpointer runs one: frozen, then written.
            if (frozen === null) frozen = state.beginCheckpoint();
            else {
              state.finishCheckpoint(frozen);
              frozen = null;
            }
            model.checkpoint();
          }
          for (const member of MEMBERS) {
            expect(state.isResident(logicalShardOf(member), member)).toBe(model.pinned.has(member) || model.cached.includes(member));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("a range read over the overlay and LMDB (coupons and their uses)", () => {
  it("answers the first keys after `after` that hold a value now: the overlay's puts, LMDB's keys it neither replaced nor deleted", () => {
    const codes = Array.from({ length: 12 }, (_, index) => `CODE${String.fromCharCode(65 + index)}AAAAAAAAAAA`);
    const coupon = (used: number) => ({ campaign: "c", member: null, uses: 9, used, validUntil: null });
    fc.assert(
      fc.property(
        fc.subarray(codes),
        fc.array(fc.record({ code: fc.constantFrom(...codes), used: fc.option(fc.nat(8), { nil: null }) }), { maxLength: 10 }),
        fc.nat(12),
        fc.integer({ min: 1, max: 6 }),
        (stored, changes, afterIndex, limit) => {
          const store = new MemoryShardStore();
          store.writeCheckpointSync(writeMutations(undefined, stored.map((code) => ({ kind: "coupon" as const, logicalShard: 3, code, coupon: coupon(0) }))), 2);
          const state = new ShardState(store, CACHE_ENTRIES);
          const model = new Map<string, number>(stored.map((code) => [code, 0]));
          // Overlay changes: a new count, or (used null) a deletion, done as a coupon use's deletion is (a mutation without a value).
          changes.forEach(({ code, used }, index) => {
            const mutations = writeMutations(undefined, [{ kind: "coupon", logicalShard: 3, code, coupon: coupon(used ?? 0) }]);
            state.applyWithoutAccount(3 + index, used === null ? mutations.map((mutation) => ({ ...mutation, value: null })) : mutations);
            if (used === null) model.delete(code);
            else model.set(code, used);
          });
          const range = couponRange(3);
          const after = afterIndex >= codes.length ? null : (codes[afterIndex] as string);
          const read = state.readRange(range.start, range.end, after === null ? null : couponKey(3, after), limit);
          const expected = [...model.entries()].filter(([code]) => after === null || code > after).sort(([left], [right]) => (left < right ? -1 : 1)).slice(0, limit);
          expect(read.map(({ key, value }) => [decodeCouponKey(key), readCoupon(value, "test").used])).toEqual(expected);
        },
      ),
    );
  });
});

describe("a scan of a logical shard's members over LMDB and the overlay (the admin's sweeps)", () => {
  it("pages through every member with an account, stored or only in the overlay, once each, in key order, whatever the page size", () => {
    const LOGICAL_SHARD = 7;
    // Ids of several lengths that hash to the logical shard: keys order by length first, then bytes, and the scan must follow the keys.
    const ids: string[] = [];
    for (let candidate = 0; ids.length < 24; candidate += 1) if (logicalShardOf(`m${candidate}`) === LOGICAL_SHARD) ids.push(`m${candidate}`);
    const account = (memberId: string): Account => openAccount(memberId, LOGICAL_SHARD, { card: memberId, phone: null, name: null, birthDate: null }, 0);
    fc.assert(
      fc.property(fc.subarray(ids), fc.subarray(ids), fc.integer({ min: 1, max: 7 }), (stored, staged, pageSize) => {
        const store = new MemoryShardStore();
        store.writeCheckpointSync(stored.flatMap((memberId) => writeMutations(undefined, [{ kind: "account", account: account(memberId) }])), 2);
        const state = new ShardState(store, CACHE_ENTRIES);
        let sequence = 2;
        for (const memberId of staged) state.apply(sequence++, account(memberId), writeMutations(undefined, [{ kind: "account", account: account(memberId) }]), []);
        const seen: string[] = [];
        let after: string | null = null;
        for (let page = 0; page <= ids.length; page += 1) {
          const members = state.scanMembers(LOGICAL_SHARD, after, pageSize);
          seen.push(...members);
          if (members.length < pageSize) break;
          after = members.at(-1) ?? null;
        }
        const expected = [...new Set([...stored, ...staged])].sort((left, right) => memberPrefix(LOGICAL_SHARD, left).compare(memberPrefix(LOGICAL_SHARD, right)));
        expect(seen).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
