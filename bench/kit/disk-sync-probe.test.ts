import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DISK_SYNC_CHECK_NAME, DISK_SYNC_PROBE_WRITES, describeDiskSync, diskSyncAboveTargetNote, diskSyncCheck, probeDiskSync } from "./disk-sync-probe.js";

describe("disk sync probe", () => {
  const directory = mkdtempSync(join(tmpdir(), "kit-disk-probe-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("measures write + fdatasync in the given directory, ordered percentiles, and leaves no file behind", () => {
    const figures = probeDiskSync(directory);
    expect(figures.syncs).toBeGreaterThan(0);
    expect(figures.syncs).toBeLessThanOrEqual(DISK_SYNC_PROBE_WRITES);
    expect(figures.p50Milliseconds).toBeGreaterThan(0);
    expect(figures.p50Milliseconds).toBeLessThanOrEqual(figures.p99Milliseconds);
    expect(figures.p99Milliseconds).toBeLessThanOrEqual(figures.maxMilliseconds);
    expect(readdirSync(directory)).toEqual([]);
    expect(describeDiskSync(figures)).toContain(`p99 ${figures.p99Milliseconds} ms`);
    expect(diskSyncCheck(figures)).toEqual({ name: DISK_SYNC_CHECK_NAME, measured: figures.p99Milliseconds, unit: "ms", target: null, direction: "at-most", met: null });
  });

  it("fails on a directory that does not exist rather than measuring another disk", () => {
    expect(() => probeDiskSync(join(directory, "missing"))).toThrow("ENOENT");
  });

  it("notes a disk whose sync p99 alone is above the latency target, and only such a disk", () => {
    const figures = { directory: "/data", syncs: 300, p50Milliseconds: 1.2, p99Milliseconds: 3.5, maxMilliseconds: 9 };
    expect(diskSyncAboveTargetNote(figures, 2)).toContain("p99 alone (3.5 ms) exceeds the 2 ms p99 target");
    expect(diskSyncAboveTargetNote({ ...figures, p99Milliseconds: 2 }, 2)).toBeNull();
  });
});
