// Thread: the gateway (main) thread.
import { searchableEmail, searchableName } from "../../domain/account/member-search-keys.js";
import { CARD_NUMBER_LENGTH_MAX, EMAIL_LENGTH_MAX, PHONE_DIGITS_MAX, PHONE_DIGITS_MIN } from "../../domain/limits.js";
import { readInteger, readString } from "../../domain/validation/fields.js";
import type { MemberSearchHit, MemberSearchPage } from "../../protocol/admin-wire.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { DirectoryStore, IndexedMember } from "../directory/directory-store.js";
import { emailPrefixOf, namePrefixOf } from "../directory/search-index-keys.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import type { ShardCluster } from "../shards/shard-cluster.js";

/**
 * Members per search page. Each member found costs a lookup on its shard
 * (the directory holds keys, the account holds the profile shown), so a page
 * is at most 50 messages to shard threads: a screen of results for support,
 * not an export.
 */
export const MEMBER_SEARCH_PAGE_SIZE_MAX = 50;
const MEMBER_SEARCH_PAGE_SIZE_DEFAULT = 20;
/** The longest thing one searches for is an e-mail address (EMAIL_LENGTH_MAX); names are at most 200 characters. */
export const MEMBER_SEARCH_QUERY_LENGTH_MAX = EMAIL_LENGTH_MAX;
/**
 * A cursor is an index key in base64url: a folded query of at most 254
 * characters (up to 4 UTF-8 bytes each, NFKC may lengthen them), a NUL and a
 * member id, times 4/3. 2,048 characters is above any key the indexes hold.
 */
const MEMBER_SEARCH_CURSOR_LENGTH_MAX = 2_048;

const CARD_PATTERN = /^[0-9A-Za-z-]+$/;
const PHONE_PATTERN = new RegExp(`^\\+?[0-9]{${PHONE_DIGITS_MIN},${PHONE_DIGITS_MAX}}$`);
/** Cursor kinds: the e-mail index or the name index. */
type IndexKind = "e" | "n";

/**
 * Admin member search (issue 12): by card or phone (exact, the directory's
 * entries), by e-mail (exact, any case) or by the start of a name (any case,
 * Unicode lower-casing, "ё" as "е"), paged by the index key of the last
 * member. A query with "@" searches e-mails only; any other searches cards
 * and phones (on the first page) and names. Members are shown as their
 * accounts say now: an index key a crash left behind (docs/ARCHITECTURE.md,
 * "Profile edits") is skipped, so a page may hold fewer than `limit` and
 * still have a `next`.
 */
export class MemberSearch {
  constructor(
    private readonly directory: DirectoryStore,
    private readonly cluster: ShardCluster,
  ) {}

  async search(query: string | undefined, after: string | undefined, limit: string | undefined): Promise<OperationOutcome<MemberSearchPage>> {
    const text = readString(query, "q", MEMBER_SEARCH_QUERY_LENGTH_MAX).trim();
    const pageSize = limit === undefined ? MEMBER_SEARCH_PAGE_SIZE_DEFAULT : readPageSize(limit);
    const email = text.includes("@");
    const kind: IndexKind = email ? "e" : "n";
    const prefix = email ? emailPrefixOf(text) : namePrefixOf(text);
    if (prefix.length === 0 || (email && searchableEmail(text).length === 0)) return failure("BAD_REQUEST", "q must hold a card, phone, e-mail or the start of a name");
    const cursor = after === undefined ? null : readCursor(after, kind, prefix);
    if (cursor !== null && typeof cursor !== "string") return cursor;
    const exact = email || cursor !== null ? [] : this.exactMatches(text);
    const room = Math.max(pageSize - exact.length, 0);
    const indexed = room === 0 ? [] : email ? this.directory.findMembersByEmail(text, cursor, room) : this.directory.findMembersByNamePrefix(text, cursor, room);
    const last = indexed[indexed.length - 1];
    // A full read may have more after it; exact matches that filled the page leave the names for the next one.
    const next = room === 0 ? writeCursor(kind, "") : indexed.length === room && last !== undefined ? writeCursor(kind, last.key) : null;
    const matches = (hit: MemberSearchHit): boolean =>
      email ? hit.email !== null && searchableEmail(hit.email) === searchableEmail(text) : hit.name !== null && searchableName(hit.name).startsWith(prefix);
    const members = await this.hits([...exact.map((memberId) => ({ memberId, exact: true })), ...indexed.map(({ memberId }: IndexedMember) => ({ memberId, exact: false }))], matches);
    return { ok: true, value: { members, next } };
  }

  /** The members whose card or phone is the query, exactly. */
  private exactMatches(text: string): string[] {
    const found: string[] = [];
    if (text.length <= CARD_NUMBER_LENGTH_MAX && CARD_PATTERN.test(text)) {
      const member = this.directory.findMemberByCard(text);
      if (member !== undefined) found.push(member);
    }
    if (PHONE_PATTERN.test(text)) {
      const member = this.directory.findMemberByPhone(text.startsWith("+") ? text : `+${text}`);
      if (member !== undefined && !found.includes(member)) found.push(member);
    }
    return found;
  }

  /** Each member as its account says now, in order, once; index hits the account no longer matches are left out. */
  private async hits(found: readonly { memberId: string; exact: boolean }[], matches: (hit: MemberSearchHit) => boolean): Promise<MemberSearchHit[]> {
    const seen = new Set<string>();
    const unique = found.filter(({ memberId }) => !seen.has(memberId) && seen.add(memberId));
    const replies = await Promise.all(unique.map(({ memberId }) => this.cluster.requestForMember({ kind: "lookup", memberId })));
    const hits: MemberSearchHit[] = [];
    for (const [index, reply] of replies.entries()) {
      // No account: an enrolment cut off before its shard write; it is nobody yet.
      if (!reply.ok) continue;
      const { member, card, name, phone, email } = reply.value;
      const hit: MemberSearchHit = { member, card, name, phone, email };
      if (unique[index]?.exact === true || matches(hit)) hits.push(hit);
    }
    return hits;
  }
}

function readPageSize(limit: string): number {
  if (!/^[0-9]+$/.test(limit)) return readInteger(Number.NaN, "limit", 1, MEMBER_SEARCH_PAGE_SIZE_MAX);
  return readInteger(Number(limit), "limit", 1, MEMBER_SEARCH_PAGE_SIZE_MAX);
}

function writeCursor(kind: IndexKind, key: string): string {
  return Buffer.from(`${kind}:${key}`, "utf8").toString("base64url");
}

/** The index key a cursor names, "" for the start; BAD_REQUEST for a cursor of another query or not one of ours. */
function readCursor(after: string, kind: IndexKind, prefix: string): string | ReturnType<typeof failure> {
  const bad = failure("BAD_REQUEST", "after must be the next of a page of this same search");
  if (after.length > MEMBER_SEARCH_CURSOR_LENGTH_MAX || !/^[A-Za-z0-9_-]+$/.test(after)) return bad;
  const text = Buffer.from(after, "base64url").toString("utf8");
  if (writeCursor(text.slice(0, 1) as IndexKind, text.slice(2)) !== after || !text.startsWith(`${kind}:`)) return bad;
  const key = text.slice(2);
  return key === "" || key.startsWith(prefix) ? key : bad;
}
