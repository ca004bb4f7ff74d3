import { Packr } from "msgpackr";
import { messagePackHeaderEnd } from "./msgpack-header.js";

/**
 * Standard MessagePack only: msgpackr's record extension is off, so any
 * client in any language can read our frames. Maps decode to plain objects.
 * 64-bit integers within the safe range decode as numbers (a client may
 * write every integer in the 64-bit form); beyond it they stay BigInts,
 * which every field reader refuses. ("auto" is in msgpackr's documentation
 * but not in its type declaration, hence the cast.)
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true, int64AsType: "auto" as "number" });

/**
 * Every integer leaves as a MessagePack integer. msgpackr writes a number
 * outside the 32-bit ranges (a millisecond timestamp, for one) as float64,
 * and has no option against it; strictly typed decoders (Go, Rust, Java)
 * refuse a float where they expect an integer. So the packed bytes are
 * walked once and each float64 holding a safe integer is rewritten in place
 * as uint64 or int64: the same nine bytes, so nothing moves. A number that
 * is not an integer (a weighed `qty`) stays float64.
 */
export function encodeFrame(value: unknown): Buffer {
  const bytes = packr.pack(value);
  integralFloatsToIntegers(bytes);
  return bytes;
}

/** Throws on anything that is not one MessagePack value. */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

const FLOAT64 = 0xcb;
const UINT64 = 0xcf;
const INT64 = 0xd3;
/** 2^32: splits a safe integer into the two 32-bit halves of its 64-bit form. */
const TWO_TO_THE_32 = 0x1_0000_0000;
/** One float64 to read the packed bytes through, instead of a DataView per frame (an allocation that doubled a ping's encoding time). */
const scratchFloat = new Float64Array(1);
const scratchBytes = new Uint8Array(scratchFloat.buffer);
/** MessagePack is big-endian; a Float64Array has the host's byte order. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Rewrites, in place, each float64 of a MessagePack value whose number is a
 * safe integer as a uint64 (non-negative) or int64 (negative). Exported for
 * its test. The walk is flat: a container's header is followed by its
 * elements, so skipping each value's own bytes visits every value without a
 * stack. Throws on bytes that are not MessagePack (it only ever sees our own
 * packer's output).
 */
export function integralFloatsToIntegers(bytes: Uint8Array): void {
  // Most answers without a timestamp have no 0xcb byte at all: a native scan decides.
  if (bytes.indexOf(FLOAT64) === -1) return;
  let position = 0;
  const end = bytes.length;
  while (position < end) {
    const type = bytes[position]!;
    if (type < 0xc0) {
      // positive fixint, fixmap and fixarray headers: one byte; fixstr: one plus its length.
      position += type >= 0xa0 ? 1 + (type & 0x1f) : 1;
      continue;
    }
    if (type >= 0xe0) {
      position += 1; // negative fixint
      continue;
    }
    if (type === FLOAT64) {
      rewriteIfSafeInteger(bytes, position);
      position += 9;
      continue;
    }
    const next = messagePackHeaderEnd(bytes, position, end);
    if (next < 0) throw new Error(`0x${type.toString(16)} at ${position} is not MessagePack`);
    position = next;
  }
}

/** The float64 at `position` (its type byte), as uint64 or int64 if it is a safe integer. */
function rewriteIfSafeInteger(bytes: Uint8Array, position: number): void {
  for (let index = 0; index < 8; index += 1) scratchBytes[HOST_IS_LITTLE_ENDIAN ? 7 - index : index] = bytes[position + 1 + index]!;
  const number = scratchFloat[0]!;
  if (!Number.isSafeInteger(number)) return;
  // Two's complement halves: `high` is negative for a negative number, `low` always in [0, 2^32).
  const high = Math.floor(number / TWO_TO_THE_32);
  const low = number - high * TWO_TO_THE_32;
  bytes[position] = number >= 0 ? UINT64 : INT64;
  bytes[position + 1] = (high >>> 24) & 0xff;
  bytes[position + 2] = (high >>> 16) & 0xff;
  bytes[position + 3] = (high >>> 8) & 0xff;
  bytes[position + 4] = high & 0xff;
  bytes[position + 5] = (low >>> 24) & 0xff;
  bytes[position + 6] = (low >>> 16) & 0xff;
  bytes[position + 7] = (low >>> 8) & 0xff;
  bytes[position + 8] = low & 0xff;
}
