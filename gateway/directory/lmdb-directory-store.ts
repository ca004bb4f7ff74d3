// Thread: the gateway (main) thread (the directory's sole writer), or the bulk importer while the server is stopped.
import { open, type Database, type RootDatabase } from "lmdb";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "../../shard/storage/storage-failure.js";
import {
  CARDS_PER_MEMBER_MAX,
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
import { CardReadCache } from "./card-read-cache.js";
import { emailKey, emailPrefixOf, nameKey, namePrefixOf } from "./search-index-keys.js";

export type { ReceiptOwner };

const SEARCH_INDEXES_SETTING = "searchIndexes";

/** First reservation of address space for the directory; LMDB grows it on demand. */
const LMDB_INITIAL_MAP_SIZE_BYTES = 256 * 1024 * 1024;

/**
 * The directory in its own LMDB environment, written only by the gateway
 * thread. A write that fails for lack of space rejects with a
 * StorageFullError (STORAGE_FULL) and wrote nothing.
 */
export class LmdbDirectoryStore implements DirectoryStore {
  private readonly root: RootDatabase;
  private readonly path: string;
  private readonly cards: Database<string, string>;
  private readonly phones: Database<string, string>;
  private readonly receipts: Database<string, string[]>;
  /** Per shard thread: the log sequence the receipt index is durable through. */
  private readonly floors: Database<number, number>;
  /** Card -> its details, for cards with any (issued, typed, blocked, expiring). */
  private readonly cardDetails: Database<CardDetails, string>;
  /** "<member id> <card>" -> true: a member's cards in card order (a space sorts below every card character). */
  private readonly memberCards: Database<boolean, string>;
  /** Search indexes: "<folded name>\0<member id>" and "<folded e-mail>\0<member id>" -> member id (search-index-keys.ts). */
  private readonly names: Database<string, string>;
  private readonly emails: Database<string, string>;
  /** Facts about the directory itself: "searchIndexes" once every member's search keys are in. */
  private readonly settings: Database<number, string>;
  /** Cards read recently (card-read-cache.ts); every write here that touches cards goes through it. */
  private readonly cardCache = new CardReadCache();
  private readonly readMemberByCard = (card: string): string | undefined => this.cards.get(card);
  private readonly readCardDetails = (card: string): CardDetails | undefined => this.cardDetails.get(card);

  constructor(options: { readonly path: string }) {
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, LMDB_INITIAL_MAP_SIZE_BYTES));
    this.cards = this.root.openDB<string, string>({ name: "cards", encoding: "string" });
    this.phones = this.root.openDB<string, string>({ name: "phones", encoding: "string" });
    this.receipts = this.root.openDB<string, string[]>({ name: "receipts", encoding: "string" });
    this.floors = this.root.openDB<number, number>({ name: "receiptIndexFloors" });
    this.cardDetails = this.root.openDB<CardDetails, string>({ name: "cardDetails" });
    this.memberCards = this.root.openDB<boolean, string>({ name: "memberCards" });
    this.names = this.root.openDB<string, string>({ name: "names", encoding: "string" });
    this.emails = this.root.openDB<string, string>({ name: "emails", encoding: "string" });
    this.settings = this.root.openDB<number, string>({ name: "settings" });
  }

  async addSearchKeys(members: readonly SearchableMember[]): Promise<void> {
    const committed = this.root.transaction(() => {
      for (const member of members) this.putSearchKeys(member.memberId, member.name === null ? [] : [member.name], member.email === null ? [] : [member.email]);
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  searchIndexesComplete(): boolean {
    return this.settings.get(SEARCH_INDEXES_SETTING) === 1;
  }

  async markSearchIndexesComplete(): Promise<void> {
    await awaitLmdbWrite(this.path, this.settings.put(SEARCH_INDEXES_SETTING, 1));
    await this.root.flushed;
  }

  findMemberByCard(card: string): string | undefined {
    return this.cardCache.memberOf(card, this.readMemberByCard);
  }

  findMemberByPhone(phone: string): string | undefined {
    return this.phones.get(phone);
  }

  async writeEntry(entry: DirectoryEntry): Promise<void> {
    await this.cardCache.writing(async () => {
      const committed = this.root.transaction(() => this.putEntry(entry));
      await awaitLmdbWrite(this.path, committed);
    });
    await this.root.flushed;
  }

  /** One member's entry inside a transaction: card, phone, the member's card list, search keys. */
  private putEntry(entry: DirectoryEntry): void {
    void this.cards.put(entry.card, entry.memberId);
    if (entry.phone !== null) void this.phones.put(entry.phone, entry.memberId);
    void this.memberCards.put(memberCardKey(entry.memberId, entry.card), true);
    this.putSearchKeys(entry.memberId, entry.name == null ? [] : [entry.name], entry.email == null ? [] : [entry.email]);
  }

  private putSearchKeys(memberId: string, names: readonly string[], emails: readonly string[]): void {
    for (const name of names) {
      const key = nameKey(name, memberId);
      if (key !== null) void this.names.put(key, memberId);
    }
    for (const email of emails) {
      const key = emailKey(email, memberId);
      if (key !== null) void this.emails.put(key, memberId);
    }
  }

  findMembersByNamePrefix(prefix: string, after: string | null, limit: number): readonly IndexedMember[] {
    return rangeOf(this.names, namePrefixOf(prefix), after, limit);
  }

  findMembersByEmail(email: string, after: string | null, limit: number): readonly IndexedMember[] {
    return rangeOf(this.emails, emailPrefixOf(email), after, limit);
  }

  async updateMemberIndexes(change: MemberIndexChange): Promise<void> {
    const { memberId } = change;
    const committed = this.root.transaction(() => {
      for (const phone of change.releasePhones ?? []) if (this.phones.get(phone) === memberId) void this.phones.remove(phone);
      for (const phone of change.claimPhones ?? []) void this.phones.put(phone, memberId);
      for (const name of change.removeNames ?? []) {
        const key = nameKey(name, memberId);
        if (key !== null) void this.names.remove(key);
      }
      for (const email of change.removeEmails ?? []) {
        const key = emailKey(email, memberId);
        if (key !== null) void this.emails.remove(key);
      }
      this.putSearchKeys(memberId, change.addNames ?? [], change.addEmails ?? []);
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  findCardDetails(card: string): CardDetails | undefined {
    return this.cardCache.detailsOf(card, this.readCardDetails);
  }

  cardsOfMember(memberId: string): readonly CardRecord[] {
    const prefix = memberCardKey(memberId, "");
    const records: CardRecord[] = [];
    // One more than a member may hold: a bound on the read even if the store were wrong.
    for (const key of this.memberCards.getKeys({ start: prefix, end: `${memberId}!`, limit: CARDS_PER_MEMBER_MAX + 1 })) {
      const card = key.slice(prefix.length);
      records.push({ card, memberId, ...(this.cardDetails.get(card) ?? PLAIN_CARD_DETAILS) });
    }
    return records;
  }

  async writeCards(cards: readonly CardRecord[]): Promise<void> {
    await this.cardCache.writing(async () => {
      const committed = this.root.transaction(() => {
        for (const { card, memberId, ...details } of cards) {
          void this.cards.put(card, memberId);
          void this.cardDetails.put(card, details);
          void this.memberCards.put(memberCardKey(memberId, card), true);
        }
      });
      await awaitLmdbWrite(this.path, committed);
    });
    await this.root.flushed;
  }

  /**
   * Many members' cards and phones, and the owners of their past receipts, in
   * one transaction; resolves once durable. For the offline bulk importer,
   * which has already checked that each card and phone is free.
   */
  async writeBulk(entries: readonly DirectoryEntry[], receiptOwners: readonly ReceiptOwner[]): Promise<void> {
    await this.cardCache.writing(async () => {
      const committed = this.root.transaction(() => {
        for (const entry of entries) this.putEntry(entry);
        for (const owner of receiptOwners) void this.receipts.put([owner.store, owner.receiptId], owner.memberId);
      });
      await awaitLmdbWrite(this.path, committed);
    });
    await this.root.flushed;
  }

  findReceiptOwner(store: string, receiptId: string): string | undefined {
    return this.receipts.get([store, receiptId]);
  }

  async recordReceiptOwners(owners: readonly ReceiptOwner[], floors: ReadonlyMap<number, number>): Promise<void> {
    const committed = this.receipts.batch(() => {
      for (const owner of owners) void this.receipts.put([owner.store, owner.receiptId], owner.memberId);
      for (const [shard, through] of floors) void this.floors.put(shard, through);
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  receiptIndexFloors(): Map<number, number> {
    const floors = new Map<number, number>();
    for (const { key, value } of this.floors.getRange({})) floors.set(key, value);
    return floors;
  }

  countCards(): number {
    return this.cards.getKeysCount();
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

/** Keys of `index` starting with `prefix`, after the key `after` (ignored unless it starts with `prefix`), at most `limit`: one range read. */
function rangeOf(index: Database<string, string>, prefix: string, after: string | null, limit: number): IndexedMember[] {
  const found: IndexedMember[] = [];
  const start = after !== null && after.startsWith(prefix) ? after : prefix;
  for (const { key, value } of index.getRange({ start })) {
    if (key === after) continue;
    if (!key.startsWith(prefix) || found.length >= limit) break;
    found.push({ memberId: value, key });
  }
  return found;
}

/** The key of a member's card in the member's list: "<member id> <card>". */
function memberCardKey(memberId: string, card: string): string {
  return `${memberId} ${card}`;
}
