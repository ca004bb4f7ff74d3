import {
  PLAIN_CARD_DETAILS,
  type CardDetails,
  type CardRecord,
  type DirectoryEntry,
  type DirectoryStore,
  type IndexedMember,
  type MemberIndexChange,
  type ReceiptOwner,
  type SearchableMember,
} from "./directory-store.js";
import { compareKeys, emailKey, emailPrefixOf, nameKey, namePrefixOf } from "./search-index-keys.js";

/** Survives a "restart" of MemoryDirectoryStore in tests. */
export class MemoryDirectoryData {
  readonly cards = new Map<string, string>();
  readonly phones = new Map<string, string>();
  readonly receipts = new Map<string, string>();
  readonly receiptIndexFloors = new Map<number, number>();
  readonly cardDetails = new Map<string, CardDetails>();
  /** Member id -> its listed cards. */
  readonly memberCards = new Map<string, Set<string>>();
  /** Search index key -> member id (search-index-keys.ts). */
  readonly names = new Map<string, string>();
  readonly emails = new Map<string, string>();
  searchIndexesComplete = false;
}

/** The in-memory twin of LmdbDirectoryStore. */
export class MemoryDirectoryStore implements DirectoryStore {
  constructor(private readonly data: MemoryDirectoryData = new MemoryDirectoryData()) {}

  findMemberByCard(card: string): string | undefined {
    return this.data.cards.get(card);
  }

  findMemberByPhone(phone: string): string | undefined {
    return this.data.phones.get(phone);
  }

  async writeEntry(entry: DirectoryEntry): Promise<void> {
    entry = { ...entry };
    await Promise.resolve();
    this.data.cards.set(entry.card, entry.memberId);
    if (entry.phone !== null) this.data.phones.set(entry.phone, entry.memberId);
    this.listCard(entry.memberId, entry.card);
    this.putSearchKeys(entry.memberId, entry.name == null ? [] : [entry.name], entry.email == null ? [] : [entry.email]);
  }

  private putSearchKeys(memberId: string, names: readonly string[], emails: readonly string[]): void {
    for (const name of names) {
      const key = nameKey(name, memberId);
      if (key !== null) this.data.names.set(key, memberId);
    }
    for (const email of emails) {
      const key = emailKey(email, memberId);
      if (key !== null) this.data.emails.set(key, memberId);
    }
  }

  async addSearchKeys(members: readonly SearchableMember[]): Promise<void> {
    const copies = members.map((member) => ({ ...member }));
    await Promise.resolve();
    for (const member of copies) this.putSearchKeys(member.memberId, member.name === null ? [] : [member.name], member.email === null ? [] : [member.email]);
  }

  searchIndexesComplete(): boolean {
    return this.data.searchIndexesComplete;
  }

  async markSearchIndexesComplete(): Promise<void> {
    await Promise.resolve();
    this.data.searchIndexesComplete = true;
  }

  findMembersByNamePrefix(prefix: string, after: string | null, limit: number): readonly IndexedMember[] {
    return rangeOf(this.data.names, namePrefixOf(prefix), after, limit);
  }

  findMembersByEmail(email: string, after: string | null, limit: number): readonly IndexedMember[] {
    return rangeOf(this.data.emails, emailPrefixOf(email), after, limit);
  }

  async updateMemberIndexes(change: MemberIndexChange): Promise<void> {
    const copy = structuredClone(change);
    await Promise.resolve();
    const { memberId } = copy;
    for (const phone of copy.releasePhones ?? []) if (this.data.phones.get(phone) === memberId) this.data.phones.delete(phone);
    for (const phone of copy.claimPhones ?? []) this.data.phones.set(phone, memberId);
    for (const name of copy.removeNames ?? []) {
      const key = nameKey(name, memberId);
      if (key !== null) this.data.names.delete(key);
    }
    for (const email of copy.removeEmails ?? []) {
      const key = emailKey(email, memberId);
      if (key !== null) this.data.emails.delete(key);
    }
    this.putSearchKeys(memberId, copy.addNames ?? [], copy.addEmails ?? []);
  }

  findCardDetails(card: string): CardDetails | undefined {
    return this.data.cardDetails.get(card);
  }

  cardsOfMember(memberId: string): readonly CardRecord[] {
    const cards = [...(this.data.memberCards.get(memberId) ?? [])].sort();
    return cards.map((card) => ({ card, memberId, ...(this.data.cardDetails.get(card) ?? PLAIN_CARD_DETAILS) }));
  }

  async writeCards(cards: readonly CardRecord[]): Promise<void> {
    const copies = cards.map((record) => ({ ...record }));
    await Promise.resolve();
    for (const { card, memberId, ...details } of copies) {
      this.data.cards.set(card, memberId);
      this.data.cardDetails.set(card, details);
      this.listCard(memberId, card);
    }
  }

  private listCard(memberId: string, card: string): void {
    const listed = this.data.memberCards.get(memberId) ?? new Set<string>();
    listed.add(card);
    this.data.memberCards.set(memberId, listed);
  }

  findReceiptOwner(store: string, receiptId: string): string | undefined {
    return this.data.receipts.get(JSON.stringify([store, receiptId]));
  }

  async recordReceiptOwners(owners: readonly ReceiptOwner[], floors: ReadonlyMap<number, number>): Promise<void> {
    const copies = owners.map((owner) => ({ ...owner }));
    const floorCopies = [...floors];
    await Promise.resolve();
    for (const owner of copies) this.data.receipts.set(JSON.stringify([owner.store, owner.receiptId]), owner.memberId);
    for (const [shard, through] of floorCopies) this.data.receiptIndexFloors.set(shard, through);
  }

  receiptIndexFloors(): Map<number, number> {
    return new Map(this.data.receiptIndexFloors);
  }

  countCards(): number {
    return this.data.cards.size;
  }

  async close(): Promise<void> {
    await Promise.resolve();
  }
}

/** The twin of LMDB's range read: keys starting with `prefix` after `after` (ignored unless it starts with `prefix`), in UTF-8 byte order, at most `limit`. */
function rangeOf(index: ReadonlyMap<string, string>, prefix: string, after: string | null, limit: number): IndexedMember[] {
  const from = after !== null && after.startsWith(prefix) ? after : null;
  return [...index.entries()]
    .filter(([key]) => key.startsWith(prefix) && (from === null || compareKeys(key, from) > 0))
    .sort(([left], [right]) => compareKeys(left, right))
    .slice(0, limit)
    .map(([key, memberId]) => ({ memberId, key }));
}
