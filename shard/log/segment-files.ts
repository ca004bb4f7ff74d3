import { join } from "node:path";
import { assert } from "../../domain/assert/assert.js";
import type { LogFileSystem } from "./log-file-system.js";
import { LOG_PREALLOCATE_CHUNK_BYTES } from "./log-limits.js";

/**
 * Segment files in a log's directory: `segment-00000001.log`, `segment-00000002.log`, ... numbered in
 * the order they were created (not by sequence: a spare is created before anyone knows its first
 * record). A segment is preallocated under `<name>.preparing`, synced, then renamed into place and the
 * directory synced, so a segment file under its final name always has its full size of zeros or data.
 */

const SEGMENT_NAME_PATTERN = /^segment-(\d{8,})\.log$/;
const PREPARING_SUFFIX = ".preparing";

/** A segment's file name. */
export function segmentFileName(index: number): string {
  return `segment-${String(index).padStart(8, "0")}.log`;
}

/** A segment file found in the directory. */
export interface SegmentFile {
  readonly index: number;
  readonly path: string;
}

/** The segment files of a directory in creation order, and leftovers of preallocations a crash cut short. */
export async function listSegmentFiles(fileSystem: LogFileSystem, directory: string): Promise<{ segments: SegmentFile[]; leftovers: string[] }> {
  const names = await fileSystem.readdir(directory);
  const segments: SegmentFile[] = [];
  const leftovers: string[] = [];
  for (const name of names) {
    const match = SEGMENT_NAME_PATTERN.exec(name);
    if (match !== null) segments.push({ index: Number(match[1]), path: join(directory, name) });
    else if (name.endsWith(PREPARING_SUFFIX) && SEGMENT_NAME_PATTERN.test(name.slice(0, -PREPARING_SUFFIX.length))) leftovers.push(join(directory, name));
  }
  segments.sort((left, right) => left.index - right.index);
  return { segments, leftovers };
}

/** A segment file open for writing. */
export interface OpenSegment extends SegmentFile {
  readonly fd: number;
  readonly sizeBytes: number;
}

/** Zeros written while preallocating; never modified. */
let zeroChunk: Uint8Array | undefined;

/**
 * Creates segment `index` of `sizeBytes` zeros: written in LOG_PREALLOCATE_CHUNK_BYTES pieces (each
 * one job on libuv's pool, so the event loop runs between them), fsynced, renamed into place, the
 * directory fsynced; then opened for writing. Zeros rather than ftruncate: a later write into
 * allocated blocks needs no block allocation or size change at fdatasync (measured: 18 KB write +
 * fdatasync p50 0.14 ms into zeros, 0.21 ms into a sparse file, 0.28 ms into a growing one). On any
 * failure the partial file is removed (best effort) and the error rethrown. `cancelled` is checked
 * between pieces: a log closing stops preparing (an Error "cancelled" is thrown).
 */
export async function preallocateSegment(
  fileSystem: LogFileSystem,
  directory: string,
  index: number,
  sizeBytes: number,
  cancelled: () => boolean,
): Promise<OpenSegment> {
  assert(Number.isSafeInteger(sizeBytes) && sizeBytes > 0, "a segment has a positive size");
  const path = join(directory, segmentFileName(index));
  const preparingPath = `${path}${PREPARING_SUFFIX}`;
  zeroChunk ??= new Uint8Array(LOG_PREALLOCATE_CHUNK_BYTES);
  const fd = await fileSystem.open(preparingPath, "wx");
  try {
    for (let offset = 0; offset < sizeBytes; offset += zeroChunk.length) {
      if (cancelled()) throw new Error(`preallocating ${preparingPath} cancelled: the log is closing`);
      await fileSystem.write(fd, zeroChunk.subarray(0, Math.min(zeroChunk.length, sizeBytes - offset)), offset);
    }
    await fileSystem.fsync(fd);
  } catch (error) {
    await fileSystem.close(fd).catch(() => undefined);
    await fileSystem.unlink(preparingPath).catch(() => undefined);
    throw error;
  }
  await fileSystem.close(fd);
  await fileSystem.rename(preparingPath, path);
  await fileSystem.syncDirectory(directory);
  return { index, path, sizeBytes, fd: await fileSystem.open(path, "r+") };
}
