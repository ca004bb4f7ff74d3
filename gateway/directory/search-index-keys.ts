// Thread: the gateway (main) thread, or the bulk importer while the server is stopped.
import { searchableEmail, searchableName } from "../../domain/account/member-search-keys.js";

/**
 * Keys of the directory's name and e-mail indexes: "<folded text>\0<member
 * id>". NUL sorts below every character, so a member's key sorts right after
 * the text it starts with, members of one text follow each other in member id
 * order, and every key of a prefix is one range. Both stores (LMDB, memory)
 * order keys as UTF-8 bytes.
 */
const SEPARATOR = "\u0000";

/** The name's key, or null for a name that folds to nothing (not indexed). */
export function nameKey(name: string, memberId: string): string | null {
  const folded = searchableName(name);
  return folded.length === 0 ? null : `${folded}${SEPARATOR}${memberId}`;
}

export function emailKey(email: string, memberId: string): string | null {
  const folded = searchableEmail(email);
  return folded.length === 0 ? null : `${folded}${SEPARATOR}${memberId}`;
}

/** What every key of a name starting with `prefix` starts with. */
export function namePrefixOf(prefix: string): string {
  return searchableName(prefix);
}

/** What every key of this e-mail starts with: the whole folded address and the separator. */
export function emailPrefixOf(email: string): string {
  return `${searchableEmail(email)}${SEPARATOR}`;
}

export function memberOfKey(key: string): string {
  return key.slice(key.lastIndexOf(SEPARATOR) + 1);
}

/** Keys in the order LMDB keeps them: their UTF-8 bytes. */
export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, "utf8"), Buffer.from(right, "utf8"));
}
