import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./operator-passwords.js";

describe("operator passwords", () => {
  it("are stored as a salted scrypt hash that the password verifies and another does not", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain("correct horse");
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
  });

  it("hash the same password differently each time (a fresh salt)", async () => {
    expect(await hashPassword("same password 12")).not.toBe(await hashPassword("same password 12"));
  });

  it("refuse a malformed or absurd stored hash without computing it", async () => {
    expect(await verifyPassword("x", "sha256$abc")).toBe(false);
    expect(await verifyPassword("x", "scrypt$99999999999$8$1$c2FsdA$aGFzaA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1024$8$1$c2FsdA$c2hvcnQ")).toBe(false);
  });
});
