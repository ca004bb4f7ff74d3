import {
  LOG_PENDING_BYTES_MAX,
  LOG_RECORD_PAYLOAD_BYTES_MAX,
  LOG_SEGMENT_BYTES_DEFAULT,
  LOG_SEGMENT_BYTES_MAX,
  LOG_WRITE_BYTES_MAX,
} from "./log-limits.js";
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "./record-format.js";

/** Options both logs take. Every field is optional; each default is named below. */
export interface CommitLogOptions {
  /**
   * The position the owner's checkpoint covers: the state includes every record below it. The log's
   * nextSequence is at least this even if no record is found, and replay skips records below it.
   * Default 1 (no checkpoint).
   */
  readonly startSequence?: number;
  /** Bytes of each segment, header included. Default LOG_SEGMENT_BYTES_DEFAULT (64 MiB). */
  readonly segmentBytes?: number;
  /** Most bytes one group writes (one writev + fdatasync). Default LOG_WRITE_BYTES_MAX (8 MiB). */
  readonly writeBytesMax?: number;
  /** Largest payload append accepts (more is an assertion failure). Default LOG_RECORD_PAYLOAD_BYTES_MAX (1 MiB). */
  readonly recordPayloadBytesMax?: number;
  /** pendingBytes past which append answers BUSY. Default LOG_PENDING_BYTES_MAX (32 MiB). */
  readonly pendingBytesMax?: number;
}

/** The options with every default applied and every value checked. */
export interface ResolvedCommitLogOptions {
  readonly startSequence: number;
  readonly segmentBytes: number;
  readonly writeBytesMax: number;
  readonly recordPayloadBytesMax: number;
  readonly pendingBytesMax: number;
}

/** The most a u32 field holds: the segment header stores writeBytesMax in one. */
const U32_MAX = 2 ** 32 - 1;

/** Checks an integer option; throws a RangeError naming the field. */
export function integerOption(name: string, value: unknown, fallback: number, minimum: number, maximum: number, why = ""): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new RangeError(`${name} must be an integer from ${minimum} to ${maximum}${why}, got ${String(value)}`);
  }
  return value;
}

/** Checks that `options` is an object (a TypeError otherwise). */
export function requireOptionsObject(options: unknown, what: string): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${what} needs an options object`);
}

/** Applies the defaults and checks each option in turn; a RangeError names the first bad field. */
export function resolveCommitLogOptions(options: CommitLogOptions): ResolvedCommitLogOptions {
  const startSequence = integerOption("startSequence", options.startSequence, 1, 1, Number.MAX_SAFE_INTEGER);
  const recordPayloadBytesMax = integerOption("recordPayloadBytesMax", options.recordPayloadBytesMax, LOG_RECORD_PAYLOAD_BYTES_MAX, 0, LOG_SEGMENT_BYTES_MAX);
  const smallestGroup = SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + recordPayloadBytesMax;
  const why = " (a segment header and the largest record must fit)";
  const writeBytesMax = integerOption("writeBytesMax", options.writeBytesMax, Math.max(LOG_WRITE_BYTES_MAX, smallestGroup), smallestGroup, U32_MAX, why);
  const segmentBytes = integerOption("segmentBytes", options.segmentBytes, Math.max(LOG_SEGMENT_BYTES_DEFAULT, smallestGroup), smallestGroup, LOG_SEGMENT_BYTES_MAX, why);
  const largestRecord = RECORD_HEADER_BYTES + recordPayloadBytesMax;
  const pendingBytesMax = integerOption("pendingBytesMax", options.pendingBytesMax, Math.max(LOG_PENDING_BYTES_MAX, largestRecord), largestRecord, Number.MAX_SAFE_INTEGER, " (the largest record must fit)");
  return { startSequence, segmentBytes, writeBytesMax, recordPayloadBytesMax, pendingBytesMax };
}
