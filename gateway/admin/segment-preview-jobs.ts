// Thread: the gateway (main) thread.
import { randomBytes } from "node:crypto";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { CampaignsDefinition, SegmentCondition } from "../../protocol/campaign-document.js";
import type { Program } from "../../protocol/program-document.js";
import type { SegmentPreviewJob } from "../../protocol/admin-wire.js";
import { SEGMENT_PREVIEW_SAMPLE_MAX } from "../../domain/campaigns/segment-members.js";
import { validateSegmentCondition } from "../../domain/campaigns/validate-campaigns.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import { readInteger, readObject, readOptionalString, readString, refuseUnknownFields, type InputObject } from "../../domain/validation/fields.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { AdminOutcome } from "./admin-service.js";
import { sampleOf, segmentSweepProgress, sweepSegment, type SegmentSweepProgress } from "./segment-sweep.js";
import { SweepJobs, type SweepJob } from "./sweep-jobs.js";

/** Member ids a segment preview lists when the request says nothing. */
export const SEGMENT_PREVIEW_SAMPLE_DEFAULT = 20;
/** Preview jobs running at once: each keeps a page in flight per shard thread (a few ms of it each); more would take lanes' time. */
export const SEGMENT_PREVIEW_JOBS_RUNNING_MAX = 2;
/** Preview jobs kept, running or finished, for polling: a marketer's afternoon of previews. */
export const SEGMENT_PREVIEW_JOBS_KEPT_MAX = 16;
/** A finished preview is forgotten 10 minutes after it finished: a count is of its moment, and is asked again. */
export const SEGMENT_PREVIEW_JOBS_KEPT_MILLISECONDS = 600_000;

/** What a segment preview asks: a stored segment's id (or null) and its condition, and the sample's size. */
export interface SegmentPreviewRequest {
  readonly segment: string | null;
  readonly when: SegmentCondition;
  readonly sampleMax: number;
}

/** `{ segment }` or `{ when }`, `sample?`: a NOT_FOUND for a segment the document lacks. */
export function readSegmentPreview(body: InputObject, definition: CampaignsDefinition, program: Program | null): AdminOutcome<SegmentPreviewRequest> {
  if ((body["segment"] === undefined) === (body["when"] === undefined)) return failure("BAD_REQUEST", "preview needs exactly one of segment and when");
  const sampleMax = body["sample"] === undefined ? SEGMENT_PREVIEW_SAMPLE_DEFAULT : readInteger(body["sample"], "sample", 0, SEGMENT_PREVIEW_SAMPLE_MAX);
  if (body["segment"] === undefined) return { ok: true, value: { segment: null, when: validateSegmentCondition(body["when"], program), sampleMax } };
  const segment = readString(body["segment"], "segment", CLIENT_IDENTIFIER_LENGTH_MAX);
  const found = definition.segments.find((each) => each.id === segment);
  return found === undefined ? failure("NOT_FOUND", `no segment ${segment}`) : { ok: true, value: { segment, when: found.when, sampleMax } };
}

interface Progress {
  readonly request: SegmentPreviewRequest;
  readonly sweep: SegmentSweepProgress;
}

/**
 * Segment previews that report progress while they run (docs/campaigns.md,
 * "Previews"): started by a POST, read by polling its id; the count,
 * members scanned and sample so far grow as logical shards are counted.
 */
export class SegmentPreviewJobs {
  private readonly jobs = new SweepJobs<Progress>({ runningMax: SEGMENT_PREVIEW_JOBS_RUNNING_MAX, keptMax: SEGMENT_PREVIEW_JOBS_KEPT_MAX, keptMilliseconds: SEGMENT_PREVIEW_JOBS_KEPT_MILLISECONDS });

  constructor(private readonly cluster: ShardCluster) {}

  /** `{ id?, segment | when, sample? }`: starts a preview (id absent: one is made); a repeat of its id answers it as it stands. */
  start(input: unknown, definition: CampaignsDefinition, program: Program | null): AdminOutcome<SegmentPreviewJob> {
    const body = readObject(input, "preview");
    refuseUnknownFields(body, "preview", new Set(["id", "segment", "when", "sample"]));
    const id = readOptionalString(body["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN) ?? randomBytes(9).toString("base64url");
    const request = readSegmentPreview(body, definition, program);
    if (!request.ok) return request;
    const content = JSON.stringify([request.value.segment, request.value.when, request.value.sampleMax]);
    const started = this.jobs.start(id, content, { request: request.value, sweep: segmentSweepProgress() }, (progress) =>
      sweepSegment(this.cluster, progress.request.when, progress.request.sampleMax, progress.sweep),
    );
    return started.ok ? { ok: true, value: viewOf(started.job) } : started;
  }

  get(id: string): AdminOutcome<SegmentPreviewJob> {
    const job = this.jobs.get(id);
    return job === undefined ? failure("NOT_FOUND", `no preview job ${id} (previews are forgotten 10 minutes after they finish)`) : { ok: true, value: viewOf(job) };
  }
}

function viewOf(job: SweepJob<Progress>): SegmentPreviewJob {
  const { request, sweep } = job.progress;
  const view: SegmentPreviewJob = {
    id: job.id,
    state: job.state,
    segment: request.segment,
    logicalShardsDone: sweep.logicalShardsDone,
    logicalShardsTotal: LOGICAL_SHARD_COUNT,
    members: sweep.members,
    scanned: sweep.scanned,
    sample: sampleOf(sweep, request.sampleMax),
    complete: sweep.complete,
  };
  return job.error === undefined ? view : { ...view, error: job.error };
}
