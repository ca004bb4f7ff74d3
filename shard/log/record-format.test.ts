import { describe, expect, it } from "vitest";
import { decodeRecord, decodeSegmentHeader, encodeRecord, encodeSegmentHeader, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from "./record-format.js";

function encoded(sequence: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(RECORD_HEADER_BYTES + payload.length + 64);
  encodeRecord(bytes, 0, sequence, payload);
  return bytes;
}

describe("commit log record format", () => {
  it("reads back a segment header, a sequence past 2^32 included; all zeros is an unused spare", () => {
    expect(decodeSegmentHeader(encodeSegmentHeader(2 ** 40 + 7, 8 * 1_024 * 1_024))).toEqual({ kind: "valid", firstSequence: 2 ** 40 + 7, writeBytesMax: 8 * 1_024 * 1_024 });
    expect(decodeSegmentHeader(new Uint8Array(SEGMENT_HEADER_BYTES))).toEqual({ kind: "unused" });
    const damaged = encodeSegmentHeader(5, 1_024);
    damaged[9] = (damaged[9] ?? 0) ^ 1;
    expect(decodeSegmentHeader(damaged)).toMatchObject({ kind: "invalid", reason: expect.stringMatching(/checksum/) });
  });

  it("reads back a record, and ends at a zero record header", () => {
    const payload = Uint8Array.from([1, 2, 3, 0, 5]);
    const bytes = encoded(2 ** 33 + 1, payload);
    const found = decodeRecord(bytes, 0, 2 ** 33 + 1);
    expect(found).toEqual({ kind: "record", payloadOffset: RECORD_HEADER_BYTES, payloadBytes: 5, nextOffset: RECORD_HEADER_BYTES + 5 });
    expect(decodeRecord(bytes, RECORD_HEADER_BYTES + 5, 2 ** 33 + 2)).toEqual({ kind: "end" });
  });

  it("refuses a valid record found where another sequence belongs: stale bytes never pass for a record elsewhere", () => {
    expect(decodeRecord(encoded(41, Uint8Array.of(9)), 0, 42)).toMatchObject({ kind: "bad", reason: expect.stringMatching(/sequence 41 where 42/) });
  });

  it("refuses a record whose bytes changed anywhere, its length included", () => {
    const pristine = encoded(3, Uint8Array.from({ length: 40 }, (_, index) => index));
    for (let index = 0; index < RECORD_HEADER_BYTES + 40; index += 1) {
      const bytes = Uint8Array.from(pristine);
      bytes[index] = (bytes[index] ?? 0) ^ 0x10;
      expect(decodeRecord(bytes, 0, 3).kind).toBe("bad");
    }
  });
});
