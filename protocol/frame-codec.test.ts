import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { floatsInMessagePack } from "./test-support/msgpack-floats.js";
import { decodeFrame, encodeFrame } from "./frame-codec.js";

const TIMESTAMP_MILLISECONDS = 1_763_800_000_000;
/** A decoder that keeps every 64-bit integer a BigInt, as Go, Rust and Java would keep it an int64. */
const strictDecoder = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: "bigint" });

describe("the frame codec", () => {
  it("writes every safe integer, 2^32 and beyond or below -2^31 included, as a MessagePack integer, never a float", () => {
    const integers = [
      0,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 32 - 1,
      2 ** 32,
      -(2 ** 31) - 1,
      TIMESTAMP_MILLISECONDS,
      -TIMESTAMP_MILLISECONDS,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ];
    const bytes = encodeFrame({ integers, nested: { at: TIMESTAMP_MILLISECONDS, lots: [{ expiresAt: 2 ** 40 }] } });
    expect(floatsInMessagePack(bytes)).toEqual([]);
    expect(decodeFrame(bytes)).toEqual({ integers, nested: { at: TIMESTAMP_MILLISECONDS, lots: [{ expiresAt: 2 ** 40 }] } });
    const strict = strictDecoder.unpack(bytes) as { integers: unknown[] };
    expect(strict.integers.slice(5)).toEqual([2n ** 32n, -(2n ** 31n) - 1n, 1_763_800_000_000n, -1_763_800_000_000n, 2n ** 53n - 1n, -(2n ** 53n) + 1n]);
  });

  it("uses uint64 for a large non-negative integer and int64 for a large negative one", () => {
    expect([...encodeFrame(2 ** 32)]).toEqual([0xcf, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect([...encodeFrame(-(2 ** 31) - 1)]).toEqual([0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]);
    expect([...encodeFrame(-(2 ** 53) + 1)]).toEqual([0xd3, 0xff, 0xe0, 0, 0, 0, 0, 0, 1]);
  });

  it("keeps a number that is not an integer, or not a safe one, a float64", () => {
    const bytes = encodeFrame({ qty: 0.5, big: 2 ** 60, tiny: -1.25e-7 });
    expect(floatsInMessagePack(bytes)).toEqual([
      { path: "qty", type: 0xcb, value: 0.5 },
      { path: "big", type: 0xcb, value: 2 ** 60 },
      { path: "tiny", type: 0xcb, value: -1.25e-7 },
    ]);
  });

  it("rewrites only float type bytes, not 0xcb bytes inside strings, binaries or other numbers", () => {
    const withFloatBytes = {
      text: "\u00cb\u00cb\u02cb".repeat(40),
      binary: new Uint8Array(300).fill(0xcb),
      uint16: 0xcbcb,
      uint32: 0xcbcbcbcb,
      int32: -0x34343435,
      at: TIMESTAMP_MILLISECONDS,
      weight: 1.5,
      list: Array.from({ length: 20 }, (_, index) => ({ key: "k".repeat(index * 3), at: TIMESTAMP_MILLISECONDS + index })),
    };
    const bytes = encodeFrame(withFloatBytes);
    expect(floatsInMessagePack(bytes)).toEqual([{ path: "weight", type: 0xcb, value: 1.5 }]);
    // A bin decodes to a Node Buffer: compared as bytes, apart from the rest.
    const decoded = decodeFrame(bytes) as Record<string, unknown>;
    expect(new Uint8Array(decoded["binary"] as Uint8Array)).toEqual(withFloatBytes.binary);
    expect({ ...decoded, binary: null }).toEqual({ ...withFloatBytes, binary: null });
  });

  it("decodes any answer-like value to itself, with a float only where the number is not a safe integer", () => {
    const number = fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (value === 0 ? 0 : value)), // -0 travels as 0
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: "small" }, number, fc.string(), fc.boolean(), fc.constant(null), tie("array"), tie("map")),
      array: fc.array(tie("value"), { maxLength: 20 }),
      map: fc.dictionary(fc.string({ maxLength: 8 }).filter((key) => key !== "__proto__"), tie("value"), { maxKeys: 20 }),
    }));
    fc.assert(
      fc.property(value, (answer) => {
        const bytes = encodeFrame(answer);
        expect(decodeFrame(bytes)).toEqual(answer);
        for (const found of floatsInMessagePack(bytes)) expect(Number.isSafeInteger(found.value), found.path).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
