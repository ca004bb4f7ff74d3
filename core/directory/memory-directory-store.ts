import type { ReceiptOwner } from "./directory-store.js";
import type { DirectoryEntry, DirectoryStore } from "./directory-store.js";

/** Survives a "restart" of MemoryDirectoryStore in tests. */
export class MemoryDirectoryData {
  readonly cards = new Map<string, string>();
  readonly phones = new Map<string, string>();
  readonly receipts = new Map<string, string>();
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
  }

  findReceiptOwner(store: string, receiptId: string): string | undefined {
    return this.data.receipts.get(JSON.stringify([store, receiptId]));
  }

  async recordReceiptOwners(owners: readonly ReceiptOwner[]): Promise<void> {
    const copies = owners.map((owner) => ({ ...owner }));
    await Promise.resolve();
    for (const owner of copies) this.data.receipts.set(JSON.stringify([owner.store, owner.receiptId]), owner.memberId);
  }

  countCards(): number {
    return this.data.cards.size;
  }

  async close(): Promise<void> {
    await Promise.resolve();
  }
}
