// Thread: a shard worker thread, between messages.
import type { Account } from "../domain/account/account.js";
import { assert } from "../domain/assert/assert.js";
import { expireLots } from "./operations/member-changes.js";
import type { OperationResult } from "./operations/operation-result.js";
import type { ShardState } from "./state/shard-state.js";

/**
 * The expiry sweep: walks every member of the shard, a bounded step at a
 * time, and for each whose lots expired or whose holds lapsed, applies the
 * settled account with an "expiry" history entry. Expiry also applies
 * whenever an account is read, so the sweep only makes it show in the history
 * of members who never come back. It walks the members LMDB holds (one seek
 * per member); a member only in the overlay was touched seconds ago.
 */
export class ExpirySweep {
  private cursor: { shardPosition: number; afterMemberId: string | null } = { shardPosition: 0, afterMemberId: null };

  constructor(
    private readonly state: ShardState,
    private readonly ownedLogicalShards: readonly number[],
    /** Logs and applies an expiry; false when the log refused it (the sweep stops this step). */
    private readonly apply: (before: Account, result: Extract<OperationResult, { kind: "applied" }>) => boolean,
  ) {}

  /**
   * Reads at most `accountLimit` accounts, continuing where the last step
   * stopped (logical shard by logical shard, member key order). Returns how
   * many accounts it changed.
   */
  step(accountLimit: number, now: number): number {
    const owned = this.ownedLogicalShards;
    if (owned.length === 0) return 0;
    let changed = 0;
    let budget = accountLimit;
    // Each step visits at most every owned logical shard once, so empty shards cannot loop it.
    for (let shardsVisited = 0; budget > 0 && shardsVisited < owned.length; ) {
      const logicalShard = owned[this.cursor.shardPosition % owned.length];
      assert(logicalShard !== undefined, "owned logical shards are dense");
      const requested = budget;
      const members = this.state.scanStoredMembers(logicalShard, this.cursor.afterMemberId, requested);
      budget -= members.length;
      for (const memberId of members) {
        const account = this.state.readAccount(logicalShard, memberId, false);
        assert(account !== undefined, "a stored member has an account");
        const result = expireLots(account, now);
        if (result === null) continue;
        if (!this.apply(account, result)) return changed;
        changed += 1;
      }
      const last = members.at(-1);
      if (members.length < requested || last === undefined) {
        this.cursor = { shardPosition: (this.cursor.shardPosition + 1) % owned.length, afterMemberId: null };
        shardsVisited += 1;
      } else {
        this.cursor = { ...this.cursor, afterMemberId: last };
      }
    }
    return changed;
  }
}
