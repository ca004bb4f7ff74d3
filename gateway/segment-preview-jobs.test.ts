import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient } from "../client/index.js";
import type { SegmentPreviewJob } from "../protocol/admin-wire.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

const PROGRAM = { name: "Previews", points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } };
const MEMBERS = 2_000;
const SEGMENTS = [{ id: "everyone", name: "Everyone", when: { fact: "daysSinceRegistration", atLeast: 0 } }];

describe("a segment preview's progress over the wire, two shard threads", () => {
  const directory = makeTemporaryDirectory("segment-preview-jobs");
  let server: ServerProcess;
  let admin: LoycoreAdminClient;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", String(MEMBERS), "--shards", "2", "--checkpoint-interval-milliseconds", "100"]);
    admin = new LoycoreAdminClient({ url: server.url, token: server.adminToken ?? "" });
    expect((await postJson(`${server.url}/v1/admin/program`, server.adminToken ?? "", PROGRAM, "PUT")).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/campaigns`, server.adminToken ?? "", { segments: SEGMENTS, campaigns: [] }, "PUT")).status).toBe(200);
    // A sweep reads the accounts the last checkpoint wrote.
    for (let waited = 0; (await admin.previewSegment({ segment: "everyone" })).members < MEMBERS && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("reports shards done, members scanned, the count and the sample growing as it runs, and ends as the one-shot preview", async () => {
    const started = await admin.startSegmentPreview({ id: "p-1", segment: "everyone", sample: 5 });
    expect(started).toMatchObject({ id: "p-1", segment: "everyone", logicalShardsTotal: 256 });
    const seen: SegmentPreviewJob[] = [started];
    for (let job = started; job.state === "running"; ) {
      job = await admin.segmentPreviewJob("p-1");
      seen.push(job);
    }
    for (let index = 1; index < seen.length; index += 1) {
      const [before, after] = [seen[index - 1] as SegmentPreviewJob, seen[index] as SegmentPreviewJob];
      expect(after.logicalShardsDone).toBeGreaterThanOrEqual(before.logicalShardsDone);
      expect(after.scanned).toBeGreaterThanOrEqual(before.scanned);
      expect(after.members).toBeGreaterThanOrEqual(before.members);
    }
    const done = seen.at(-1) as SegmentPreviewJob;
    const oneShot = await admin.previewSegment({ segment: "everyone", sample: 5 });
    expect(done).toEqual({ id: "p-1", state: "done", logicalShardsDone: 256, logicalShardsTotal: 256, ...oneShot });
    expect(done.members).toBe(MEMBERS);

    // The same id is the same job; with other content, a CONFLICT; a condition as is, without an id, gets one.
    expect(await admin.startSegmentPreview({ id: "p-1", segment: "everyone", sample: 5 })).toEqual(done);
    expect(await postJson(`${server.url}/v1/admin/segments/preview-jobs`, server.adminToken ?? "", { id: "p-1", segment: "everyone", sample: 6 })).toMatchObject({ status: 409 });
    const unnamed = await admin.startSegmentPreview({ when: { fact: "daysSinceRegistration", atLeast: 1, atMost: null } });
    expect(unnamed.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(await postJson(`${server.url}/v1/admin/segments/preview-jobs`, server.adminToken ?? "", { segment: "nope" })).toMatchObject({ status: 404 });
    expect(await postJson(`${server.url}/v1/admin/segments/preview-jobs`, server.adminToken ?? "", { segment: "everyone", when: { fact: "age", atLeast: 1 } })).toMatchObject({ status: 400 });
    expect(await getJson(`${server.url}/v1/admin/segments/preview-jobs/nope`, server.adminToken ?? "")).toMatchObject({ status: 404 });
  });
});
