import { assert } from "../assert/assert.js";
import type { Mutation } from "./mutations.js";

/**
 * The payload of one log record: the mutations of one operation, as bytes.
 *
 *   [format: u8 = 1][count: u32 LE]
 *   count x ( [key length: u16 LE][key][value length: u32 LE, 0xFFFFFFFF = delete][value] )
 *
 * Plain length-prefixed bytes rather than MessagePack: the values are already
 * encoded records, so the payload is one allocation and copies, and replay
 * hands out subarrays without decoding anything.
 */
const PAYLOAD_FORMAT = 1;
const DELETED = 0xffff_ffff;
const HEADER_BYTES = 5;
const KEY_LENGTH_BYTES = 2;
const VALUE_LENGTH_BYTES = 4;

export function encodeMutations(mutations: readonly Mutation[]): Buffer {
  let size = HEADER_BYTES;
  for (const { key, value } of mutations) size += KEY_LENGTH_BYTES + key.length + VALUE_LENGTH_BYTES + (value?.length ?? 0);
  const payload = Buffer.allocUnsafe(size);
  payload[0] = PAYLOAD_FORMAT;
  payload.writeUInt32LE(mutations.length, 1);
  let at = HEADER_BYTES;
  for (const { key, value } of mutations) {
    assert(key.length <= 0xffff, "a key fits a u16 length");
    at = payload.writeUInt16LE(key.length, at);
    payload.set(key, at);
    at += key.length;
    if (value === null) {
      at = payload.writeUInt32LE(DELETED, at);
      continue;
    }
    assert(value.length < DELETED, "a value fits a u32 length");
    at = payload.writeUInt32LE(value.length, at);
    payload.set(value, at);
    at += value.length;
  }
  assert(at === size, "the payload is filled exactly");
  return payload;
}

/** The mutations of a payload; keys and values are views into it. */
export function decodeMutations(payload: Uint8Array): Mutation[] {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  assert(bytes.length >= HEADER_BYTES && bytes[0] === PAYLOAD_FORMAT, `a log payload has format ${PAYLOAD_FORMAT}`);
  const count = bytes.readUInt32LE(1);
  const mutations: Mutation[] = [];
  let at = HEADER_BYTES;
  for (let index = 0; index < count; index += 1) {
    const keyLength = bytes.readUInt16LE(at);
    at += KEY_LENGTH_BYTES;
    const key = bytes.subarray(at, at + keyLength);
    at += keyLength;
    const valueLength = bytes.readUInt32LE(at);
    at += VALUE_LENGTH_BYTES;
    if (valueLength === DELETED) {
      mutations.push({ key, value: null });
      continue;
    }
    mutations.push({ key, value: bytes.subarray(at, at + valueLength) });
    at += valueLength;
  }
  assert(at === bytes.length, "a log payload holds exactly its mutations");
  return mutations;
}
