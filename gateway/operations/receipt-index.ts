import { assert } from "../../domain/assert/assert.js";
import type { DirectoryStore } from "../directory/directory-store.js";
import type { ReceiptOwner } from "../directory/directory-store.js";
import type { UnindexedReceipt } from "../../shard/shard-messages.js";
import { StorageFullError } from "../../shard/storage/storage-failure.js";

/**
 * Receipts claimed or waiting for their index entry, at most. Each commit in
 * flight holds one (the shard mailboxes bound those: 8,192 per shard), and an
 * answered commit holds it until its index entry is written, at most one
 * event-loop turn plus one LMDB commit later. Beyond this a commit is refused
 * BUSY rather than remembered without bound.
 */
export const RECEIPT_CLAIMS_MAX = 65_536;

/** Index entries written per directory transaction, at most: bounds one write's memory and its time. */
export const RECEIPT_INDEX_ENTRIES_PER_WRITE_MAX = 16_384;

/**
 * The least time from the start of one index write to the start of the next,
 * unless a write's worth of entries waits. Each write is an LMDB transaction
 * made durable with two fdatasyncs of the directory's file; written every
 * event-loop turn, one lane's receipts cost one such write each, and those
 * syncs queue at the disk ahead of the commit log's, the sync every answer
 * waits for. Paced, they are at most 20 a second; the claims they keep in
 * memory meanwhile are the receipts of 50 ms (RECEIPT_CLAIMS_MAX bounds them).
 */
export const RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS = 50;

/** How the index paces its writes. Every field is optional. */
export interface ReceiptIndexOptions {
  /** Default RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS; 0 writes at the end of every event-loop turn with entries. */
  readonly writeIntervalMilliseconds?: number;
  /** Fault injection for crash tests: hold every index write this long. Default 0 (production). */
  readonly writeDelayMilliseconds?: number;
  /** A monotonic clock for the pacing. Default performance.now. */
  readonly monotonicMilliseconds?: () => number;
}

interface Claim {
  readonly store: string;
  readonly receiptId: string;
  readonly memberId: string;
  /** Commits of this receipt for this member in flight (a lane may retry before its first answer). */
  holders: number;
  /** Committed: kept until its index entry is written, so the index and this map never both miss it. */
  committed: boolean;
  /** Its index entry is written: it goes once no commit holds it. */
  written: boolean;
  readonly done: Promise<void>;
  readonly release: () => void;
}

/** A commit's record in its shard's log: where the receipt index's floor for that shard goes. */
export interface AppliedAt {
  readonly shard: number;
  readonly sequence: number;
}

/** What claiming a receipt for a commit found. `finish` is told the record a new commit wrote (none for a repeat). */
export type ClaimOutcome =
  | { readonly kind: "claimed"; readonly finish: (committed: boolean, applied?: AppliedAt) => void }
  | { readonly kind: "owned by another member"; readonly memberId: string }
  | { readonly kind: "busy" };

/**
 * The receipt index: which member a (store, receipt id) was committed for.
 * It refuses the same receipt id committed for a second member (CONFLICT),
 * and lets a return or cancel find its member without the card.
 *
 * The gateway thread sees every request, so it closes the race of two
 * members' commits of one receipt on different shard threads: a commit
 * claims its (store, receipt id) here before it is routed; a second member's
 * commit of it waits for the first to finish, then finds it committed (and is
 * refused) or free. An answered commit keeps its claim until its entry is in
 * the directory's LMDB index, which is written one batch per event-loop turn
 * off the commit's path: no commit waits for an index write.
 */
export class ReceiptIndex {
  private readonly claims = new Map<string, Claim>();
  private readonly unwritten: (ReceiptOwner & { readonly applied?: AppliedAt })[] = [];
  private writeScheduled = false;
  private writing: Promise<void> | null = null;
  /** When the last write started (monotonic), for the pacing. */
  private lastWriteStartedAt = Number.NEGATIVE_INFINITY;
  private readonly writeIntervalMilliseconds: number;
  private readonly writeDelayMilliseconds: number;
  private readonly monotonicMilliseconds: () => number;
  /** Per shard: the log sequence the index is durable through (what the shard is told). */
  private readonly floors: Map<number, number>;
  /** Per shard: the newest commit sequence handed to the index. */
  private readonly noted = new Map<number, number>();
  /** Per shard: commit sequences handed to the index and not yet durable in it, oldest first. */
  private readonly pending = new Map<number, number[]>();

  /**
   * `sendFloor` tells a shard thread how far the index is durable for it:
   * the shard's checkpoints wait for that (see Checkpointer), so a receipt
   * the index lacks after a crash is always in a log the shard replays, and
   * the shard reports it at start (recover).
   */
  constructor(
    private readonly directory: DirectoryStore,
    private readonly sendFloor: (shard: number, through: number) => void = () => undefined,
    options: ReceiptIndexOptions = {},
  ) {
    this.writeIntervalMilliseconds = millisecondsOption("writeIntervalMilliseconds", options.writeIntervalMilliseconds, RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS);
    this.writeDelayMilliseconds = millisecondsOption("writeDelayMilliseconds", options.writeDelayMilliseconds, 0);
    this.monotonicMilliseconds = options.monotonicMilliseconds ?? (() => performance.now());
    this.floors = directory.receiptIndexFloors();
  }

  /** The log sequence the index is durable through for `shard` (0: nothing known). */
  floorOf(shard: number): number {
    return this.floors.get(shard) ?? 0;
  }

  /**
   * Receipts a shard found in its log after the index's floor when it
   * started, and its last log sequence: they are written like new commits,
   * and the floor moves to that sequence once they are durable.
   */
  recover(shard: number, receipts: readonly UnindexedReceipt[], lastSequence: number): void {
    for (const receipt of receipts) {
      this.unwritten.push({ store: receipt.store, receiptId: receipt.receiptId, memberId: receipt.memberId, applied: { shard, sequence: receipt.sequence } });
      this.note({ shard, sequence: receipt.sequence });
    }
    this.noted.set(shard, Math.max(this.noted.get(shard) ?? 0, lastSequence));
    this.scheduleWrite();
  }

  /** The member `receiptId` of `store` was committed for, in memory or in the index; undefined if none. */
  ownerOf(store: string, receiptId: string): string | undefined {
    const claim = this.claims.get(claimKey(store, receiptId));
    if (claim?.committed === true) return claim.memberId;
    return this.directory.findReceiptOwner(store, receiptId);
  }

  /** Claims and index entries held in memory now. */
  get size(): number {
    return this.claims.size;
  }

  /**
   * Claims (store, receipt id) for a commit of `memberId`. Call `finish` once
   * the shard answered (committed: the answer was ok). While another
   * member's commit of the same receipt is in flight, waits for it.
   */
  async claim(store: string, receiptId: string, memberId: string): Promise<ClaimOutcome> {
    const key = claimKey(store, receiptId);
    for (;;) {
      const owner = this.directory.findReceiptOwner(store, receiptId);
      if (owner !== undefined && owner !== memberId) return { kind: "owned by another member", memberId: owner };
      const held = this.claims.get(key);
      if (held === undefined) break;
      if (held.memberId === memberId) {
        held.holders += 1;
        return { kind: "claimed", finish: (committed, applied) => this.finish(key, held, committed, applied) };
      }
      if (held.committed) return { kind: "owned by another member", memberId: held.memberId };
      await held.done;
    }
    if (this.claims.size >= RECEIPT_CLAIMS_MAX) return { kind: "busy" };
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => (release = resolve));
    const claim: Claim = { store, receiptId, memberId, holders: 1, committed: false, written: false, done, release };
    this.claims.set(key, claim);
    return { kind: "claimed", finish: (committed, applied) => this.finish(key, claim, committed, applied) };
  }

  /** Resolves once every entry handed to the index so far is written (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.writing !== null || this.unwritten.length > 0) {
      if (this.writing === null) this.writeBatch();
      await this.writing;
    }
  }

  private finish(key: string, claim: Claim, committed: boolean, applied: AppliedAt | undefined): void {
    assert(claim.holders > 0 && this.claims.get(key) === claim, "a claim finishes once per holder");
    claim.holders -= 1;
    // A commit's new record, or a repeat answered from the shard's record (whose entry a crash may have lost).
    if (applied !== undefined || (committed && !claim.committed)) {
      assert(committed, "only a committed receipt has a record");
      const { store, receiptId, memberId } = claim;
      this.unwritten.push(applied === undefined ? { store, receiptId, memberId } : { store, receiptId, memberId, applied });
      if (applied !== undefined) this.note(applied);
      claim.committed = true;
      this.scheduleWrite();
    }
    if (claim.holders === 0 && (!claim.committed || claim.written)) this.forget(key, claim);
  }

  private note(applied: AppliedAt): void {
    this.noted.set(applied.shard, Math.max(this.noted.get(applied.shard) ?? 0, applied.sequence));
    const pending = this.pending.get(applied.shard);
    if (pending === undefined) this.pending.set(applied.shard, [applied.sequence]);
    else pending.push(applied.sequence);
  }

  /**
   * The floors that hold once `batch` is durable: for each shard, below its
   * oldest commit still waiting after this batch, or (none waiting) its
   * newest commit handed in. Every commit answered so far was handed in
   * (finish runs in the answer's own microtask chain, before any write's
   * turn), so nothing the index lacks can lie below a floor.
   */
  private floorsAfter(batch: readonly { readonly applied?: AppliedAt }[]): Map<number, number> {
    const inBatch = new Map<number, number>();
    for (const { applied } of batch) if (applied !== undefined) inBatch.set(applied.shard, (inBatch.get(applied.shard) ?? 0) + 1);
    const floors = new Map<number, number>();
    for (const [shard, newest] of this.noted) {
      const waiting = (this.pending.get(shard) ?? []).slice(inBatch.get(shard) ?? 0);
      const floor = waiting.length > 0 ? (waiting[0] as number) - 1 : newest;
      if (floor > this.floorOf(shard)) floors.set(shard, floor);
    }
    return floors;
  }

  private forget(key: string, claim: Claim): void {
    assert(this.claims.get(key) === claim && claim.holders === 0, "a claim goes once nobody holds it");
    this.claims.delete(key);
    claim.release();
  }

  private scheduleWrite(): void {
    if (this.writeScheduled || this.writing !== null) return;
    this.writeScheduled = true;
    const write = (): void => {
      this.writeScheduled = false;
      this.writeBatch();
    };
    const wait = this.writeDelayMilliseconds > 0 ? this.writeDelayMilliseconds : this.untilNextWrite();
    if (wait > 0) setTimeout(write, wait).unref();
    else setImmediate(write);
  }

  /** Milliseconds until the pacing lets the next write start (0: at the end of this turn). */
  private untilNextWrite(): number {
    if (this.unwritten.length >= RECEIPT_INDEX_ENTRIES_PER_WRITE_MAX) return 0;
    return Math.max(0, Math.ceil(this.lastWriteStartedAt + this.writeIntervalMilliseconds - this.monotonicMilliseconds()));
  }

  /**
   * Writes the entries answered so far in one directory transaction, then
   * lets their claims go (the index answers for them from now on). A write
   * refused for lack of space keeps them in memory and tries again later;
   * any other failure is an I/O error and crashes (crash-only).
   */
  private writeBatch(): void {
    if (this.writing !== null || this.unwritten.length === 0) return;
    const entries = this.unwritten.splice(0, RECEIPT_INDEX_ENTRIES_PER_WRITE_MAX);
    const floors = this.floorsAfter(entries);
    this.lastWriteStartedAt = this.monotonicMilliseconds();
    this.writing = this.directory.recordReceiptOwners(entries, floors).then(
      () => {
        for (const { applied } of entries) {
          if (applied === undefined) continue;
          const pending = this.pending.get(applied.shard);
          assert(pending?.[0] === applied.sequence, "a shard's commits are written in the order they were handed in");
          pending.shift();
        }
        for (const [shard, floor] of floors) {
          this.floors.set(shard, floor);
          this.sendFloor(shard, floor);
        }
        for (const entry of entries) {
          const key = claimKey(entry.store, entry.receiptId);
          const claim = this.claims.get(key);
          // Receipts recovered at start-up were never claimed.
          if (claim === undefined || claim.written) continue;
          assert(claim.committed, "a written entry was a committed claim");
          claim.written = true;
          // A repeat of the receipt still in flight keeps the claim until it finishes.
          if (claim.holders === 0) this.forget(key, claim);
        }
        this.writing = null;
        if (this.unwritten.length > 0) this.scheduleWrite();
      },
      (error: unknown) => {
        if (!(error instanceof StorageFullError)) {
          setImmediate(() => {
            throw error instanceof Error ? error : new Error(String(error));
          });
          return;
        }
        this.unwritten.unshift(...entries);
        this.writing = null;
        setTimeout(() => this.scheduleWrite(), INDEX_RETRY_AFTER_FULL_MILLISECONDS).unref();
      },
    );
  }
}

/** After the directory was full, try the index write again this much later. */
const INDEX_RETRY_AFTER_FULL_MILLISECONDS = 1_000;

/** The longest a Node timer waits. */
const TIMER_MILLISECONDS_MAX = 2 ** 31 - 1;

function millisecondsOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0 || value > TIMER_MILLISECONDS_MAX) throw new RangeError(`${name} must be an integer from 0 to ${TIMER_MILLISECONDS_MAX}, got ${String(value)}`);
  return value;
}

function claimKey(store: string, receiptId: string): string {
  return JSON.stringify([store, receiptId]);
}
