import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "../../protocol/frame-codec.js";
import { packAnswer, packedMapHeader } from "../../protocol/packed-answer.js";
import { answerFrame } from "./answer-frame.js";

// Field names as answers have them: never "id" or "ok", and never a name Object.prototype has (a "constructor" key
// would make the comparison below compare prototypes, not the frames).
const answer = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).map((key) => `f${key}`),
  fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 4 })),
  { maxKeys: 40 },
);
const requestId = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.string({ minLength: 1, maxLength: 64 }));

describe("the frame of a packed answer", () => {
  it("decodes to what encodeFrame writes for { id, ok: true, ...answer }, keys in the same order", () => {
    fc.assert(
      fc.property(requestId, answer, (id, value) => {
        const spliced = decodeFrame(answerFrame(id, packAnswer(value))) as Record<string, unknown>;
        const encoded = decodeFrame(encodeFrame({ id, ok: true, ...value })) as Record<string, unknown>;
        expect(spliced).toStrictEqual(encoded);
        expect(Object.keys(spliced)).toStrictEqual(Object.keys(encoded));
      }),
    );
  });

  it("keeps the answer's bytes as they are after the id and ok entries", () => {
    const packed = packAnswer({ points: 2 ** 40, receipt: "r-1" });
    const frame = answerFrame("lane-7", packed);
    const { entriesStart } = packedMapHeader(packed);
    expect(Buffer.from(frame.subarray(frame.length - (packed.length - entriesStart))).equals(Buffer.from(packed.subarray(entriesStart)))).toBe(true);
  });

  it("counts two more entries when the answer's map needs a longer header for them", () => {
    const fourteen = Object.fromEntries(Array.from({ length: 14 }, (_, index) => [`k${index}`, index]));
    const frame = decodeFrame(answerFrame(7, packAnswer(fourteen))) as Record<string, unknown>;
    expect(Object.keys(frame)).toHaveLength(16);
    expect(frame).toMatchObject({ id: 7, ok: true, k13: 13 });
  });
});
