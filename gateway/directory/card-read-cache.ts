// Thread: the gateway (main) thread (the directory's sole writer).
import { assert } from "../../domain/assert/assert.js";
import type { CardDetails } from "./directory-store.js";

/**
 * Cards read recently. A lane names its card in each request of a receipt
 * (identify, calculate, commit: within milliseconds), and each asks the
 * directory for the card's member and its details: two LMDB reads and a
 * string decoded each time. 10,000 is more than the lanes of a large
 * network serve at once, and costs about a megabyte.
 */
export const CARD_READ_CACHE_ENTRIES_MAX = 10_000;

interface CachedCard {
  readonly memberId: string | undefined;
  /** Not read yet: `loaded` false. */
  details: CardDetails | undefined;
  loaded: boolean;
}

/**
 * A read cache in front of the directory's cards, kept true by its only
 * writer: while a write that touches cards is in flight nothing is cached or
 * served from the cache (LMDB may answer either side of the commit), and
 * when one ends the cache is emptied. Card writes are enrolments and card
 * operations, rare next to reads.
 */
export class CardReadCache {
  private readonly entries = new Map<string, CachedCard>();
  private writesInFlight = 0;

  constructor(private readonly entriesMax: number = CARD_READ_CACHE_ENTRIES_MAX) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, "the card cache holds at least one card");
  }

  memberOf(card: string, read: (card: string) => string | undefined): string | undefined {
    if (this.writesInFlight > 0) return read(card);
    const cached = this.entries.get(card);
    if (cached !== undefined) return cached.memberId;
    const memberId = read(card);
    this.remember(card, { memberId, details: undefined, loaded: false });
    return memberId;
  }

  detailsOf(card: string, read: (card: string) => CardDetails | undefined): CardDetails | undefined {
    if (this.writesInFlight > 0) return read(card);
    const cached = this.entries.get(card);
    if (cached === undefined) return read(card);
    if (!cached.loaded) {
      cached.details = read(card);
      cached.loaded = true;
    }
    return cached.details;
  }

  /** Runs a write that touches cards; nothing is cached from its start until it settles, and the cache is emptied then. */
  async writing<T>(write: () => Promise<T>): Promise<T> {
    this.writesInFlight += 1;
    this.entries.clear();
    try {
      return await write();
    } finally {
      this.writesInFlight -= 1;
      assert(this.writesInFlight >= 0, "every card write that ended had started");
      this.entries.clear();
    }
  }

  private remember(card: string, entry: CachedCard): void {
    if (this.entries.size >= this.entriesMax) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(card, entry);
  }
}
