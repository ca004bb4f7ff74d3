import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../../domain/account/account.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { MemoryShardStore } from "../storage/memory-shard-store.js";
import { writeMutations } from "../storage/mutations.js";
import { ShardState } from "./shard-state.js";

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
