// Thread: any (pure: HMAC is a function of its inputs).
import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * A member's personal survey link carries `<survey>.<member>.<signature>`:
 * the signature an HMAC-SHA-256 of the member id under the survey's link key,
 * itself an HMAC of the survey id under the node's survey secret (kept in the
 * control store). The shard threads that write invitations get only the
 * survey's key, never the secret; the gateway checks a token with the key it
 * derives again. Unguessable: 128 bits of signature; no table of tokens.
 */

/** Characters of the signature kept: 22 of base64url are 132 bits, beyond guessing. */
const SIGNATURE_CHARACTERS = 22;
/** A token longer than this is not one of ours; refused before any work. */
export const SURVEY_TOKEN_LENGTH_MAX = 64 + 1 + 17 + 1 + SIGNATURE_CHARACTERS;
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{1,64})\.(m[0-9a-f]{16})\.([A-Za-z0-9_-]{22})$/;

/** The key a survey's links are signed with, derived from the node's survey secret. */
export function surveyLinkKey(secret: string, surveyId: string): string {
  return createHmac("sha256", secret).update(`survey-link\u0000${surveyId}`).digest("base64url");
}

export function surveyToken(linkKey: string, surveyId: string, memberId: string): string {
  return `${surveyId}.${memberId}.${signature(linkKey, memberId)}`;
}

/** The survey and member a token names, unchecked (null: not a token's shape). */
export function surveyTokenParts(token: string): { readonly surveyId: string; readonly memberId: string; readonly signature: string } | null {
  if (token.length > SURVEY_TOKEN_LENGTH_MAX) return null;
  const match = TOKEN_PATTERN.exec(token);
  if (match === null) return null;
  return { surveyId: match[1] ?? "", memberId: match[2] ?? "", signature: match[3] ?? "" };
}

/** Whether `given` is the member's signature under the survey's link key (constant time). */
export function surveySignatureValid(linkKey: string, memberId: string, given: string): boolean {
  const expected = Buffer.from(signature(linkKey, memberId));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function signature(linkKey: string, memberId: string): string {
  return createHmac("sha256", linkKey).update(memberId).digest("base64url").slice(0, SIGNATURE_CHARACTERS);
}
