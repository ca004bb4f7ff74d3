// Thread: the gateway (main) thread.
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";

/** A shard that answered BUSY or UNAVAILABLE is asked again after this pause: a sweep yields to lanes. */
const SWEEP_RETRY_MILLISECONDS = 100;
/** Times one page is asked again before the sweep gives up with the shard's answer (about 10 s of a busy shard). */
const SWEEP_ATTEMPTS_MAX = 100;

/** One page's reply: what `take` reads of it, and where the next page starts (null: the logical shard is done). */
export type SweepPage<Page> = Outcome<{ readonly value: Page & { readonly next: string | null } }>;

/**
 * Walks every logical shard a page at a time (`page(logicalShard, after)`:
 * the shard thread owning it answers one bounded page), as many pages in
 * flight as there are shard threads, each page handed to `take` in turn.
 * BUSY and UNAVAILABLE are asked again; any other refusal stops the sweep
 * (pages already taken stay taken: every page's work is idempotent).
 */
export async function sweepLogicalShards<Page>(
  shardThreads: number,
  page: (logicalShard: number, after: string | null) => Promise<SweepPage<Page>>,
  take: (value: Page) => Outcome<object> | void,
): Promise<Outcome<object>> {
  let nextLogicalShard = 0;
  let refusal: Outcome<never> | null = null;
  const worker = async (): Promise<void> => {
    while (refusal === null && nextLogicalShard < LOGICAL_SHARD_COUNT) {
      const logicalShard = nextLogicalShard;
      nextLogicalShard += 1;
      for (let after: string | null = null, attempts = 0; refusal === null; ) {
        const reply = await page(logicalShard, after);
        if (!reply.ok) {
          attempts += 1;
          if ((reply.code !== "BUSY" && reply.code !== "UNAVAILABLE") || attempts >= SWEEP_ATTEMPTS_MAX) refusal = failure(reply.code, reply.message);
          else await new Promise((resolve) => setTimeout(resolve, SWEEP_RETRY_MILLISECONDS));
          continue;
        }
        const taken = take(reply.value);
        if (taken !== undefined && !taken.ok) refusal = failure(taken.code, taken.message);
        if (reply.value.next === null) break;
        after = reply.value.next;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, shardThreads) }, worker));
  return refusal ?? { ok: true };
}
