// Thread: the gateway (main) thread.
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import type { Campaign, CampaignsDefinition } from "../../protocol/campaign-document.js";
import type { SegmentCouponJob } from "../../protocol/admin-wire.js";
import { COUPON_USES_MAX } from "../../domain/campaigns/coupons.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import { readInteger, readObject, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import { SEGMENT_COUPONS_PAGE_ACCOUNTS } from "../../shard/segment-coupons.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "./admin-service.js";
import { COUPON_VALID_UNTIL_MAX_MILLISECONDS } from "./coupon-admin.js";
import { sweepLogicalShards, type SweepSteps } from "./logical-shard-sweep.js";
import type { SegmentCouponsPage } from "../../shard/shard-messages.js";
import { SweepJobs, type SweepJob } from "./sweep-jobs.js";

/** Segment coupon sweeps running at once: each keeps one page in flight per shard thread; two let a second campaign start while one runs. */
export const SEGMENT_COUPON_JOBS_RUNNING_MAX = 2;
/** Jobs kept, running or finished, for polling: a morning's worth of campaigns. */
export const SEGMENT_COUPON_JOBS_KEPT_MAX = 32;
/** A finished job is forgotten an hour after it finished (repeating its request then sweeps again, making no second codes). */
export const SEGMENT_COUPON_JOBS_KEPT_MILLISECONDS = 3_600_000;

/** What a job counts as its sweep goes (SegmentCouponJob's counters). */
interface Progress {
  readonly campaign: string;
  readonly segment: string;
  logicalShardsDone: number;
  scanned: number;
  matched: number;
  created: number;
}

/**
 * One personal coupon per member of a segment (docs/campaigns.md, "Coupons"):
 * a background sweep over every logical shard (shard/segment-coupons.ts does
 * each page on the member's thread), polled by its id. Exactly one code per
 * member and campaign however often it is asked and whatever crashes: a
 * member's code is noted with the member, in the same log record as the
 * coupon, and a member noted is never given another.
 */
export class SegmentCouponJobs {
  private readonly jobs = new SweepJobs<Progress>({ runningMax: SEGMENT_COUPON_JOBS_RUNNING_MAX, keptMax: SEGMENT_COUPON_JOBS_KEPT_MAX, keptMilliseconds: SEGMENT_COUPON_JOBS_KEPT_MILLISECONDS });

  constructor(private readonly cluster: ShardCluster) {}

  /** `{ id, segment, uses?, validUntil? }`: starts the job (a repeat of its id answers it as it stands). */
  start(campaign: Campaign | undefined, definition: CampaignsDefinition, input: unknown): AdminOutcome<SegmentCouponJob> {
    const body = readObject(input, "coupons");
    refuseUnknownFields(body, "coupons", new Set(["id", "segment", "uses", "validUntil"]));
    const id = readString(body["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const segmentId = readString(body["segment"], "segment", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const uses = body["uses"] === undefined ? 1 : readInteger(body["uses"], "uses", 1, COUPON_USES_MAX);
    const validUntil = body["validUntil"] === undefined || body["validUntil"] === null ? null : readInteger(body["validUntil"], "validUntil", 0, COUPON_VALID_UNTIL_MAX_MILLISECONDS);
    if (campaign === undefined) return failure("NOT_FOUND", "no such campaign");
    const segment = definition.segments.find((each) => each.id === segmentId);
    if (segment === undefined) return failure("NOT_FOUND", `no segment ${segmentId}`);
    const content = JSON.stringify([campaign.id, segmentId, uses, validUntil]);
    const progress: Progress = { campaign: campaign.id, segment: segmentId, logicalShardsDone: 0, scanned: 0, matched: 0, created: 0 };
    const started = this.jobs.start(id, content, progress, (counts) =>
      this.sweep(counts, (logicalShard, after) =>
        this.cluster.requestForLogicalShard({ kind: "segmentCoupons", logicalShard, afterMemberId: after, limit: SEGMENT_COUPONS_PAGE_ACCOUNTS, when: segment.when, campaign: campaign.id, uses, validUntil }),
      ),
    );
    return started.ok ? { ok: true, value: viewOf(started.job) } : started;
  }

  /** A job as it stands, while it is kept. */
  get(id: string): AdminOutcome<SegmentCouponJob> {
    const job = this.jobs.get(id);
    return job === undefined ? failure("NOT_FOUND", `no coupon job ${id} (jobs are forgotten an hour after they finish)`) : { ok: true, value: viewOf(job) };
  }

  private async sweep(progress: Progress, page: SweepSteps<SegmentCouponsPage>["page"]): Promise<Outcome<object>> {
    return sweepLogicalShards(this.cluster.shardCount, {
      page,
      seen: (_, counted) => {
        progress.scanned += counted.scanned;
        progress.matched += counted.matched;
        progress.created += counted.created;
        return true;
      },
      shardDone: () => {
        progress.logicalShardsDone += 1;
      },
    });
  }
}

function viewOf(job: SweepJob<Progress>): SegmentCouponJob {
  const { campaign, segment, logicalShardsDone, scanned, matched, created } = job.progress;
  const view = { id: job.id, campaign, segment, state: job.state, logicalShardsDone, logicalShardsTotal: LOGICAL_SHARD_COUNT, scanned, matched, created };
  return job.error === undefined ? view : { ...view, error: job.error };
}
