import { decodeFrame, encodeFrame } from "./frame-codec.js";

/**
 * A terminal answer already encoded as one MessagePack map, the way
 * frame-codec.ts encodes everything (integers as integers). The shard thread
 * that computed the answer encodes it once; the gateway splices the bytes into
 * the frame it sends (gateway/transport/answer-frame.ts) instead of receiving a
 * structured clone of the object and encoding it again. `Answer` is the type
 * the bytes decode to: the brand is for the compiler only.
 */
export type PackedAnswer<Answer extends object> = Uint8Array & { readonly packedAnswerOf?: Answer };

export function packAnswer<Answer extends object>(answer: Answer): PackedAnswer<Answer> {
  return encodeFrame(answer) as PackedAnswer<Answer>;
}

export function unpackAnswer<Answer extends object>(packed: PackedAnswer<Answer>): Answer {
  return decodeFrame(packed) as Answer;
}

/** Whether an operation's value is packed bytes rather than an object (every other answer is an object). */
export function isPackedAnswer(value: object): value is PackedAnswer<object> {
  return value instanceof Uint8Array;
}

const FIXMAP = 0x80;
const FIXMAP_COUNT_MAX = 15;
const MAP16 = 0xde;
const MAP32 = 0xdf;

/** The entry count of the map a packed answer is, and where its first key starts. */
export function packedMapHeader(packed: Uint8Array): { readonly count: number; readonly entriesStart: number } {
  const type = packed[0];
  if (type !== undefined && type >= FIXMAP && type <= FIXMAP + FIXMAP_COUNT_MAX) return { count: type - FIXMAP, entriesStart: 1 };
  if (type === MAP16 && packed.length >= 3) return { count: (packed[1]! << 8) | packed[2]!, entriesStart: 3 };
  if (type === MAP32 && packed.length >= 5) return { count: ((packed[1]! << 24) | (packed[2]! << 16) | (packed[3]! << 8) | packed[4]!) >>> 0, entriesStart: 5 };
  throw new Error(`a packed answer is a MessagePack map; it starts with ${String(type)}`);
}

/** Writes a map header for `count` entries at `offset` of `target`; returns the offset after it. */
export function writeMapHeader(target: Uint8Array, offset: number, count: number): number {
  if (count <= FIXMAP_COUNT_MAX) {
    target[offset] = FIXMAP + count;
    return offset + 1;
  }
  if (count <= 0xffff) {
    target[offset] = MAP16;
    target[offset + 1] = count >>> 8;
    target[offset + 2] = count & 0xff;
    return offset + 3;
  }
  target[offset] = MAP32;
  target[offset + 1] = count >>> 24;
  target[offset + 2] = (count >>> 16) & 0xff;
  target[offset + 3] = (count >>> 8) & 0xff;
  target[offset + 4] = count & 0xff;
  return offset + 5;
}

/** The size of the map header writeMapHeader writes for `count` entries. */
export function mapHeaderBytes(count: number): number {
  return count <= FIXMAP_COUNT_MAX ? 1 : count <= 0xffff ? 3 : 5;
}
