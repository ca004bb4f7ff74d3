import { PLAIN_CARD_DETAILS, type CardDetails, type CardRecord, type DirectoryEntry, type DirectoryStore, type ReceiptOwner } from "./directory-store.js";

/** Survives a "restart" of MemoryDirectoryStore in tests. */
export class MemoryDirectoryData {
  readonly cards = new Map<string, string>();
  readonly phones = new Map<string, string>();
  readonly receipts = new Map<string, string>();
  readonly receiptIndexFloors = new Map<number, number>();
  readonly cardDetails = new Map<string, CardDetails>();
  /** Member id -> its listed cards. */
  readonly memberCards = new Map<string, Set<string>>();
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
    await Promise.resolve();
    this.data.cards.set(entry.card, entry.memberId);
    if (entry.phone !== null) this.data.phones.set(entry.phone, entry.memberId);
    this.listCard(entry.memberId, entry.card);
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
