// Thread: the gateway (main) thread (the directory's sole writer), or the bulk importer while the server is stopped.
import { open, type Database, type RootDatabase } from "lmdb";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "../../shard/storage/storage-failure.js";
import { CARDS_PER_MEMBER_MAX, PLAIN_CARD_DETAILS, type CardDetails, type CardRecord, type DirectoryEntry, type DirectoryStore, type ReceiptOwner } from "./directory-store.js";

export type { ReceiptOwner };

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

  constructor(options: { readonly path: string }) {
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, LMDB_INITIAL_MAP_SIZE_BYTES));
    this.cards = this.root.openDB<string, string>({ name: "cards", encoding: "string" });
    this.phones = this.root.openDB<string, string>({ name: "phones", encoding: "string" });
    this.receipts = this.root.openDB<string, string[]>({ name: "receipts", encoding: "string" });
    this.floors = this.root.openDB<number, number>({ name: "receiptIndexFloors" });
    this.cardDetails = this.root.openDB<CardDetails, string>({ name: "cardDetails" });
    this.memberCards = this.root.openDB<boolean, string>({ name: "memberCards" });
  }

  findMemberByCard(card: string): string | undefined {
    return this.cards.get(card);
  }

  findMemberByPhone(phone: string): string | undefined {
    return this.phones.get(phone);
  }

  async writeEntry(entry: DirectoryEntry): Promise<void> {
    const committed = this.root.transaction(() => {
      void this.cards.put(entry.card, entry.memberId);
      if (entry.phone !== null) void this.phones.put(entry.phone, entry.memberId);
      void this.memberCards.put(memberCardKey(entry.memberId, entry.card), true);
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  findCardDetails(card: string): CardDetails | undefined {
    return this.cardDetails.get(card);
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
    const committed = this.root.transaction(() => {
      for (const { card, memberId, ...details } of cards) {
        void this.cards.put(card, memberId);
        void this.cardDetails.put(card, details);
        void this.memberCards.put(memberCardKey(memberId, card), true);
      }
    });
    await awaitLmdbWrite(this.path, committed);
    await this.root.flushed;
  }

  /**
   * Many members' cards and phones, and the owners of their past receipts, in
   * one transaction; resolves once durable. For the offline bulk importer,
   * which has already checked that each card and phone is free.
   */
  async writeBulk(entries: readonly DirectoryEntry[], receiptOwners: readonly ReceiptOwner[]): Promise<void> {
    const committed = this.root.transaction(() => {
      for (const entry of entries) {
        void this.cards.put(entry.card, entry.memberId);
        if (entry.phone !== null) void this.phones.put(entry.phone, entry.memberId);
        void this.memberCards.put(memberCardKey(entry.memberId, entry.card), true);
      }
      for (const owner of receiptOwners) void this.receipts.put([owner.store, owner.receiptId], owner.memberId);
    });
    await awaitLmdbWrite(this.path, committed);
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

/** The key of a member's card in the member's list: "<member id> <card>". */
function memberCardKey(memberId: string, card: string): string {
  return `${memberId} ${card}`;
}
