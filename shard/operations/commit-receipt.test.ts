import { hash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Receipt } from "../../domain/receipt/receipt.js";
import { commitFingerprint } from "./commit-receipt.js";

/** The fingerprint as the first build defined it: SHA-256 of JSON.stringify of the canonical arrays. */
function fingerprintByDefinition(memberId: string, receipt: Receipt, redeem: number, paid?: number): string {
  const canonical = JSON.stringify([
    memberId,
    receipt.store,
    receipt.id,
    receipt.atFromServer === true ? null : receipt.at,
    redeem,
    receipt.lines.map((line) => [line.sku, line.qty, line.price, line.amount, line.noDiscount === true, line.noPoints === true]),
    // A receipt paid in part (issue 12) adds the money paid now; a receipt paid in full keeps the first build's text.
    ...(paid === undefined ? [] : [paid]),
  ]);
  return hash("sha256", canonical, "base64url");
}

const text = fc.string({ unit: "binary", maxLength: 12 });
const line = fc.record(
  {
    sku: text,
    qty: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0.001, max: 1_000_000, noNaN: true, noDefaultInfinity: true })),
    price: fc.integer({ min: 0, max: 100_000_000_000 }),
    amount: fc.integer({ min: 0, max: 100_000_000_000 }),
    noDiscount: fc.boolean(),
    noPoints: fc.boolean(),
  },
  { requiredKeys: ["sku", "qty", "price", "amount"] },
);
const receipt = fc
  .record({ id: text, store: text, at: fc.integer({ min: 0, max: 2 ** 42 }), atFromServer: fc.boolean(), lines: fc.array(line, { minLength: 1, maxLength: 5 }) })
  .map(({ atFromServer, ...rest }): Receipt => (atFromServer ? { ...rest, atFromServer: true } : rest));

describe("commitFingerprint", () => {
  it("is byte for byte the SHA-256 of the canonical JSON the stored fingerprints were made from", () => {
    fc.assert(
      fc.property(text, receipt, fc.integer({ min: 0, max: 1_000_000_000_000_000 }), (memberId, value, redeem) => {
        expect(commitFingerprint(memberId, value, redeem)).toBe(fingerprintByDefinition(memberId, value, redeem));
      }),
      { numRuns: 2_000 },
    );
  });

  it("adds the money paid now of a receipt paid in part to the canonical JSON, and only then", () => {
    fc.assert(
      fc.property(text, receipt, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 100_000_000_000 }), (memberId, value, redeem, paid) => {
        expect(commitFingerprint(memberId, value, redeem, paid)).toBe(fingerprintByDefinition(memberId, value, redeem, paid));
      }),
      { numRuns: 500 },
    );
  });

  it("differs between a receipt sent without a time and one sent with the server's time", () => {
    const sent: Receipt = { id: "R-1", store: "s-1", at: 1_763_800_000_000, lines: [{ sku: "milk", qty: 1, price: 100, amount: 100 }] };
    expect(commitFingerprint("m-1", { ...sent, atFromServer: true }, 0)).not.toBe(commitFingerprint("m-1", sent, 0));
  });
});
