import { headerChildren, messagePackHeaderEnd } from "../../protocol/msgpack-header.js";

/**
 * Reads the few top-level fields the load client needs from a msgpack map (`id`, `ok`, `code`,
 * `redeemable`, and `op` for the ceiling server) without building the object: every other value is
 * skipped in place. Decoding whole answers with msgpackr would allocate every line, rule and string
 * of a calculate answer, tens of objects per answer, and make the load client, not the server, the
 * bottleneck. The result is written into one reused FrameFields object.
 */

/** What one frame said; reused for every frame, valid until the next read. */
export class FrameFields {
  /** The request id when it is a non-negative integer; -1 otherwise (null, a string, missing). */
  id = -1;
  ok = false;
  /** The error code of a failed answer, or null. */
  code: string | null = null;
  /** `redeemable` of a calculate (or commit) answer; 0 when absent. */
  redeemable = 0;
  /** Index of `op` in the reader's list of known operations; -1 when absent or unknown. */
  operationIndex = -1;
  /** Bytes of the whole frame payload, for answer-size statistics. */
  byteLength = 0;
}

const KEY_ID = asciiBytes("id");
const KEY_OK = asciiBytes("ok");
const KEY_CODE = asciiBytes("code");
const KEY_REDEEMABLE = asciiBytes("redeemable");
const KEY_OP = asciiBytes("op");

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

export class FrameFieldReader {
  private readonly operationNames: readonly Uint8Array[];

  /** `operations`: the op names whose index `operationIndex` reports (the ceiling server's size table). */
  constructor(operations: readonly string[] = []) {
    this.operationNames = operations.map(asciiBytes);
  }

  /**
   * Fills `fields` from the msgpack map in `bytes[start, end)`. Returns false when the bytes are not
   * one well-formed map (truncated, not a map): the caller treats the frame as unreadable.
   */
  read(bytes: Buffer, start: number, end: number, fields: FrameFields): boolean {
    fields.id = -1;
    fields.ok = false;
    fields.code = null;
    fields.redeemable = 0;
    fields.operationIndex = -1;
    fields.byteLength = end - start;
    if (start >= end) return false;
    let offset = start;
    const type = bytes[offset]!;
    let entries: number;
    if (type >= 0x80 && type <= 0x8f) {
      entries = type & 0x0f;
      offset += 1;
    } else if (type === 0xde) {
      if (offset + 3 > end) return false;
      entries = bytes.readUInt16BE(offset + 1);
      offset += 3;
    } else if (type === 0xdf) {
      if (offset + 5 > end) return false;
      entries = bytes.readUInt32BE(offset + 1);
      offset += 5;
    } else {
      return false;
    }
    for (let entry = 0; entry < entries; entry += 1) {
      if (offset >= end) return false;
      const keyStart = stringStart(bytes, offset, end);
      if (keyStart < 0) {
        // A key that is not a string: skip key and value.
        offset = skipValues(bytes, offset, end, 2);
        if (offset < 0) return false;
        continue;
      }
      const keyEnd = keyStart + stringLength(bytes, offset);
      if (keyEnd > end) return false;
      const valueOffset = keyEnd;
      if (valueOffset >= end) return false;
      if (equalsAscii(bytes, keyStart, keyEnd, KEY_ID)) {
        fields.id = readNonNegativeInteger(bytes, valueOffset, end);
      } else if (equalsAscii(bytes, keyStart, keyEnd, KEY_OK)) {
        fields.ok = bytes[valueOffset] === 0xc3;
      } else if (equalsAscii(bytes, keyStart, keyEnd, KEY_CODE)) {
        const codeStart = stringStart(bytes, valueOffset, end);
        if (codeStart >= 0) fields.code = bytes.toString("latin1", codeStart, Math.min(end, codeStart + stringLength(bytes, valueOffset)));
      } else if (equalsAscii(bytes, keyStart, keyEnd, KEY_REDEEMABLE)) {
        fields.redeemable = Math.max(0, readNonNegativeInteger(bytes, valueOffset, end));
      } else if (equalsAscii(bytes, keyStart, keyEnd, KEY_OP)) {
        const opStart = stringStart(bytes, valueOffset, end);
        if (opStart >= 0) {
          const opEnd = opStart + stringLength(bytes, valueOffset);
          for (let index = 0; index < this.operationNames.length; index += 1) {
            if (equalsAscii(bytes, opStart, opEnd, this.operationNames[index]!)) {
              fields.operationIndex = index;
              break;
            }
          }
        }
      }
      offset = skipValues(bytes, valueOffset, end, 1);
      if (offset < 0) return false;
    }
    return true;
  }
}

/** Where a string's bytes start, or -1 when the value at `offset` is not a string. */
function stringStart(bytes: Buffer, offset: number, end: number): number {
  const type = bytes[offset]!;
  if (type >= 0xa0 && type <= 0xbf) return offset + 1;
  if (type === 0xd9) return offset + 2 <= end ? offset + 2 : -1;
  if (type === 0xda) return offset + 3 <= end ? offset + 3 : -1;
  if (type === 0xdb) return offset + 5 <= end ? offset + 5 : -1;
  return -1;
}

/** Length of the string at `offset` (which stringStart accepted). */
function stringLength(bytes: Buffer, offset: number): number {
  const type = bytes[offset]!;
  if (type >= 0xa0 && type <= 0xbf) return type & 0x1f;
  if (type === 0xd9) return bytes[offset + 1]!;
  if (type === 0xda) return bytes.readUInt16BE(offset + 1);
  return bytes.readUInt32BE(offset + 1);
}

function equalsAscii(bytes: Buffer, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let index = 0; index < expected.length; index += 1) {
    if (bytes[start + index] !== expected[index]) return false;
  }
  return true;
}

/** A non-negative integer in any msgpack integer encoding (floats with integral values too); -1 otherwise. */
function readNonNegativeInteger(bytes: Buffer, offset: number, end: number): number {
  const type = bytes[offset]!;
  if (type <= 0x7f) return type;
  const need = (size: number): boolean => offset + 1 + size <= end;
  switch (type) {
    case 0xcc:
      return need(1) ? bytes[offset + 1]! : -1;
    case 0xcd:
      return need(2) ? bytes.readUInt16BE(offset + 1) : -1;
    case 0xce:
      return need(4) ? bytes.readUInt32BE(offset + 1) : -1;
    case 0xcf: {
      if (!need(8)) return -1;
      const value = bytes.readUInt32BE(offset + 1) * 2 ** 32 + bytes.readUInt32BE(offset + 5);
      return Number.isSafeInteger(value) ? value : -1;
    }
    case 0xd0:
      return need(1) ? Math.max(-1, bytes.readInt8(offset + 1)) : -1;
    case 0xd1:
      return need(2) ? Math.max(-1, bytes.readInt16BE(offset + 1)) : -1;
    case 0xd2:
      return need(4) ? Math.max(-1, bytes.readInt32BE(offset + 1)) : -1;
    case 0xd3: {
      if (!need(8)) return -1;
      const value = bytes.readInt32BE(offset + 1) * 2 ** 32 + bytes.readUInt32BE(offset + 5);
      return Number.isSafeInteger(value) && value >= 0 ? value : -1;
    }
    case 0xcb: {
      if (!need(8)) return -1;
      const value = bytes.readDoubleBE(offset + 1);
      return Number.isSafeInteger(value) && value >= 0 ? value : -1;
    }
    default:
      return -1;
  }
}

/**
 * Skips `count` msgpack values from `offset`; returns the offset after them, or -1 when the bytes end
 * first. Iterative (a counter of values still to skip) so that deep nesting cannot overflow the stack.
 */
export function skipValues(bytes: Buffer, offset: number, end: number, count: number): number {
  let remaining = count;
  let position = offset;
  while (remaining > 0) {
    if (position >= end) return -1;
    remaining -= 1;
    const type = bytes[position]!;
    if (type <= 0x7f || type >= 0xe0 || type === 0xc0 || type === 0xc2 || type === 0xc3) {
      position += 1;
    } else if (type <= 0x8f) {
      remaining += 2 * (type & 0x0f);
      position += 1;
    } else if (type <= 0x9f) {
      remaining += type & 0x0f;
      position += 1;
    } else if (type <= 0xbf) {
      position += 1 + (type & 0x1f);
    } else {
      const next = messagePackHeaderEnd(bytes, position, end);
      if (next < 0) return -1;
      position = next;
      remaining += headerChildren;
    }
  }
  return position <= end ? position : -1;
}
