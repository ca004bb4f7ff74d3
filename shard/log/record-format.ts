import { assert } from "../../domain/assert/assert.js";
import { crc32c } from "./crc32c.js";

/**
 * The bytes of a commit-log segment, little-endian throughout.
 *
 * Segment header, SEGMENT_HEADER_BYTES at offset 0, written together with the segment's first group:
 *   [0] u32 magic "LCLG"  [4] u32 format version  [8] u32 first sequence, low 32 bits
 *   [12] u32 first sequence, high 21 bits  [16] u32 the writer's largest group (write) in bytes
 *   [20] 8 reserved zero bytes  [28] u32 CRC-32C of bytes 0-27.
 * A header of all zeros is a preallocated spare that holds no record yet.
 *
 * Record, RECORD_HEADER_BYTES and then the payload, right after the header or the previous record:
 *   [0] u32 CRC-32C of bytes 4 .. end of payload (so of the length, sequence, version and payload)
 *   [4] u32 payload length  [8] u32 sequence, low 32 bits  [12] u32 sequence, high 21 bits
 *   [16] u8 record format version  [17] 3 reserved zero bytes  [20] payload.
 * Every record carries its own sequence, so bytes left over from an earlier write can never pass for the
 * record at another position. A record header of all zeros (impossible for a record: its sequence is at
 * least 1) marks the end of the records in a segment, as do fewer than RECORD_HEADER_BYTES left.
 */

export const SEGMENT_HEADER_BYTES = 32;
/** "LCLG" read as a little-endian u32. */
export const SEGMENT_MAGIC = 0x474c434c;
export const SEGMENT_FORMAT_VERSION = 1;
export const RECORD_HEADER_BYTES = 20;
export const RECORD_FORMAT_VERSION = 1;

const TWO_TO_32 = 2 ** 32;

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16) | ((bytes[offset + 3] ?? 0) << 24)) >>> 0;
}

function writeU53(bytes: Uint8Array, offset: number, value: number): void {
  writeU32(bytes, offset, value % TWO_TO_32);
  writeU32(bytes, offset + 4, Math.floor(value / TWO_TO_32));
}

function readU53(bytes: Uint8Array, offset: number): number {
  return readU32(bytes, offset + 4) * TWO_TO_32 + readU32(bytes, offset);
}

/** True when every byte of bytes[start, end) is zero. */
export function isZeroRange(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index += 1) if (bytes[index] !== 0) return false;
  return true;
}

/** The offset just past the last non-zero byte of `bytes` (0 when all are zero). */
export function nonZeroEnd(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  return end;
}

/** A segment header for a segment whose first record has `firstSequence`. */
export function encodeSegmentHeader(firstSequence: number, writeBytesMax: number): Uint8Array {
  assert(Number.isSafeInteger(firstSequence) && firstSequence >= 1, `a segment's first sequence is at least 1, got ${firstSequence}`);
  assert(Number.isSafeInteger(writeBytesMax) && writeBytesMax > 0 && writeBytesMax < TWO_TO_32, "a segment's write bound fits a u32");
  const header = new Uint8Array(SEGMENT_HEADER_BYTES);
  writeU32(header, 0, SEGMENT_MAGIC);
  writeU32(header, 4, SEGMENT_FORMAT_VERSION);
  writeU53(header, 8, firstSequence);
  writeU32(header, 16, writeBytesMax);
  writeU32(header, 28, crc32c(header.subarray(0, 28)));
  return header;
}

/** What a segment's first SEGMENT_HEADER_BYTES say. */
export type SegmentHeader =
  | { readonly kind: "unused" }
  | { readonly kind: "valid"; readonly firstSequence: number; readonly writeBytesMax: number }
  | { readonly kind: "invalid"; readonly reason: string };

/** Reads a segment header from the start of `bytes` (a file shorter than a header is invalid). */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader {
  if (bytes.length < SEGMENT_HEADER_BYTES) return { kind: "invalid", reason: `the file is shorter than a segment header (${bytes.length} bytes)` };
  if (isZeroRange(bytes, 0, SEGMENT_HEADER_BYTES)) return { kind: "unused" };
  if (readU32(bytes, 28) !== crc32c(bytes.subarray(0, 28))) return { kind: "invalid", reason: "the segment header's checksum does not match" };
  if (readU32(bytes, 0) !== SEGMENT_MAGIC) return { kind: "invalid", reason: "the segment header has no commit-log magic" };
  const version = readU32(bytes, 4);
  if (version !== SEGMENT_FORMAT_VERSION) return { kind: "invalid", reason: `segment format version ${version} is not ${SEGMENT_FORMAT_VERSION}` };
  const firstSequence = readU53(bytes, 8);
  const writeBytesMax = readU32(bytes, 16);
  if (!Number.isSafeInteger(firstSequence) || firstSequence < 1) return { kind: "invalid", reason: `first sequence ${firstSequence} is not valid` };
  if (writeBytesMax === 0) return { kind: "invalid", reason: "the segment header's write bound is zero" };
  if (!isZeroRange(bytes, 20, 28)) return { kind: "invalid", reason: "the segment header's reserved bytes are not zero" };
  return { kind: "valid", firstSequence, writeBytesMax };
}

/** Bytes a record with `payloadBytes` of payload takes in a segment. */
export function recordBytes(payloadBytes: number): number {
  return RECORD_HEADER_BYTES + payloadBytes;
}

/** Writes the record (header and payload) into `target` at `offset`; returns the bytes written. */
export function encodeRecord(target: Uint8Array, offset: number, sequence: number, payload: Uint8Array): number {
  const end = offset + RECORD_HEADER_BYTES + payload.length;
  assert(end <= target.length, "a record fits its staging buffer");
  writeU32(target, offset + 4, payload.length);
  writeU53(target, offset + 8, sequence);
  target[offset + 16] = RECORD_FORMAT_VERSION;
  target[offset + 17] = 0;
  target[offset + 18] = 0;
  target[offset + 19] = 0;
  target.set(payload, offset + RECORD_HEADER_BYTES);
  writeU32(target, offset, crc32c(target.subarray(offset + 4, end)));
  return end - offset;
}

/** What is found at a record position. */
export type RecordAt =
  | { readonly kind: "end" }
  | { readonly kind: "record"; readonly payloadOffset: number; readonly payloadBytes: number; readonly nextOffset: number }
  | { readonly kind: "bad"; readonly reason: string };

/**
 * Reads the record at `offset` of a segment's bytes, expecting `sequence`. `verify` false skips the
 * checksum (for bytes checked once already).
 */
export function decodeRecord(bytes: Uint8Array, offset: number, sequence: number, verify = true): RecordAt {
  if (offset + RECORD_HEADER_BYTES > bytes.length || isZeroRange(bytes, offset, offset + RECORD_HEADER_BYTES)) return { kind: "end" };
  const payloadBytes = readU32(bytes, offset + 4);
  const end = offset + RECORD_HEADER_BYTES + payloadBytes;
  if (end > bytes.length) return { kind: "bad", reason: `payload length ${payloadBytes} runs past the end of the segment` };
  if (verify && readU32(bytes, offset) !== crc32c(bytes.subarray(offset + 4, end))) return { kind: "bad", reason: "the record's checksum does not match" };
  const found = readU53(bytes, offset + 8);
  if (found !== sequence) return { kind: "bad", reason: `the record has sequence ${found} where ${sequence} was expected` };
  const version = bytes[offset + 16] ?? 0;
  if (version !== RECORD_FORMAT_VERSION) return { kind: "bad", reason: `record format version ${version} is not ${RECORD_FORMAT_VERSION}` };
  if (!isZeroRange(bytes, offset + 17, offset + RECORD_HEADER_BYTES)) return { kind: "bad", reason: "the record's reserved bytes are not zero" };
  return { kind: "record", payloadOffset: offset + RECORD_HEADER_BYTES, payloadBytes, nextOffset: end };
}
