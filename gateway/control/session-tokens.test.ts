import { describe, expect, it } from "vitest";
import { generateSessionKey, isSessionToken, signSessionToken, verifySessionToken } from "./session-tokens.js";

describe("operator session tokens", () => {
  const key = generateSessionKey();

  it("name their operator until they expire", () => {
    const token = signSessionToken(key, "ann", 2_000);
    expect(isSessionToken(token)).toBe(true);
    expect(verifySessionToken(key, token, 1_999)).toBe("ann");
    expect(verifySessionToken(key, token, 2_000)).toBeUndefined();
  });

  it("are refused under another key, or with the payload changed", () => {
    const token = signSessionToken(key, "ann", 2_000);
    expect(verifySessionToken(generateSessionKey(), token, 0)).toBeUndefined();
    const [payload, signature] = token.slice(3).split(".");
    const forged = Buffer.from(JSON.stringify({ n: "root", e: 9e15 })).toString("base64url");
    expect(payload).toBeDefined();
    expect(verifySessionToken(key, `lo_${forged}.${signature ?? ""}`, 0)).toBeUndefined();
  });

  it("refuse what is not one of them", () => {
    for (const token of ["", "la_admin", "lo_", "lo_a.b.c", `lo_${"x".repeat(500)}.y`]) expect(verifySessionToken(key, token, 0)).toBeUndefined();
  });
});
