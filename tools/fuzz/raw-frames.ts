// Raw WebSocket frames and the answers they may get; runs in the fuzzer's own process, not in the gateway.
import fc from "fast-check";
import { CLIENT_IDENTIFIER_LENGTH_MAX } from "../../domain/limits.js";
import { REQUEST_BYTES_MAX } from "../../gateway/transport/limits.js";
import {
  ANY_ANSWER,
  LONG_STRING_LENGTH_MAX,
  NESTING_DEPTH_MAX,
  isOperation,
  isPlainObject,
  refusalOfOtherThanAnOperation,
  refusedWith,
} from "./vocabulary.js";
import type { Expectation } from "./vocabulary.js";
import { blob, clientPackr, filledBytes, gatewayLikeUnpackr, longString, msgpack, nestedBytes } from "./msgpack.js";

/** One WebSocket frame: bytes sent as a binary frame, or a string sent as a text frame. */
interface RawFrame {
  readonly kind: string;
  readonly frame: Buffer | string;
}

/** Requests for a card nobody has: truncating or corrupting them can never change anyone's state. */
const sampleRequest: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.oneof(fc.nat(), fc.string({ minLength: 1, maxLength: 64 })),
    fc.constantFrom<Record<string, unknown>>(
      { op: "ping" },
      { op: "identify", card: "FZ99999999999" },
      { op: "balance", card: "FZ99999999999", detail: true },
      { op: "calculate", card: "FZ99999999999", redeem: 0, receipt: { id: "fz-r", at: 1_763_800_000_000, lines: [{ sku: "fz-s", qty: 1, price: 100, amount: 100 }] } },
      { op: "commit", card: "FZ99999999999", receipt: { id: "fz-r", at: 1_763_800_000_000, lines: [{ sku: "fz-s", qty: 1.5, price: 100, amount: 150 }] } },
      { op: "cancel", card: "FZ99999999999", receipt: "fz-r" },
      { op: "refund", card: "FZ99999999999", refund: { id: "fz-f", receipt: "fz-r", lines: [{ line: 0, qty: 1 }] } },
      { op: "reportVisit", card: "FZ99999999999", visit: { id: "fz-v", status: "came", at: 1_763_800_000_000 } },
    ),
  )
  .map(([id, request]) => ({ id, ...request }));

/** Single msgpack values of the kinds that break decoders: huge ints, odd floats, long or invalid strings, blobs, nesting, extensions. */
const oddValueBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...[[0xc0], [0xc2], [0xc3], [0xc1], [0x00], [0x7f], [0xe0], [0xff], [0x80], [0x90], [0xa0]].map((bytes) => Buffer.from(bytes))),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => msgpack.uint64(value)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => msgpack.int64(value)),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => msgpack.uint32(value)),
  fc
    .tuple(fc.oneof(fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, 1.5, 2 ** 53, 1e308), fc.double()), fc.boolean())
    .map(([value, wide]) => (wide ? msgpack.float64(value) : msgpack.float32(value))),
  fc.string({ unit: "binary", maxLength: 80 }).map((text) => msgpack.str(text)),
  longString(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), 100, LONG_STRING_LENGTH_MAX / 2).map((text) => msgpack.str(text)),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => msgpack.strBytes(bytes)),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([bytes, declared]) => msgpack.strBytes(bytes, declared)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => msgpack.bin(bytes)),
  blob(1_000, LONG_STRING_LENGTH_MAX).map((bytes) => msgpack.bin(bytes)),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([bytes, declared]) => msgpack.bin(bytes, declared)),
  fc
    .tuple(fc.integer({ min: 1, max: NESTING_DEPTH_MAX }), fc.constantFrom<"array" | "map">("array", "map"))
    .map(([depth, kind]) => nestedBytes(depth, kind, Buffer.from([0x01]))),
  fc.tuple(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: 20 })).map(([type, data]) => msgpack.ext(type, data)),
  fc.tuple(fc.constantFrom(4, 8, 12, 3, 0), fc.integer()).map(([length, seed]) => msgpack.ext(-1, filledBytes(length, seed))),
);

const keyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.constantFrom("id", "op", "card", "phone", "receipt", "__proto__", "constructor", "").map((key) => msgpack.str(key)), weight: 3 },
  { arbitrary: fc.string({ maxLength: 12 }).map((key) => msgpack.str(key)), weight: 2 },
  { arbitrary: oddValueBytes, weight: 1 },
);

export function rawFrameArbitrary(): fc.Arbitrary<RawFrame> {
  const frame = (kind: string) => (bytes: Buffer | string): RawFrame => ({ kind, frame: bytes });
  const id = msgpack.str("id");
  const op = msgpack.str("op");
  const readOnlyOp = fc.constantFrom("ping", "identify", "balance").map((name) => msgpack.str(name));
  const validId = fc.oneof(fc.nat().map((value) => clientPackr.pack(value)), fc.string({ minLength: 1, maxLength: 64 }).map((text) => msgpack.str(text)));
  // Cheap kinds weigh 4; the deep and oversized frames (tens of KiB each) and the single empty frame 1.
  const often = (arbitrary: fc.Arbitrary<RawFrame>): fc.WeightedArbitrary<RawFrame> => ({ arbitrary, weight: 4 });
  return fc.oneof(
    often(fc.uint8Array({ maxLength: 300 }).map((bytes) => frame("random bytes")(Buffer.from(bytes)))),
    often(
      fc.tuple(sampleRequest, fc.nat()).map(([request, cut]) => {
        const bytes = clientPackr.pack(request);
        return frame("truncated request")(bytes.subarray(0, cut % bytes.length));
      }),
    ),
    often(
      fc
        .tuple(sampleRequest, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
        .map(([request, flips]) => {
          const bytes = Buffer.from(clientPackr.pack(request));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          return frame("corrupted request")(bytes);
        }),
    ),
    often(
      fc
        .tuple(sampleRequest, fc.oneof(sampleRequest.map((request) => clientPackr.pack(request)), fc.uint8Array({ minLength: 1, maxLength: 8 })))
        .map(([request, tail]) => frame("request with trailing bytes")(Buffer.concat([clientPackr.pack(request), tail]))),
    ),
    often(
      fc
        .anything({ maxDepth: 3, withNullPrototype: true, withDate: true, withMap: true, withSparseArray: true, withBoxedValues: false })
        .map((value) => {
          try {
            return frame("msgpack of any value")(clientPackr.pack(value));
          } catch {
            return frame("msgpack of any value")(clientPackr.pack(null));
          }
        }),
    ),
    often(oddValueBytes.map(frame("odd value as the frame"))),
    often(oddValueBytes.map((value) => frame("odd id")(msgpack.map([[id, value], [op, msgpack.str("ping")]])))),
    often(
      fc
        .tuple(validId, readOnlyOp, oddValueBytes)
        .map(([requestId, name, value]) => frame("odd card")(msgpack.map([[id, requestId], [op, name], [msgpack.str("card"), value]]))),
    ),
    often(
      fc
        .tuple(validId, fc.array(fc.tuple(keyBytes, oddValueBytes), { maxLength: 6 }), fc.oneof(readOnlyOp, oddValueBytes))
        .map(([requestId, entries, name]) => frame("map of odd keys and values")(msgpack.map([[id, requestId], [op, name], ...entries]))),
    ),
    often(fc.tuple(validId, validId).map(([first, second]) => frame("duplicate id")(msgpack.map([[id, first], [op, msgpack.str("ping")], [id, second]])))),
    often(
      fc
        .oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), sampleRequest.map((request) => JSON.stringify(request)))
        .map(frame("text frame")),
    ),
    // Far past any decoder's recursion: refused, never a crash.
    { arbitrary: fc.integer({ min: 20_000, max: REQUEST_BYTES_MAX - 1 }).map((depth) => frame("very deep nesting")(nestedBytes(depth, "array", Buffer.from([0x01])))), weight: 1 },
    { arbitrary: blob(REQUEST_BYTES_MAX + 1, REQUEST_BYTES_MAX * 3).map(frame("oversized frame")), weight: 1 },
    { arbitrary: fc.constant(frame("empty frame")(Buffer.alloc(0))), weight: 1 },
  );
}

export type RequestId = number | string | null;

/** The id the gateway can read from a frame (docs/protocol.md), or null; and the answers the frame may get. */
export function expectedRawAnswer(frame: Buffer | string): { id: RequestId; expectation: Expectation } {
  const unreadable = { id: null, expectation: refusedWith("BAD_REQUEST") };
  if (typeof frame === "string") return unreadable;
  if (frame.length > REQUEST_BYTES_MAX) return { id: null, expectation: refusedWith("TOO_LARGE") };
  let decoded: unknown;
  try {
    decoded = gatewayLikeUnpackr.unpack(frame);
  } catch {
    return unreadable;
  }
  if (!isPlainObject(decoded)) return unreadable;
  const id = decoded["id"];
  const readable =
    (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) || (typeof id === "string" && id.length >= 1 && id.length <= CLIENT_IDENTIFIER_LENGTH_MAX);
  if (!readable) return unreadable;
  return { id, expectation: isOperation(decoded["op"]) ? ANY_ANSWER : refusalOfOtherThanAnOperation(decoded["op"]) };
}
