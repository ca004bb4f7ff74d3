// Thread: the gateway (main) thread (the directory's sole writer), or the bulk importer while the server is stopped.
import { open, type Database, type RootDatabase } from "lmdb";
import { awaitLmdbWrite, lmdbEnvironmentOptions } from "../../shard/storage/storage-failure.js";
import type { DirectoryEntry, DirectoryStore, ReceiptOwner } from "./directory-store.js";

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

  constructor(options: { readonly path: string }) {
    this.path = options.path;
    this.root = open(lmdbEnvironmentOptions(options.path, LMDB_INITIAL_MAP_SIZE_BYTES));
    this.cards = this.root.openDB<string, string>({ name: "cards", encoding: "string" });
    this.phones = this.root.openDB<string, string>({ name: "phones", encoding: "string" });
    this.receipts = this.root.openDB<string, string[]>({ name: "receipts", encoding: "string" });
    this.floors = this.root.openDB<number, number>({ name: "receiptIndexFloors" });
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
