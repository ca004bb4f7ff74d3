// MessagePack: the client's packers and a hand encoder for odd bytes; runs in the fuzzer's own process, not in the gateway.
import { decodeFrame } from "../../protocol/frame-codec.js";
import fc from "fast-check";
import { Packr } from "msgpackr";

/**
 * Decodes with the gateway's own frame codec to predict whether the gateway can read a frame's id.
 * Only used for that prediction; the answers are checked against the documented contract.
 */
export const gatewayLikeUnpackr = { unpack: (bytes: Uint8Array): unknown => decodeFrame(bytes) };
/** What a client packs with (as in the integration tests): standard MessagePack, no records. */
export const clientPackr = new Packr({ useRecords: false });
/**
 * Reads the gateway's answers as docs/protocol.md tells a JavaScript client to: times and other
 * integers of 2^32 and more come as uint64/int64, which msgpackr would otherwise make BigInts.
 * ("auto" is in msgpackr's documentation but not in its type declaration, hence the cast.)
 */
export const answerUnpackr = new Packr({ useRecords: false, int64AsType: "auto" as "number" });

function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A hand encoder for the bytes msgpackr would never write: lying lengths, 64-bit small ints, odd floats. */
export const msgpack = {
  strBytes(content: Uint8Array, declared: number = content.length): Buffer {
    const header =
      declared < 32 ? [0xa0 | declared] : declared < 0x100 ? [0xd9, declared] : declared < 0x10000 ? [0xda, ...u16(declared)] : [0xdb, ...u32(declared)];
    return Buffer.concat([Buffer.from(header), content]);
  },
  str(text: string): Buffer {
    return msgpack.strBytes(Buffer.from(text, "utf8"));
  },
  bin(content: Uint8Array, declared: number = content.length): Buffer {
    const header = declared < 0x100 ? [0xc4, declared] : declared < 0x10000 ? [0xc5, ...u16(declared)] : [0xc6, ...u32(declared)];
    return Buffer.concat([Buffer.from(header), content]);
  },
  map(entries: readonly (readonly [Uint8Array, Uint8Array])[]): Buffer {
    const size = entries.length;
    const header = size < 16 ? [0x80 | size] : size < 0x10000 ? [0xde, ...u16(size)] : [0xdf, ...u32(size)];
    return Buffer.concat([Buffer.from(header), ...entries.flatMap(([key, value]) => [key, value])]);
  },
  array(items: readonly Uint8Array[]): Buffer {
    const size = items.length;
    const header = size < 16 ? [0x90 | size] : size < 0x10000 ? [0xdc, ...u16(size)] : [0xdd, ...u32(size)];
    return Buffer.concat([Buffer.from(header), ...items]);
  },
  uint64(value: bigint): Buffer {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xcf;
    bytes.writeBigUInt64BE(BigInt.asUintN(64, value), 1);
    return bytes;
  },
  int64(value: bigint): Buffer {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xd3;
    bytes.writeBigInt64BE(BigInt.asIntN(64, value), 1);
    return bytes;
  },
  uint32(value: number): Buffer {
    return Buffer.from([0xce, ...u32(value)]);
  },
  float64(value: number): Buffer {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xcb;
    bytes.writeDoubleBE(value, 1);
    return bytes;
  },
  float32(value: number): Buffer {
    const bytes = Buffer.alloc(5);
    bytes[0] = 0xca;
    bytes.writeFloatBE(value, 1);
    return bytes;
  },
  ext(type: number, data: Uint8Array): Buffer {
    const typeByte = type & 0xff;
    const fixed: Readonly<Record<number, number>> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    const fixedHeader = fixed[data.length];
    const header =
      fixedHeader !== undefined
        ? [fixedHeader, typeByte]
        : data.length < 0x100
          ? [0xc7, data.length, typeByte]
          : data.length < 0x10000
            ? [0xc8, ...u16(data.length), typeByte]
            : [0xc9, ...u32(data.length), typeByte];
    return Buffer.concat([Buffer.from(header), data]);
  },
};

export function isMapHeader(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0x8f) || byte === 0xde || byte === 0xdf;
}

/** Bytes from a seed, cheaply: big blobs without generating them byte by byte. */
export function filledBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed | 0 || 0x9e3779b9;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

export function blob(minLength: number, maxLength: number): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer()).map(([length, seed]) => filledBytes(length, seed));
}

/** A string of `minLength` to `maxLength` UTF-16 units, repeating a short random pattern. */
export function longString(unit: fc.Arbitrary<string>, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.string({ unit, minLength: 1, maxLength: 8 }), fc.integer({ min: minLength, max: maxLength }))
    .map(([pattern, length]) => pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length));
}

export function nestedValue(depth: number, kind: "array" | "map", leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = kind === "array" ? [value] : { "~": value };
  return value;
}

export function nestedBytes(depth: number, kind: "array" | "map", leaf: Uint8Array): Buffer {
  const level = kind === "array" ? Buffer.from([0x91]) : Buffer.from([0x81, 0xa1, 0x7e]);
  return Buffer.concat([...new Array<Buffer>(depth).fill(level), leaf]);
}
