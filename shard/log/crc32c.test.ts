import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32c } from "./crc32c.js";

/** The definition, one bit at a time: what the slicing-by-8 tables must agree with. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("crc32c", () => {
  it("gives the standard check value: CRC-32C of \"123456789\" is 0xE3069283", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
  });

  it("matches the known vectors of RFC 3720 (iSCSI) and others", () => {
    const ascending = Uint8Array.from({ length: 32 }, (_, index) => index);
    const descending = Uint8Array.from({ length: 32 }, (_, index) => 31 - index);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(ascii("a"))).toBe(0xc1d04330);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    expect(crc32c(descending)).toBe(0x113fdb5c);
    expect(crc32c(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x22620404);
  });

  it("computed over two slices, the second continuing the first, equals the one-shot value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
        const at = bytes.length === 0 ? 0 : cut % (bytes.length + 1);
        expect(crc32c(bytes.subarray(at), crc32c(bytes.subarray(0, at)))).toBe(crc32c(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with the bit-at-a-time definition on any bytes, at any alignment", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 7 }), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        expect(crc32c(view)).toBe(crc32cBitwise(view));
      }),
      { numRuns: 500 },
    );
  });

  it("returns an unsigned 32-bit integer", () => {
    const value = crc32c(new Uint8Array(64).fill(0xa5));
    expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
  });
});
