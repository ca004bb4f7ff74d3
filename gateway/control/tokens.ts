import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 32 random bytes: guessing a token is as hard as guessing a 256-bit key. */
const TOKEN_BYTES = 32;

export function generateToken(prefix: "lt" | "la"): string {
  return `${prefix}_${randomBytes(TOKEN_BYTES).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

export function sameHash(left: string, right: string): boolean {
  const leftBytes = Buffer.from(left);
  const rightBytes = Buffer.from(right);
  return leftBytes.length === rightBytes.length && timingSafeEqual(leftBytes, rightBytes);
}

/** Reads `Bearer <token>` from an Authorization header; anything else is no token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length === 0) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
