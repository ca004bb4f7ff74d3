// Thread: the gateway (main) thread.
import type { Outcome } from "../../protocol/errors/loycore-error.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import { SEGMENT_PREVIEW_MEMBERS_MAX, SEGMENT_PREVIEW_PAGE_ACCOUNTS } from "../../domain/campaigns/segment-members.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { sweepLogicalShards } from "./logical-shard-sweep.js";

/** How far a segment's count has gone: logical shards swept whole, members scanned and found, the sample so far. */
export interface SegmentSweepProgress {
  logicalShardsDone: number;
  members: number;
  scanned: number;
  complete: boolean;
  /** The sample by logical shard (in logical shard order once flattened). */
  readonly samples: string[][];
}

export function segmentSweepProgress(): SegmentSweepProgress {
  return { logicalShardsDone: 0, members: 0, scanned: 0, complete: true, samples: Array.from({ length: LOGICAL_SHARD_COUNT }, () => []) };
}

/** The sample so far: the first members found, in logical shard and member order, at most `sampleMax`. */
export function sampleOf(progress: SegmentSweepProgress, sampleMax: number): string[] {
  return progress.samples.flat().slice(0, sampleMax);
}

/**
 * Counts the members `when` holds for now over every logical shard, a page
 * (SEGMENT_PREVIEW_PAGE_ACCOUNTS) at a time, as many pages in flight as
 * there are shard threads, updating `progress` as pages come (a preview job
 * reads it meanwhile); the sample is the first members found in logical
 * shard order. Stops once SEGMENT_PREVIEW_MEMBERS_MAX members are scanned.
 */
export async function sweepSegment(
  cluster: ShardCluster,
  when: SegmentCondition,
  sampleMax: number,
  progress: SegmentSweepProgress = segmentSweepProgress(),
): Promise<Outcome<{ readonly members: number; readonly scanned: number; readonly sample: readonly string[]; readonly complete: boolean }>> {
  const swept = await sweepLogicalShards(cluster.shardCount, {
    page: (logicalShard, after) => {
      if (progress.scanned >= SEGMENT_PREVIEW_MEMBERS_MAX) return Promise.resolve({ ok: true, value: { scanned: 0, matched: 0, sample: [], next: null, stop: true } });
      return cluster.requestForLogicalShard({ kind: "segmentPreview", logicalShard, afterMemberId: after, limit: SEGMENT_PREVIEW_PAGE_ACCOUNTS, when, sampleMax });
    },
    seen: (logicalShard, page) => {
      if ("stop" in page) return false;
      progress.members += page.matched;
      progress.scanned += page.scanned;
      const sample = progress.samples[logicalShard] as string[];
      for (const memberId of page.sample) if (sample.length < sampleMax) sample.push(memberId);
      return true;
    },
    shardDone: () => {
      progress.logicalShardsDone += 1;
    },
  });
  if (!swept.ok) return swept;
  if (swept.stopped) progress.complete = false;
  return { ok: true, members: progress.members, scanned: progress.scanned, sample: sampleOf(progress, sampleMax), complete: progress.complete };
}
