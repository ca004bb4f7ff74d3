/**
 * The member directory: card number -> member id and phone -> member id.
 *
 * It is how the gateway finds the owning shard without asking every shard:
 * identifier -> member id (here) -> logical shard (shard function) -> shard
 * thread (placement table). The gateway thread is its only writer; reads are
 * synchronous and cost about a microsecond in LMDB.
 *
 * Two implementations keep one contract (directory-store.contract.ts):
 * LmdbDirectoryStore and MemoryDirectoryStore.
 */
export interface DirectoryEntry {
  readonly memberId: string;
  readonly card: string;
  readonly phone: string | null;
}

/** The member a (store, receipt id) was committed for: the directory's receipt index. */
export interface ReceiptOwner {
  readonly store: string;
  readonly receiptId: string;
  readonly memberId: string;
}

export interface DirectoryStore {
  findMemberByCard(card: string): string | undefined;
  findMemberByPhone(phone: string): string | undefined;
  /** Writes the card (and phone) of one member in one transaction; resolves once durable. */
  writeEntry(entry: DirectoryEntry): Promise<void>;
  countCards(): number;
  /** The member a (store, receipt id) was committed for, if the gateway has recorded it. */
  findReceiptOwner(store: string, receiptId: string): string | undefined;
  /**
   * Records the members of committed receipts, and for each shard thread
   * the log sequence through which the index now holds every receipt it
   * committed, in one transaction; resolves once it is durable. The
   * gateway's ReceiptIndex writes them in batches off the commit's path.
   */
  recordReceiptOwners(owners: readonly ReceiptOwner[], floors: ReadonlyMap<number, number>): Promise<void>;
  /** Per shard thread, the log sequence the receipt index is durable through (absent: nothing known, 0). */
  receiptIndexFloors(): Map<number, number>;
  close(): Promise<void>;
}
