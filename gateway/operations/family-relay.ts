// Thread: the gateway (main) thread.
import { FAMILY_HOLD_STALE_MILLISECONDS, parseFamilyHoldKey } from "../../domain/family/family.js";
import { readFamilyEntry } from "../../shard/operations/family-operations.js";
import type { OutboxCursor, OutboxEventRef, ShardReply } from "../../shard/shard-messages.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { FamilyService } from "./family-service.js";

/**
 * A pass every second: lanes deliver a family receipt's intent themselves, right after its commit;
 * the relay is the recovery path (a crash or a pool that did not answer between the two hops), so
 * a second of delay costs nothing but a few idle reads.
 */
export const FAMILY_RELAY_INTERVAL_MILLISECONDS = 1_000;
/** Family entries one page reads (an outboxRead page): a page's intents are delivered one after another. */
export const FAMILY_RELAY_PAGE_ENTRIES_MAX = 200;
/** Pages one pass reads per shard thread at most: the rest waits for the next pass (bounded work per second). */
export const FAMILY_RELAY_PAGES_PER_PASS_MAX = 5;

/**
 * The family relay (docs/ARCHITECTURE.md, "Family accounts"): per shard thread it reads the family
 * section of the outbox, where operations left, in their own log records,
 *  - intents for another account (a family receipt's points part for the pool, a return's, a join's,
 *    a leave's; a pool's credit for a leaving member): each is applied on its target (idempotent by
 *    the intent's id: applied once however often delivered), then deleted here; a member's intents
 *    go in the order they were written, the next only once the previous is applied;
 *  - pool holds: a hold older than FAMILY_HOLD_STALE_MILLISECONDS is resolved by the abort protocol
 *    (the member's shard says whether its receipt committed with it; if not, it never will, and the
 *    pool releases it; if so, the receipt's intent captures it).
 * So every crash between the hops ends with each point in exactly one place.
 */
export class FamilyRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly cluster: ShardCluster,
    private readonly family: FamilyService,
    private readonly clock: () => number,
    /** When a pool hold counts as stale (FAMILY_HOLD_STALE_MILLISECONDS; tests shorten it: correctness never depends on it). */
    private readonly holdStaleMilliseconds = FAMILY_HOLD_STALE_MILLISECONDS,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every shard thread (tests call it to deliver at once). */
  async pass(): Promise<void> {
    for (let shard = 0; shard < this.cluster.shardCount && !this.stopped; shard += 1) await this.passShard(shard);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((error: unknown) => {
          process.stderr.write(`family relay: ${error instanceof Error ? error.message : String(error)}; the next pass tries again\n`);
        })
        .finally(() => {
          this.running = null;
          this.schedule(FAMILY_RELAY_INTERVAL_MILLISECONDS);
        });
    }, delay);
    this.timer.unref();
  }

  private async passShard(shard: number): Promise<void> {
    let after: OutboxCursor | null = null;
    // A member whose intent could not be applied: its later intents wait for the next pass (order).
    const blocked = new Set<string>();
    for (let page = 0; page < FAMILY_RELAY_PAGES_PER_PASS_MAX; page += 1) {
      const read: ShardReply<"outboxRead"> = await this.cluster.requestToShard(shard, { kind: "outboxRead", section: "family", endpoint: null, after, limit: FAMILY_RELAY_PAGE_ENTRIES_MAX });
      if (!read.ok) return;
      const done: OutboxEventRef[] = [];
      for (const entry of read.value.entries) {
        if (blocked.has(entry.memberId)) continue;
        const data = readFamilyEntry(entry.data);
        const ref = { logicalShard: entry.logicalShard, memberId: entry.memberId, sequence: entry.sequence, number: entry.number };
        if (data.type === "intent") {
          const applied = await this.family.deliver(data.intent);
          if (applied.ok) done.push(ref);
          else blocked.add(entry.memberId);
        } else if (this.clock() - entry.at >= this.holdStaleMilliseconds) {
          // The pool's own entry: released holds delete it in their record; a committed one, its intent's apply.
          const named = parseFamilyHoldKey(data.key);
          if (named !== null) await this.family.abandon(entry.memberId, named.member, data.key, { store: named.store, id: named.receiptId });
        }
      }
      if (done.length > 0) await this.cluster.requestToShard(shard, { kind: "familyForget", entries: done });
      after = read.value.next;
      if (after === null) return;
    }
  }
}
