import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Operator session tokens: `lo_<payload>.<signature>`, the payload the base64url JSON of the
 * operator's name and the token's expiry, the signature an HMAC-SHA-256 of the payload under the
 * node's session key (kept in the control store). The server keeps no session table: it checks the
 * signature and the expiry, then reads the operator's current record (a disabled operator's tokens
 * stop working at once; a changed role applies at the next request).
 */

/** A working day and then some: a console left open overnight asks for the password again. */
export const SESSION_LIFETIME_MILLISECONDS = 12 * 60 * 60 * 1000;
/** 32 random bytes: the HMAC key is as hard to guess as a 256-bit key. */
const SESSION_KEY_BYTES = 32;
const TOKEN_PREFIX = "lo_";
/** A token longer than this is not one of ours; refused before any decoding. */
const SESSION_TOKEN_LENGTH_MAX = 400;

export function generateSessionKey(): string {
  return randomBytes(SESSION_KEY_BYTES).toString("base64url");
}

export function signSessionToken(key: string, name: string, expiresAt: number): string {
  const payload = Buffer.from(JSON.stringify({ n: name, e: expiresAt })).toString("base64url");
  return `${TOKEN_PREFIX}${payload}.${signature(key, payload)}`;
}

export function isSessionToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX);
}

/** The operator's name if the token is signed with `key` and not expired at `now`; else undefined. */
export function verifySessionToken(key: string, token: string, now: number): string | undefined {
  if (!isSessionToken(token) || token.length > SESSION_TOKEN_LENGTH_MAX) return undefined;
  const [payload, given, extra] = token.slice(TOKEN_PREFIX.length).split(".");
  if (payload === undefined || given === undefined || extra !== undefined) return undefined;
  const expected = Buffer.from(signature(key, payload));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof claims !== "object" || claims === null) return undefined;
  const { n, e } = claims as { n?: unknown; e?: unknown };
  if (typeof n !== "string" || typeof e !== "number" || e <= now) return undefined;
  return n;
}

function signature(key: string, payload: string): string {
  return createHmac("sha256", key).update(payload).digest("base64url");
}
