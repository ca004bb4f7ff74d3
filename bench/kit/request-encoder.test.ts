import { unpack } from "msgpackr";
import { decodeFrame } from "../../protocol/frame-codec.js";
import { describe, expect, it } from "vitest";
import { demoNumberedMembers } from "./member-source.js";
import { makeBasketPool } from "./receipt-mix.js";
import { RequestEncoder } from "./request-encoder.js";

describe("request encoder", () => {
  const baskets = makeBasketPool({ phoneShare: 0, redeemShare: 0, refundShare: 0, linesMinimum: 1, linesMaximum: 3, flow: "full", });
  const members = { kind: "list", cards: ["2000000000001", "2000000000002"], phones: ["+79000000001", null] } as const;
  const encoder = new RequestEncoder(members, baskets, "abcd1234", 3);
  // Decoded as the gateway decodes frames.
  const decode = (length: number): unknown => decodeFrame(Buffer.from(encoder.scratch.subarray(0, length)));
  const receipt = { memberIndex: 0, byPhone: false, basketIndex: 5, receiptNumber: 42, at: 1_763_800_000_123 };

  it("builds the requests a lane sends, as plain msgpack maps loycore accepts", () => {
    const lines = unpack(baskets[5]!.linesBytes) as unknown[];
    expect(decode(encoder.identify(7, { ...receipt, byPhone: true }))).toEqual({ id: 7, op: "identify", phone: "+79000000001" });
    expect(decode(encoder.calculate(4_000_000_000, receipt))).toEqual({
      id: 4_000_000_000,
      op: "calculate",
      card: "2000000000001",
      receipt: { id: "abcd1234-3-0000000042", at: 1_763_800_000_123, lines },
    });
    expect(decode(encoder.commit(8, receipt, 120))).toMatchObject({ id: 8, op: "commit", redeem: 120, receipt: { id: "abcd1234-3-0000000042" } });
    expect(decode(encoder.commit(8, receipt, 0))).not.toHaveProperty("redeem");
    expect(decode(encoder.refund(9, receipt))).toEqual({
      id: 9,
      op: "refund",
      card: "2000000000001",
      refund: { id: "abcd1234-3-0000000042-r", receipt: "abcd1234-3-0000000042", lines: [{ line: 0, qty: 1 }] },
    });
    expect(encoder.hasPhone(1)).toBe(false);
  });

  it("writes a demo-numbered member's card or phone from its index alone", () => {
    const demoEncoder = new RequestEncoder(demoNumberedMembers(10_000_000), baskets, "abcd1234", 3);
    const decodeDemo = (length: number): unknown => decodeFrame(Buffer.from(demoEncoder.scratch.subarray(0, length)));
    expect(decodeDemo(demoEncoder.identify(7, { ...receipt, memberIndex: 9_999_999, byPhone: true }))).toEqual({ id: 7, op: "identify", phone: "+790010000000" });
    expect(decodeDemo(demoEncoder.commit(8, { ...receipt, memberIndex: 41 }, 0))).toMatchObject({ op: "commit", card: "2000000000042", receipt: { id: "abcd1234-3-0000000042" } });
    expect(demoEncoder.memberCount).toBe(10_000_000);
  });
});
