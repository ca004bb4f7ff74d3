import { Packr } from "msgpackr";

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
    position += valueBytes(bytes, position, type);
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

/** The bytes of the value at `position` with type byte 0xc0-0xdf, its payload included (a container: its header only). */
function valueBytes(bytes: Uint8Array, position: number, type: number): number {
  switch (type) {
    case 0xc0: // nil
    case 0xc2: // false
    case 0xc3: // true
      return 1;
    case 0xc4: // bin 8
    case 0xd9: // str 8
      return 2 + bytes[position + 1]!;
    case 0xc5: // bin 16
    case 0xda: // str 16
      return 3 + readUint16(bytes, position + 1);
    case 0xc6: // bin 32
    case 0xdb: // str 32
      return 5 + readUint32(bytes, position + 1);
    case 0xc7: // ext 8
      return 3 + bytes[position + 1]!;
    case 0xc8: // ext 16
      return 4 + readUint16(bytes, position + 1);
    case 0xc9: // ext 32
      return 6 + readUint32(bytes, position + 1);
    case 0xca: // float 32
    case 0xce: // uint 32
    case 0xd2: // int 32
      return 5;
    case 0xcc: // uint 8
    case 0xd0: // int 8
      return 2;
    case 0xcd: // uint 16
    case 0xd1: // int 16
      return 3;
    case 0xcf: // uint 64
    case 0xd3: // int 64
      return 9;
    case 0xd4: // fixext 1
      return 3;
    case 0xd5: // fixext 2
      return 4;
    case 0xd6: // fixext 4
      return 6;
    case 0xd7: // fixext 8
      return 10;
    case 0xd8: // fixext 16
      return 18;
    case 0xdc: // array 16
    case 0xde: // map 16
      return 3;
    case 0xdd: // array 32
    case 0xdf: // map 32
      return 5;
    default:
      throw new Error(`0x${type.toString(16)} at ${position} is not a MessagePack type`);
  }
}

function readUint16(bytes: Uint8Array, position: number): number {
  return (bytes[position]! << 8) | bytes[position + 1]!;
}

function readUint32(bytes: Uint8Array, position: number): number {
  return bytes[position]! * 0x100_0000 + ((bytes[position + 1]! << 16) | (bytes[position + 2]! << 8) | bytes[position + 3]!);
}
