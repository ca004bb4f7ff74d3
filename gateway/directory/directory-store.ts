import type { CardResult } from "../../protocol/terminal-wire.js";

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
  /** Put in the name index when given (folded: domain/account/member-search-keys.ts). */
  readonly name?: string | null;
  /** Put in the e-mail index when given (folded). */
  readonly email?: string | null;
}

/**
 * A member found in a search index, with the index key it was found at: a
 * page continues after the last one's key. Keys are "<folded text>\0<member
 * id>": one member per key, members with the same text in member id order,
 * and a prefix of the text is one range of keys.
 */
export interface IndexedMember {
  readonly memberId: string;
  readonly key: string;
}

/** A member's name and e-mail as the search indexes take them. */
export interface SearchableMember {
  readonly memberId: string;
  readonly name: string | null;
  readonly email: string | null;
}

/** One member's phones and search keys changing together (a profile edit), in one transaction. */
export interface MemberIndexChange {
  readonly memberId: string;
  /** Phones to point at the member (the caller has checked each is free or already the member's). */
  readonly claimPhones?: readonly string[];
  /** Phones to free: each is deleted only while it still points at the member. */
  readonly releasePhones?: readonly string[];
  /** Names and e-mails as given; the store folds them into keys. */
  readonly addNames?: readonly string[];
  readonly removeNames?: readonly string[];
  readonly addEmails?: readonly string[];
  readonly removeEmails?: readonly string[];
}

/**
 * A member's card (the wire's CardResult, keyed by member id): its static
 * parameters (the program card type) and its state. A card enrolled before cards had states (or by enrolment) has no
 * stored details: it is active, untyped and never expires (`cardOf`).
 */
export type CardRecord = Omit<CardResult, "member"> & { readonly memberId: string };

/** Cards one member can hold, blocked ones included: a family of cards, not a catalogue (CARD_LIMIT past it). */
export const CARDS_PER_MEMBER_MAX = 20;

/** The stored part of a card, beyond card -> member. */
export type CardDetails = Omit<CardRecord, "card" | "memberId">;

/** The details of a card with none stored: active, untyped, never expiring. */
export const PLAIN_CARD_DETAILS: CardDetails = Object.freeze({
  type: null,
  state: "active",
  blockedAt: null,
  blockReason: null,
  expiresAt: null,
  issuedAt: null,
  replacedBy: null,
});

/** The member a (store, receipt id) was committed for: the directory's receipt index. */
export interface ReceiptOwner {
  readonly store: string;
  readonly receiptId: string;
  readonly memberId: string;
}

export interface DirectoryStore {
  findMemberByCard(card: string): string | undefined;
  findMemberByPhone(phone: string): string | undefined;
  /** Writes the card (and phone, and the name and e-mail search keys) of one member in one transaction; resolves once durable. */
  writeEntry(entry: DirectoryEntry): Promise<void>;
  /** Members whose folded name starts with the folded `prefix`, in key order, after the key `after`; at most `limit`. */
  findMembersByNamePrefix(prefix: string, after: string | null, limit: number): readonly IndexedMember[];
  /** Members with this e-mail (any case), in member id order, after the key `after`; at most `limit`. */
  findMembersByEmail(email: string, after: string | null, limit: number): readonly IndexedMember[];
  /** Claims and frees phones and adds and removes search keys of one member in one transaction; resolves once durable. */
  updateMemberIndexes(change: MemberIndexChange): Promise<void>;
  /** Adds the name and e-mail search keys of many members in one transaction (the backfill); resolves once durable. */
  addSearchKeys(members: readonly SearchableMember[]): Promise<void>;
  /** Whether every member's search keys are in (a directory made by a build with the indexes, or backfilled). */
  searchIndexesComplete(): boolean;
  markSearchIndexesComplete(): Promise<void>;
  /** The stored details of a card (undefined: none stored, PLAIN_CARD_DETAILS; or no such card). One read: the POS path. */
  findCardDetails(card: string): CardDetails | undefined;
  /** The cards issued to a member through card operations or enrolled since cards were listed, in card order; at most CARDS_PER_MEMBER_MAX. */
  cardsOfMember(memberId: string): readonly CardRecord[];
  /** Writes cards (card -> member, details, the member's list) in one transaction; resolves once durable. */
  writeCards(cards: readonly CardRecord[]): Promise<void>;
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
