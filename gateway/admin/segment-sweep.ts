// Thread: the gateway (main) thread.
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import { SEGMENT_PREVIEW_MEMBERS_MAX, SEGMENT_PREVIEW_PAGE_ACCOUNTS } from "../../domain/campaigns/segment-members.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { ShardReply } from "../../shard/shard-messages.js";

/** A shard that answered BUSY or UNAVAILABLE is asked again after this pause: a preview yields to lanes. */
const SEGMENT_SWEEP_RETRY_MILLISECONDS = 100;
/** Times one page is asked again before the preview gives up with the shard's answer (about 10 s of a busy shard). */
const SEGMENT_SWEEP_ATTEMPTS_MAX = 100;

/**
 * Counts the members `when` holds for now over every logical shard, a page
 * (SEGMENT_PREVIEW_PAGE_ACCOUNTS) at a time, as many pages in flight as
 * there are shard threads; the sample is the first members found in logical
 * shard order. Stops once SEGMENT_PREVIEW_MEMBERS_MAX members are scanned.
 */
export async function sweepSegment(
  cluster: ShardCluster,
  when: SegmentCondition,
  sampleMax: number,
): Promise<Outcome<{ readonly members: number; readonly scanned: number; readonly sample: readonly string[]; readonly complete: boolean }>> {
  const samples: string[][] = Array.from({ length: LOGICAL_SHARD_COUNT }, () => []);
  let members = 0;
  let scanned = 0;
  let complete = true;
  let nextLogicalShard = 0;
  let refusal: Outcome<never> | null = null;
  const worker = async (): Promise<void> => {
    while (refusal === null && nextLogicalShard < LOGICAL_SHARD_COUNT) {
      const logicalShard = nextLogicalShard;
      nextLogicalShard += 1;
      for (let after: string | null = null, attempts = 0; refusal === null; ) {
        if (scanned >= SEGMENT_PREVIEW_MEMBERS_MAX) {
          complete = false;
          return;
        }
        const reply: ShardReply<"segmentPreview"> = await cluster.requestForLogicalShard({ kind: "segmentPreview", logicalShard, afterMemberId: after, limit: SEGMENT_PREVIEW_PAGE_ACCOUNTS, when, sampleMax });
        if (!reply.ok) {
          attempts += 1;
          if ((reply.code !== "BUSY" && reply.code !== "UNAVAILABLE") || attempts >= SEGMENT_SWEEP_ATTEMPTS_MAX) refusal = failure(reply.code, reply.message);
          else await new Promise((resolve) => setTimeout(resolve, SEGMENT_SWEEP_RETRY_MILLISECONDS));
          continue;
        }
        members += reply.value.matched;
        scanned += reply.value.scanned;
        const sample = samples[logicalShard] as string[];
        for (const memberId of reply.value.sample) if (sample.length < sampleMax) sample.push(memberId);
        if (reply.value.next === null) break;
        after = reply.value.next;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cluster.shardCount) }, worker));
  if (refusal !== null) return refusal;
  return { ok: true, members, scanned, sample: samples.flat().slice(0, sampleMax), complete };
}
