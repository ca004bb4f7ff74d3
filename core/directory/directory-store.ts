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

export interface DirectoryStore {
  findMemberByCard(card: string): string | undefined;
  findMemberByPhone(phone: string): string | undefined;
  /** Writes the card (and phone) of one member in one transaction; resolves once durable. */
  writeEntry(entry: DirectoryEntry): Promise<void>;
  countCards(): number;
  /** The member a (store, receipt id) was committed for, if the gateway has recorded it. */
  findReceiptOwner(store: string, receiptId: string): string | undefined;
  /**
   * Records the member of a committed receipt. Not awaited on the hot path:
   * the record follows the commit's acknowledgement and is durable with the
   * next directory write; it serves lookups by receipt id (returns without a
   * card) and catches the same receipt id sent for another member.
   */
  recordReceiptOwner(store: string, receiptId: string, memberId: string): Promise<void>;
  close(): Promise<void>;
}
