import { assert } from "../../domain/assert/assert.js";
import { CommitLogCorruptError } from "./commit-log-errors.js";
import type { LogRecord } from "./commit-log.js";
import type { LogFileSystem } from "./log-file-system.js";
import { LOG_PREALLOCATE_CHUNK_BYTES } from "./log-limits.js";
import { decodeRecord, decodeSegmentHeader, nonZeroEnd, SEGMENT_HEADER_BYTES } from "./record-format.js";
import { listSegmentFiles, type SegmentFile } from "./segment-files.js";

/**
 * Opening a file commit log, in two steps: scanLog reads every segment and decides, changing nothing
 * (a corrupt log throws CommitLogCorruptError and stays as it was); repairLog then cuts a torn tail.
 *
 * The one thing a crash can leave is a torn group: the single write in flight, which started at or
 * before the first bad record X of the last segment written and spans at most the writer's
 * writeBytesMax. So bad bytes at X are a torn tail if nothing from X + writeBytesMax to the end of the
 * segment is non-zero (that group was never synced, so none of its records was acknowledged); they are
 * zeroed and appends continue from X. Anything else is corruption: a bad record in an earlier segment,
 * non-zero bytes beyond a torn write's reach, a segment that does not continue the one before it.
 */

/** A segment with a valid header, as scanned. */
export interface ScannedSegment extends SegmentFile {
  readonly sizeBytes: number;
  readonly firstSequence: number;
  /** Valid records, from SEGMENT_HEADER_BYTES on, sequences firstSequence, firstSequence + 1, ... */
  readonly recordCount: number;
  /** Where the records end: the next record goes here. */
  readonly endOffset: number;
  /** The file's bytes, kept only if it holds records at or above startSequence (for replay). */
  readonly bytes: Uint8Array | null;
}

/** A region of a segment to zero-fill: a torn group. */
export interface TornRegion extends SegmentFile {
  readonly sizeBytes: number;
  readonly offset: number;
  readonly end: number;
  /** Whether the torn write took the segment's header: the segment becomes a spare again. */
  readonly wholeSegment: boolean;
}

/** What scanLog found. */
export interface ScannedLog {
  /** Segments with a valid header, in creation order. */
  readonly written: ScannedSegment[];
  /** Segments after the last written one that hold nothing (all zeros), with their sizes. */
  readonly spares: (SegmentFile & { readonly sizeBytes: number })[];
  readonly torn: TornRegion | null;
  /** Preallocations a crash cut short (`*.preparing`): removed by repairLog. */
  readonly leftovers: string[];
  readonly highestIndex: number;
}

interface Suspect extends TornRegion {
  readonly reason: string;
}

function lastSequenceOf(segment: ScannedSegment): number {
  return segment.firstSequence + segment.recordCount - 1;
}

/** Reads the records of a segment with a valid header; a bad record becomes a torn suspect or throws. */
function scanRecords(file: SegmentFile, bytes: Uint8Array, firstSequence: number, writeBytesMax: number): { recordCount: number; endOffset: number; suspect: Suspect | null } {
  let offset = SEGMENT_HEADER_BYTES;
  let sequence = firstSequence;
  for (;;) {
    const found = decodeRecord(bytes, offset, sequence);
    if (found.kind !== "record") {
      const end = nonZeroEnd(bytes);
      const recordCount = sequence - firstSequence;
      if (end <= offset) return { recordCount, endOffset: offset, suspect: null };
      const reason = found.kind === "bad" ? found.reason : `non-zero bytes follow the last record, up to offset ${end}`;
      if (end > offset + writeBytesMax) {
        throw new CommitLogCorruptError(file.path, offset, `${reason}, and non-zero bytes reach offset ${end}, beyond what one torn write of ${writeBytesMax} bytes can leave`);
      }
      return { recordCount, endOffset: offset, suspect: { ...file, sizeBytes: bytes.length, offset, end, wholeSegment: false, reason } };
    }
    offset = found.nextOffset;
    sequence += 1;
  }
}

/** Checks that a written segment continues the one before it (a gap only below startSequence). */
function checkContinuity(file: SegmentFile, firstSequence: number, previous: ScannedSegment | undefined, startSequence: number): void {
  if (previous === undefined) {
    if (firstSequence > startSequence) {
      throw new CommitLogCorruptError(file.path, 0, `the log's first segment starts at sequence ${firstSequence}, so records ${startSequence} to ${firstSequence - 1} the checkpoint does not cover are missing`);
    }
    return;
  }
  const expected = lastSequenceOf(previous) + 1;
  if (firstSequence === expected || (firstSequence > expected && firstSequence <= startSequence)) return;
  throw new CommitLogCorruptError(file.path, 0, `the segment starts at sequence ${firstSequence} but the one before it (${previous.path}) ends at ${expected - 1}`);
}

/** Reads every segment of `directory`, in order, and decides what is records, torn, spare or corrupt. */
export async function scanLog(fileSystem: LogFileSystem, directory: string, startSequence: number, writeBytesMaxFallback: number): Promise<ScannedLog> {
  const { segments, leftovers } = await listSegmentFiles(fileSystem, directory);
  const written: ScannedSegment[] = [];
  const spares: (SegmentFile & { sizeBytes: number })[] = [];
  let suspect: Suspect | null = null;
  for (const file of segments) {
    const bytes = await fileSystem.readFile(file.path);
    const header = decodeSegmentHeader(bytes);
    const end = header.kind === "valid" ? -1 : nonZeroEnd(bytes);
    if (header.kind === "unused" && end === 0) {
      spares.push({ ...file, sizeBytes: bytes.length });
      continue;
    }
    if (suspect !== null) throw new CommitLogCorruptError(suspect.path, suspect.offset, `${suspect.reason}, and a later segment (${file.path}) holds data`);
    if (spares.length > 0) throw new CommitLogCorruptError(file.path, 0, `an unused segment (${spares[0]?.path ?? ""}) comes before this one, which holds data`);
    if (header.kind !== "valid") {
      const reason = header.kind === "invalid" ? header.reason : "the segment header is zero but data follows it";
      if (end > writeBytesMaxFallback) throw new CommitLogCorruptError(file.path, 0, `${reason}, and non-zero bytes reach offset ${end}, beyond what one torn write can leave`);
      suspect = { ...file, sizeBytes: bytes.length, offset: 0, end, wholeSegment: true, reason };
      continue;
    }
    checkContinuity(file, header.firstSequence, written.at(-1), startSequence);
    const scanned = scanRecords(file, bytes, header.firstSequence, header.writeBytesMax);
    suspect = scanned.suspect;
    const keep = scanned.recordCount > 0 && header.firstSequence + scanned.recordCount - 1 >= startSequence;
    written.push({ ...file, sizeBytes: bytes.length, firstSequence: header.firstSequence, recordCount: scanned.recordCount, endOffset: scanned.endOffset, bytes: keep ? bytes : null });
  }
  return { written, spares, torn: suspect, leftovers, highestIndex: segments.at(-1)?.index ?? 0 };
}

/**
 * Zero-fills the torn region (then fdatasyncs it) and removes leftovers of cut-short preallocations.
 * Only after scanLog accepted the log. No directory sync after removing leftovers: one that comes back
 * after a crash is removed again at the next open.
 */
export async function repairLog(fileSystem: LogFileSystem, scanned: ScannedLog): Promise<void> {
  const torn = scanned.torn;
  if (torn !== null) {
    const fd = await fileSystem.open(torn.path, "r+");
    try {
      const zeros = new Uint8Array(Math.min(LOG_PREALLOCATE_CHUNK_BYTES, torn.end - torn.offset));
      for (let offset = torn.offset; offset < torn.end; offset += zeros.length) {
        await fileSystem.write(fd, zeros.subarray(0, Math.min(zeros.length, torn.end - offset)), offset);
      }
      await fileSystem.fdatasync(fd);
    } finally {
      await fileSystem.close(fd);
    }
  }
  for (const path of scanned.leftovers) await fileSystem.unlink(path).catch(() => undefined);
}

/**
 * The records of scanned segments at or above `fromSequence`, in order; payloads are views of the bytes
 * read at open (checked once already, so not checksummed again).
 */
export function* replayScanned(segments: readonly ScannedSegment[], fromSequence: number): Generator<LogRecord> {
  for (const segment of segments) {
    const bytes = segment.bytes;
    if (bytes === null || lastSequenceOf(segment) < fromSequence) continue;
    let offset = SEGMENT_HEADER_BYTES;
    for (let sequence = segment.firstSequence; sequence <= lastSequenceOf(segment); sequence += 1) {
      const found = decodeRecord(bytes, offset, sequence, false);
      assert(found.kind === "record", `record ${sequence} was read at open`);
      if (sequence >= fromSequence) yield { sequence, payload: bytes.subarray(found.payloadOffset, found.payloadOffset + found.payloadBytes) };
      offset = found.nextOffset;
    }
  }
}
