import { serialize } from "node:v8";
import { pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { demoCard, demoPhone } from "../../gateway/demo.js";
import { DEMO_NUMBERED_MEMBERS_MAX, demoNumberedMembers, memberCount, MemberWriter } from "./member-source.js";
import type { MemberSource } from "./member-source.js";

/** What a worker's "prepare" message carries for 10M demo-numbered members must stay this small: a count, not lists. */
const DEMO_SOURCE_SERIALIZED_BYTES_MAX = 64;

describe("member source", () => {
  /** What a write put into a buffer, written at an offset other than 0 so that offsets are honoured. */
  const written = (write: (target: Buffer, offset: number) => number): { bytes: Buffer } => {
    const target = Buffer.alloc(64, 0xff);
    return { bytes: target.subarray(3, write(target, 3)) };
  };

  it("writes demo-numbered cards and phones byte for byte as msgpack encodes demoCard and demoPhone", () => {
    const writer = new MemberWriter(demoNumberedMembers(DEMO_NUMBERED_MEMBERS_MAX));
    for (const number of [1, 9, 10, 12_345, 9_999_999, 10_000_000]) {
      const card = written((target, offset) => writer.writeCard(number - 1, target, offset));
      expect(card.bytes.toString("hex")).toBe(Buffer.from(pack(demoCard(number))).toString("hex"));
      expect(unpack(card.bytes)).toBe(demoCard(number));
      const phone = written((target, offset) => writer.writePhone(number - 1, target, offset));
      expect(unpack(phone.bytes)).toBe(demoPhone(number));
      expect(phone.bytes.toString("hex")).toBe(Buffer.from(pack(demoPhone(number))).toString("hex"));
    }
    expect(writer.hasPhone(DEMO_NUMBERED_MEMBERS_MAX - 1)).toBe(true);
    expect(writer.count).toBe(DEMO_NUMBERED_MEMBERS_MAX);
  });

  it("sends 10M demo-numbered members to a load worker as a few bytes, not as lists of cards and phones", () => {
    const source = demoNumberedMembers(10_000_000);
    expect(serialize(source).length).toBeLessThanOrEqual(DEMO_SOURCE_SERIALIZED_BYTES_MAX);
    expect(memberCount(source)).toBe(10_000_000);
  });

  it("draws every member index of a demo-numbered source without building it", () => {
    const writer = new MemberWriter(demoNumberedMembers(3));
    const cards = [0, 1, 2].map((index) => unpack(written((target, offset) => writer.writeCard(index, target, offset)).bytes) as string);
    expect(cards).toEqual([demoCard(1), demoCard(2), demoCard(3)]);
  });

  it("refuses a demo-numbered count beyond the 10M dataset or below one member", () => {
    expect(() => demoNumberedMembers(DEMO_NUMBERED_MEMBERS_MAX + 1)).toThrow("count must be an integer from 1 to 10000000");
    expect(() => demoNumberedMembers(0)).toThrow("count must be an integer");
  });

  it("writes explicit members of a cards file, with or without a phone", () => {
    const source: MemberSource = { kind: "list", cards: ["4111000000000042", "77"], phones: ["+15550001111", null] };
    const writer = new MemberWriter(source);
    expect(unpack(written((target, offset) => writer.writeCard(0, target, offset)).bytes)).toBe("4111000000000042");
    expect(unpack(written((target, offset) => writer.writePhone(0, target, offset)).bytes)).toBe("+15550001111");
    expect(unpack(written((target, offset) => writer.writeCard(1, target, offset)).bytes)).toBe("77");
    expect(writer.hasPhone(1)).toBe(false);
    expect(() => writer.writePhone(1, Buffer.alloc(64), 0)).toThrow("member 1 has no phone");
    expect(writer.count).toBe(2);
  });
});
