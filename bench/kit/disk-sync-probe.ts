import { randomBytes } from "node:crypto";
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { check } from "./target-check.js";
import type { TargetCheck } from "./scenario-result.js";

/**
 * The fsync floor of the disk holding loycore's data directory: a durable commit (group commit or not)
 * cannot be acknowledged faster than the disk syncs a write, so a latency target below this floor is
 * out of reach on this machine whatever loycore does. Measured with the gateway idle, before the load.
 */

/** Syncs measured: enough for a p99 that is not the maximum ... */
export const DISK_SYNC_PROBE_WRITES = 300;
/** ... unless the disk is so slow that they would take longer than this: the probe stops there. */
export const DISK_SYNC_PROBE_SECONDS_MAX = 5;
/** One page, as a small commit writes. */
const DISK_SYNC_PROBE_WRITE_BYTES = 4 * 1024;

export const DISK_SYNC_CHECK_NAME = "disk: 4 KiB write + fdatasync p99";

export interface DiskSyncFigures {
  readonly directory: string;
  readonly syncs: number;
  readonly p50Milliseconds: number;
  readonly p99Milliseconds: number;
  readonly maxMilliseconds: number;
}

function percentile(sorted: readonly number[], share: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[index] ?? 0;
}

function rounded(milliseconds: number): number {
  return Math.round(milliseconds * 1000) / 1000;
}

/**
 * Writes 4 KiB and fdatasyncs it, DISK_SYNC_PROBE_WRITES times (or for DISK_SYNC_PROBE_SECONDS_MAX),
 * on a temporary file in `directory`, which it removes. Synchronous: it runs before the load, when
 * nothing else waits on this thread.
 */
export function probeDiskSync(directory: string): DiskSyncFigures {
  const path = join(directory, `.kit-disk-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  const page = randomBytes(DISK_SYNC_PROBE_WRITE_BYTES);
  const durations: number[] = [];
  const descriptor = openSync(path, "w");
  try {
    const deadline = performance.now() + DISK_SYNC_PROBE_SECONDS_MAX * 1000;
    while (durations.length < DISK_SYNC_PROBE_WRITES && performance.now() < deadline) {
      const started = performance.now();
      // Each write goes to the same offset: the file stays one page, as a rewritten LMDB page would.
      writeSync(descriptor, page, 0, page.length, 0);
      fdatasyncSync(descriptor);
      durations.push(performance.now() - started);
    }
  } finally {
    closeSync(descriptor);
    rmSync(path, { force: true });
  }
  const sorted = durations.sort((left, right) => left - right);
  return {
    directory,
    syncs: sorted.length,
    p50Milliseconds: rounded(percentile(sorted, 0.5)),
    p99Milliseconds: rounded(percentile(sorted, 0.99)),
    maxMilliseconds: rounded(sorted.at(-1) ?? 0),
  };
}

export function describeDiskSync(figures: DiskSyncFigures): string {
  return `disk of the data directory (${figures.directory}): 4 KiB write + fdatasync p50 ${figures.p50Milliseconds} ms, p99 ${figures.p99Milliseconds} ms, max ${figures.maxMilliseconds} ms over ${figures.syncs} syncs (the floor of a durable commit's latency)`;
}

export function diskSyncCheck(figures: DiskSyncFigures): TargetCheck {
  return check(DISK_SYNC_CHECK_NAME, figures.p99Milliseconds, "ms", null, "at-most");
}

/**
 * A note when the disk's sync p99 alone is above a latency target: a durable commit cannot be faster
 * than the disk's sync, so the target is out of reach on this disk. Null when the disk leaves room.
 */
export function diskSyncAboveTargetNote(figures: DiskSyncFigures, targetMilliseconds: number): string | null {
  if (figures.p99Milliseconds <= targetMilliseconds) return null;
  return `the disk's 4 KiB write + fdatasync p99 alone (${figures.p99Milliseconds} ms) exceeds the ${targetMilliseconds} ms p99 target: a durable commit cannot be faster than the disk's sync, so this disk cannot meet it`;
}
