import { useEffect, useState } from "preact/hooks";
import type { SegmentPreviewJob } from "../../protocol/admin-wire.js";
import type { Segment } from "../../protocol/campaign-document.js";
import type { AdminApi } from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { formatPoints } from "../logic/format.js";

/** How often a running preview is asked for its progress: the count visibly grows, at a few cheap reads a second. */
const PREVIEW_POLL_MILLISECONDS = 400;
/** Member ids shown from the preview's sample (the server's most is 100). */
const PREVIEW_SAMPLE = 20;

/**
 * A segment's preview with progress (docs/campaigns.md, "Previews"): a job started on the server,
 * polled until it is done or failed; polling stops then, and when the page is left.
 */
export function SegmentPreviewSection({ api, segments, mayPreview }: { readonly api: AdminApi; readonly segments: readonly Segment[]; readonly mayPreview: boolean }) {
  const [chosen, setChosen] = useState(segments[0]?.id ?? "");
  const [job, setJob] = useState<SegmentPreviewJob | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const running = job?.state === "running";
  useEffect(() => {
    if (job === undefined || job.state !== "running") return undefined;
    const timer = setTimeout(() => {
      api.segmentPreviewJob(job.id).then(setJob, (failure: unknown) => {
        setError(failure);
        setJob(undefined);
      });
    }, PREVIEW_POLL_MILLISECONDS);
    return () => clearTimeout(timer);
  }, [api, job]);
  const start = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      setJob(await api.startSegmentPreview(chosen, PREVIEW_SAMPLE));
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section class="segment-preview" aria-labelledby="segment-preview-heading">
      <h2 id="segment-preview-heading">Segment preview</h2>
      {!mayPreview ? (
        <p class="hint">Previewing a segment needs the permission to change campaigns (admin or marketer).</p>
      ) : segments.length === 0 ? (
        <Empty>The campaigns document has no segments.</Empty>
      ) : (
        <form class="inline-form" aria-label="Preview a segment" onSubmit={(event) => void start(event)}>
          <label>
            Segment
            <select name="segment" value={chosen} onChange={(event) => setChosen(event.currentTarget.value)}>
              {segments.map((segment) => <option key={segment.id} value={segment.id}>{segment.name} ({segment.id})</option>)}
            </select>
          </label>
          <button type="submit" disabled={running || chosen === ""}>Count its members</button>
        </form>
      )}
      <ErrorBox error={error} />
      {job !== undefined && <PreviewProgress job={job} />}
    </section>
  );
}

function PreviewProgress({ job }: { readonly job: SegmentPreviewJob }) {
  return (
    <div class="preview-progress" data-state={job.state}>
      <p role="status">
        <progress max={job.logicalShardsTotal} value={job.logicalShardsDone} aria-label="Logical shards counted" />{" "}
        <span data-testid="preview-shards">{job.logicalShardsDone} of {job.logicalShardsTotal} logical shards</span>
        {" · "}
        <span data-testid="preview-scanned">{formatPoints(job.scanned)} members scanned</span>
        {" · "}
        <strong data-testid="preview-count">{formatPoints(job.members)} in the segment{job.state === "running" ? " so far" : ""}</strong>
        {" · "}
        <span data-testid="preview-state">{job.state === "done" ? (job.complete ? "done" : "done (stopped at the scan limit: a partial count)") : job.state}</span>
      </p>
      {job.error !== undefined && <ErrorBox error={new ApiError(job.error.code, job.error.message, 0)} />}
      {job.sample.length > 0 && (
        <p class="preview-sample">
          Sample: {job.sample.map((member, index) => <span key={member}>{index > 0 && ", "}<a href={`#/members/${encodeURIComponent(member)}`}><code>{member}</code></a></span>)}
        </p>
      )}
    </div>
  );
}
