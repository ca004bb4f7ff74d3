// Thread: the gateway (main) thread.
import { failure, type Failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";

/** A shard that answered BUSY or UNAVAILABLE is asked again after this pause: a sweep yields to lanes. */
const SWEEP_RETRY_MILLISECONDS = 100;
/** Times one page is asked again before the sweep gives up with the shard's answer (about 10 s of a busy shard). */
const SWEEP_ATTEMPTS_MAX = 100;

/** What a page request answers: a page with the cursor of the next (null: its logical shard is done), or a failure. */
export type SweepReply<Page extends { readonly next: string | null }> = ({ readonly ok: true; readonly value: Page }) | Failure;

/** How a sweep goes on: each page seen (false: stop the sweep here), each logical shard done. */
export interface SweepSteps<Page extends { readonly next: string | null }> {
  readonly page: (logicalShard: number, after: string | null) => Promise<SweepReply<Page>>;
  readonly seen: (logicalShard: number, page: Page) => boolean;
  readonly shardDone?: (logicalShard: number) => void;
}

/**
 * Walks every logical shard a page at a time (segment previews, a segment's
 * personal coupons), `workers` pages in flight (one per shard thread), each
 * logical shard in order of its pages. A page answered BUSY or UNAVAILABLE is
 * asked again after a pause; any other refusal ends the sweep with it.
 * Resolves `stopped` when `seen` stopped it.
 */
export async function sweepLogicalShards<Page extends { readonly next: string | null }>(workers: number, steps: SweepSteps<Page>): Promise<Outcome<{ readonly stopped: boolean }>> {
  let nextLogicalShard = 0;
  let refusal: Failure | null = null;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (refusal === null && !stopped && nextLogicalShard < LOGICAL_SHARD_COUNT) {
      const logicalShard = nextLogicalShard;
      nextLogicalShard += 1;
      for (let after: string | null = null, attempts = 0; refusal === null && !stopped; ) {
        const reply = await steps.page(logicalShard, after);
        if (!reply.ok) {
          attempts += 1;
          if ((reply.code !== "BUSY" && reply.code !== "UNAVAILABLE") || attempts >= SWEEP_ATTEMPTS_MAX) refusal = failure(reply.code, reply.message);
          else await new Promise((resolve) => setTimeout(resolve, SWEEP_RETRY_MILLISECONDS));
          continue;
        }
        if (!steps.seen(logicalShard, reply.value)) {
          stopped = true;
          return;
        }
        if (reply.value.next === null) {
          steps.shardDone?.(logicalShard);
          break;
        }
        after = reply.value.next;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  return refusal !== null ? refusal : { ok: true, stopped };
}
