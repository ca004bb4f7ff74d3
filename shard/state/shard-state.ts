// Thread: a shard worker thread; checkpoints are applied by lmdb-js's write thread.
import type { Account } from "../../domain/account/account.js";
import { assert } from "../../domain/assert/assert.js";
import type { Mutation } from "../storage/mutation.js";
import { readHistory } from "../storage/records/history-codec.js";
import { readReceiptRecord } from "../storage/records/receipt-record-codec.js";
import {
  campaignBudgetKey,
  couponKey,
  couponUseKey,
  decodeOutboxKey,
  decodeReminderKey,
  decodeSettlementKey,
  historyKey,
  keyString,
  memberPrefix,
  outboxRange,
  recordKey,
  recordStoreRange,
  reminderRange,
  settlementDayRange,
  decodeTriggerIndexKey,
  triggerIndexRange,
  triggerProgressKey,
  type TriggerIndexWhich,
  type OutboxSection,
} from "../storage/record-keys.js";
import { readOutboxEvent, readOutboxEventTime, type DeadLetterDetail, type OutboxEvent } from "../storage/records/outbox-codec.js";
import { readSettlement } from "../storage/records/settlement-codec.js";
import { readCampaignBudget } from "../storage/records/campaign-budget-codec.js";
import { readMap } from "../storage/records/record-packer.js";
import { RecordReader } from "../storage/records/record-writer.js";
import { readCoupon, readCouponUse } from "../storage/records/coupon-codec.js";
import type { Coupon } from "../../domain/campaigns/coupons.js";
import { readStoredRecordAt } from "../storage/stored-records.js";
import type { ActivityRecord, BudgetTotals, ReceiptRecord, SettlementRecord, ShardStore } from "../storage/shard-store.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { OverlayGeneration } from "./overlay-generation.js";

/**
 * Decoded accounts a shard keeps besides the pinned ones (least recently used
 * dropped first). A lane rereads its member within milliseconds, so the
 * working set is the members being served now, a few thousand; a decoded
 * account with its lots is a few KiB of heap, so 10,000 bounds the cache at
 * tens of MiB per shard.
 */
export const ACCOUNT_CACHE_ENTRIES_MAX = 10_000;

/**
 * A shard's state: LMDB as of the last checkpoint, and over it the overlay
 * of every operation logged since (docs/ARCHITECTURE.md, "State and
 * checkpoints"). Operations apply here the moment their log record is
 * appended, so the next operation and every read see them; a checkpoint
 * later writes the overlay to LMDB and the overlay lets go of it.
 *
 * Accounts: every member with a mutation in the overlay is pinned, decoded,
 * in memory; so an account is either wholly in memory or wholly in LMDB and
 * no read ever merges an account's records from two places. Other accounts
 * read recently stay in a bounded cache; the shard is the only writer of its
 * accounts, so no entry can go stale behind its back.
 */
/** What a campaign without a budget record has given in a logical shard. */
const NOTHING_GIVEN: BudgetTotals = Object.freeze({ points: 0, discount: 0 });

export class ShardState {
  private active = new OverlayGeneration();
  private checkpointing: OverlayGeneration | null = null;
  private readonly pinned = new Map<string, Account>();
  /** Most recently used last. */
  private readonly cached = new Map<string, Account>();
  /**
   * Walks `cached` in insertion order, evicting: every key it has passed was
   * evicted or, read again, moved to the end, so its next key is always the
   * least recently used. A new iterator per eviction would start at the
   * table's front and step over every entry deleted there since the map last
   * compacted (thousands: a checkpoint moves thousands of accounts in).
   */
  private evictionCursor: Iterator<string> | null = null;

  constructor(
    private readonly store: ShardStore,
    /** Decoded accounts kept besides the pinned ones (tests use a few). */
    private readonly cacheEntriesMax = ACCOUNT_CACHE_ENTRIES_MAX,
  ) {
    assert(Number.isSafeInteger(cacheEntriesMax) && cacheEntriesMax >= 1, "the account cache holds at least one account");
  }

  /** Memory the overlay holds (both generations), by OverlayGeneration's estimates. */
  get overlayBytes(): number {
    return this.active.bytes + (this.checkpointing?.bytes ?? 0);
  }

  /** Bytes of the generation filling now: what the next checkpoint would write. */
  get activeBytes(): number {
    return this.active.bytes;
  }

  get pinnedAccounts(): number {
    return this.pinned.size;
  }

  /** The pinned accounts of one logical shard: those whose latest state no checkpoint has written to LMDB yet (a scan of LMDB misses them). */
  pinnedOf(logicalShard: number): Account[] {
    const found: Account[] = [];
    for (const account of this.pinned.values()) if (account.logicalShard === logicalShard) found.push(account);
    return found;
  }

  isResident(logicalShard: number, memberId: string): boolean {
    const member = memberKey(logicalShard, memberId);
    return this.pinned.has(member) || this.cached.has(member);
  }

  /**
   * The member's latest account. `remember` false (the expiry sweep, which
   * visits every member once a month) leaves the cache to the members lanes
   * are serving.
   */
  readAccount(logicalShard: number, memberId: string, remember = true): Account | undefined {
    const member = memberKey(logicalShard, memberId);
    const pinned = this.pinned.get(member);
    if (pinned !== undefined) return pinned;
    const cached = this.cached.get(member);
    if (cached !== undefined) {
      this.cached.delete(member);
      this.cached.set(member, cached);
      return cached;
    }
    const stored = this.store.readAccount(logicalShard, memberId);
    if (stored !== undefined && remember) this.remember(member, stored);
    return stored;
  }

  readRecord(logicalShard: number, memberId: string, store: string, recordId: string): ReceiptRecord | undefined {
    const key = recordKey(logicalShard, memberId, store, recordId);
    const staged = this.staged(keyString(key));
    if (staged === undefined) return readStoredRecordAt(this.store, key, logicalShard, memberId, store, recordId);
    return staged.value === null ? undefined : readReceiptRecord({ logicalShard, memberId, store, receiptId: recordId }, staged.value);
  }

  /** A member's history, newest first, below `before` (all when null), at most `limit`: the overlay's entries and LMDB's. */
  readHistory(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[] {
    const member = memberKey(logicalShard, memberId);
    const bySequence = new Map<number, ActivityRecord>();
    for (const generation of [this.checkpointing, this.active]) {
      for (const sequence of generation?.history.get(member) ?? []) {
        if (before !== null && sequence >= before) continue;
        const staged = generation?.get(keyString(historyKey(logicalShard, memberId, sequence)));
        if (staged?.value) bySequence.set(sequence, readHistory({ logicalShard, memberId, sequence }, staged.value));
      }
    }
    for (const entry of this.store.readActivity(logicalShard, memberId, before, limit)) {
      if (!bySequence.has(entry.sequence)) bySequence.set(entry.sequence, entry);
    }
    return [...bySequence.values()].sort((left, right) => right.sequence - left.sequence).slice(0, limit);
  }

  /**
   * The settlement entries of days [fromDay, toDay) of one logical shard, in key order (day, partners,
   * member, sequence), at most `limit`: LMDB's range and the overlay's entries in it (an admin report,
   * not a lane's path: the overlay, bounded by its limit, is walked whole).
   */
  readSettlement(logicalShard: number, fromDay: number, toDay: number, after: string | null, limit: number): { key: string; entry: SettlementRecord }[] {
    const range = settlementDayRange(logicalShard, fromDay, toDay);
    // Past `after`: the smallest key above it is `after` and a zero byte.
    const start = after === null ? range.start : Buffer.concat([Buffer.from(after, "latin1"), Buffer.of(0)]);
    const startText = keyString(start);
    const endText = keyString(range.end);
    const byKey = new Map<string, Uint8Array>();
    for (const { key, value } of this.store.range(start, range.end, limit)) byKey.set(keyString(key), value);
    for (const generation of [this.checkpointing, this.active]) {
      for (const [key, mutation] of generation?.entries ?? []) {
        if (key >= startText && key < endText && mutation.value) byKey.set(key, mutation.value);
      }
    }
    return [...byKey.keys()]
      .sort()
      .slice(0, limit)
      .map((key) => {
        const { logicalShard: shard, day, issuer, redeemer, memberId, sequence } = decodeSettlementKey(Buffer.from(key, "latin1"));
        return { key, entry: readSettlement({ logicalShard: shard, day, issuer, redeemer, memberId, sequence }, byKey.get(key) as Uint8Array) };
      });
  }

  /**
   * The keyed records of one store of a (pseudo) member, in record id order (by length, then bytes),
   * after `afterRecordId`, at most `limit`: LMDB's range and the overlay's records in it, as
   * readSettlement merges them (an admin read: the overlay is walked whole).
   */
  readRecordsOfStore(logicalShard: number, memberId: string, store: string, afterRecordId: string | null, limit: number): ReceiptRecord[] {
    const range = recordStoreRange(logicalShard, memberId, store);
    const start = afterRecordId === null ? range.start : Buffer.concat([recordKey(logicalShard, memberId, store, afterRecordId), Buffer.of(0)]);
    const startText = keyString(start);
    const endText = keyString(range.end);
    const byKey = new Map<string, Uint8Array | null>();
    for (const { key, value } of this.store.range(start, range.end, limit)) byKey.set(keyString(key), value);
    for (const generation of [this.checkpointing, this.active]) {
      for (const [key, mutation] of generation?.entries ?? []) if (key >= startText && key < endText) byKey.set(key, mutation.value);
    }
    const prefixBytes = range.start.length - 1;
    return [...byKey.keys()]
      .sort()
      .flatMap((key) => {
        const value = byKey.get(key);
        if (value === null || value === undefined) return [];
        const recordId = Buffer.from(key, "latin1").subarray(prefixBytes + 1).toString("utf8");
        return [readReceiptRecord({ logicalShard, memberId, store, receiptId: recordId }, value)];
      })
      .slice(0, limit);
  }

  /**
   * Entries of one outbox section of a logical shard (of one endpoint for the queue and dead letters),
   * in key order (member, sequence, number), after the key `after` (latin-1; from the start when null),
   * at most `limit`: the overlay's outbox entries over LMDB's range, the overlay's deletions hiding
   * LMDB's. Costs one pass over the overlay's outbox keys (keeping only the `limit` smallest, never
   * sorting them all) and LMDB reads of about `limit` entries plus those the overlay hides.
   */
  readOutbox(logicalShard: number, section: OutboxSection, endpoint: string | null, after: string | null, limit: number): { key: string; endpoint: string | null; event: OutboxEvent; dead: DeadLetterDetail | null }[] {
    const range = outboxRange(logicalShard, section, endpoint);
    const start = after === null ? range.start : Buffer.concat([Buffer.from(after, "latin1"), Buffer.of(0)]);
    const values = this.readOutboxRange(logicalShard, start, range.end, limit);
    return [...values.keys()]
      .sort()
      .slice(0, limit)
      .map((key) => {
        const { logicalShard: shard, endpoint: keyEndpoint, memberId, sequence, number } = decodeOutboxKey(Buffer.from(key, "latin1"));
        return { key, endpoint: keyEndpoint, ...readOutboxEvent({ logicalShard: shard, memberId, sequence, number }, values.get(key) as Uint8Array) };
      });
  }

  /** The reminder index entries of a logical shard due at or before `through`, earliest first, at most `limit` (readOutbox's merge). */
  readRemindersDue(logicalShard: number, through: number, limit: number): { key: Buffer; due: number; memberId: string }[] {
    const range = reminderRange(logicalShard, through);
    const values = this.readOutboxRange(logicalShard, range.start, range.end, limit);
    return [...values.keys()]
      .sort()
      .slice(0, limit)
      .map((text) => {
        const key = Buffer.from(text, "latin1");
        const { due, memberId } = decodeReminderKey(key);
        return { key, due, memberId };
      });
  }

  /**
   * The trigger index entries of one local month-day (docs/campaigns.md, "Triggers at scale"), in
   * member key order after the key `after` (latin-1; from the start when null), at most `limit`
   * (readOutbox's merge).
   */
  readTriggerIndex(logicalShard: number, which: TriggerIndexWhich, month: number, day: number, after: string | null, limit: number): { key: string; memberId: string }[] {
    const range = triggerIndexRange(logicalShard, which, month, day);
    const start = after === null ? range.start : Buffer.concat([Buffer.from(after, "latin1"), Buffer.of(0)]);
    const values = this.readOutboxRange(logicalShard, start, range.end, limit);
    return [...values.keys()]
      .sort()
      .slice(0, limit)
      .map((key) => ({ key, memberId: decodeTriggerIndexKey(Buffer.from(key, "latin1")).memberId }));
  }

  /** A logical shard's trigger progress record `name` now (overlay, else LMDB); null: none. */
  readTriggerProgress(logicalShard: number, name: string): Record<string, unknown> | null {
    const bytes = this.readValue(triggerProgressKey(logicalShard, name));
    return bytes === undefined ? null : readMap(new RecordReader(bytes, `trigger progress ${name} of logical shard ${logicalShard}`));
  }

  /** Up to `limit` entries of the outbox's keys in [start, end) and more (the caller sorts and cuts): the overlay's puts over LMDB's, its deletions hiding LMDB's. */
  private readOutboxRange(logicalShard: number, start: Buffer, end: Buffer, limit: number): Map<string, Uint8Array> {
    const values = new Map<string, Uint8Array>();
    for (const key of this.smallestStagedOutboxKeys(logicalShard, keyString(start), keyString(end), limit)) values.set(key, this.staged(key)?.value as Uint8Array);
    // LMDB's keys in range that the overlay has not replaced or deleted, a page at a time until `limit` are found.
    let from = start;
    let found = 0;
    for (;;) {
      let read = 0;
      let last: Uint8Array | null = null;
      for (const { key, value } of this.store.range(from, end, limit)) {
        read += 1;
        last = key;
        const text = keyString(key);
        if (this.staged(text) !== undefined) continue;
        values.set(text, value);
        found += 1;
      }
      if (read < limit || found >= limit || last === null) break;
      from = Buffer.concat([last, Buffer.of(0)]);
    }
    return values;
  }

  /** The `limit` smallest outbox keys in [start, end) the overlay puts (the newer generation wins), in order. */
  private smallestStagedOutboxKeys(logicalShard: number, start: string, end: string, limit: number): string[] {
    let kept: string[] = [];
    this.forEachStagedOutboxPut(logicalShard, start, end, (key) => {
      kept.push(key);
      // Sorting and cutting whenever the list reaches four pages keeps the pass O(n log limit).
      if (kept.length >= 4 * limit) kept = kept.sort().slice(0, limit);
    });
    return kept.sort().slice(0, limit);
  }

  /** Calls `visit` with each outbox key of the logical shard in [start, end) whose latest staged mutation is a put, in no order. */
  private forEachStagedOutboxPut(logicalShard: number, start: string, end: string, visit: (key: string) => void): void {
    for (const key of this.active.outboxPuts.get(logicalShard) ?? []) if (key >= start && key < end) visit(key);
    for (const key of this.checkpointing?.outboxPuts.get(logicalShard) ?? []) if (key >= start && key < end && this.active.get(key) === undefined) visit(key);
  }

  /**
   * Counts the entries of an outbox section of a logical shard (every endpoint's), at most `budget`,
   * and the time of the oldest counted (null when none): for /metrics, without decoding payloads.
   */
  countOutbox(logicalShard: number, section: OutboxSection, budget: number): { count: number; oldestAt: number | null } {
    const range = outboxRange(logicalShard, section, null);
    let count = 0;
    let oldestAt: number | null = null;
    const see = (value: Uint8Array): void => {
      count += 1;
      const at = readOutboxEventTime(value);
      oldestAt = oldestAt === null ? at : Math.min(oldestAt, at);
    };
    this.forEachStagedOutboxPut(logicalShard, keyString(range.start), keyString(range.end), (key) => {
      if (count < budget) see(this.staged(key)?.value as Uint8Array);
    });
    for (const { key, value } of this.store.range(range.start, range.end, Math.max(0, budget - count))) {
      if (this.staged(keyString(key)) === undefined) see(value);
    }
    return { count, oldestAt };
  }

  /** What a campaign with a budget has given in a logical shard now (overlay, else LMDB): points and discount, 0 when nothing yet. */
  readCampaignBudget(logicalShard: number, campaign: string): BudgetTotals {
    const key = campaignBudgetKey(logicalShard, campaign);
    const staged = this.staged(keyString(key));
    const bytes = staged !== undefined ? staged.value : this.store.get(key);
    return bytes === undefined || bytes === null ? NOTHING_GIVEN : readCampaignBudget(bytes, `budget of campaign ${campaign} in logical shard ${logicalShard}`);
  }

  /** A coupon now (overlay, else LMDB), on the logical shard of its code; undefined: none. */
  readCoupon(logicalShard: number, code: string): Coupon | undefined {
    const bytes = this.readValue(couponKey(logicalShard, code));
    return bytes === undefined ? undefined : readCoupon(bytes, `coupon ${code}`);
  }

  /**
   * The keys in [start, end) after `after` (from `start` when null) that hold a value now, in key
   * order, at most `limit`: LMDB's, under the overlay's puts and deletions (coupons and their uses:
   * an admin page, not a lane's path, so the overlay is walked whole, as readSettlement does).
   */
  readRange(start: Buffer, end: Buffer, after: Buffer | null, limit: number, staged: ReadonlyMap<string, Uint8Array | null> = this.stagedRange(start, end)): { key: Buffer; value: Uint8Array }[] {
    const from = after === null ? start : Buffer.concat([after, Buffer.of(0)]);
    const fromText = keyString(from);
    const endText = keyString(end);
    const inRange = (key: string): boolean => key >= fromText && key < endText;
    let deletions = 0;
    for (const [key, value] of staged) if (value === null && inRange(key)) deletions += 1;
    // LMDB's first limit + deletions keys hold at least `limit` the overlay leaves visible, when there are so many.
    const byKey = new Map<string, Uint8Array>();
    for (const { key, value } of this.store.range(from, end, limit + deletions)) {
      const text = keyString(key);
      if (!staged.has(text)) byKey.set(text, value);
    }
    for (const [key, value] of staged) if (value !== null && inRange(key)) byKey.set(key, value);
    return [...byKey.keys()]
      .sort()
      .slice(0, limit)
      .map((key) => ({ key: Buffer.from(key, "latin1"), value: byKey.get(key) as Uint8Array }));
  }

  /** The overlay's mutations of the keys in [start, end), the newer generation's winning (null: a deletion): one pass over the overlay, for readRange. */
  stagedRange(start: Buffer, end: Buffer): Map<string, Uint8Array | null> {
    const startText = keyString(start);
    const endText = keyString(end);
    const staged = new Map<string, Uint8Array | null>();
    for (const generation of [this.checkpointing, this.active]) {
      for (const [key, mutation] of generation?.entries ?? []) if (key >= startText && key < endText) staged.set(key, mutation.value ?? null);
    }
    return staged;
  }

  /** The member a receipt's use of a coupon names now; undefined: the receipt has no use of it. */
  readCouponUse(logicalShard: number, code: string, store: string, receiptId: string): string | undefined {
    const bytes = this.readValue(couponUseKey(logicalShard, code, store, receiptId));
    return bytes === undefined ? undefined : readCouponUse(bytes, `use of coupon ${code} by receipt ${receiptId}`);
  }

  /** One key's value now: the overlay's (a deletion there hides LMDB's), else LMDB's. */
  private readValue(key: Buffer): Uint8Array | undefined {
    const staged = this.staged(keyString(key));
    if (staged !== undefined) return staged.value ?? undefined;
    return this.store.get(key);
  }

  /** The value of one outbox key now (overlay, else LMDB); undefined when absent. */
  readOutboxValue(key: Buffer): Uint8Array | undefined {
    const staged = this.staged(keyString(key));
    if (staged !== undefined) return staged.value ?? undefined;
    return this.store.get(key);
  }

  /** Applies a logged record that changes no account (outbox deliveries): its mutations join the filling generation. */
  applyWithoutAccount(sequence: number, mutations: readonly Mutation[]): void {
    this.active.stage(sequence, null, mutations, false);
  }

  /** Members with an account in LMDB (the expiry sweep's walk); members only in the overlay are seen after the next checkpoint. */
  scanStoredMembers(logicalShard: number, afterMemberId: string | null, limit: number): string[] {
    return this.store.scanMembers(logicalShard, afterMemberId, limit);
  }

  /**
   * Members with an account in LMDB or only in the overlay (enrolled since
   * the last checkpoint), in key order, after `afterMemberId`, at most
   * `limit`: for the admin's sweeps (a segment's preview, its coupons, a
   * survey's invitations), which must see a member enrolled a moment ago.
   * Costs a pass over the pinned accounts per page; the walks on the timer
   * use scanStoredMembers and wait for a checkpoint instead.
   */
  scanMembers(logicalShard: number, afterMemberId: string | null, limit: number): string[] {
    const stored = this.store.scanMembers(logicalShard, afterMemberId, limit);
    const pinned = this.pinnedOf(logicalShard);
    if (pinned.length === 0) return stored;
    const after = afterMemberId === null ? null : memberPrefix(logicalShard, afterMemberId);
    // A full page ends at its last stored member: pinned members past it belong to a later page.
    const lastStored = stored.at(-1);
    const through = stored.length < limit || lastStored === undefined ? null : memberPrefix(logicalShard, lastStored);
    const keyOf = new Map<string, Buffer>(stored.map((memberId) => [memberId, memberPrefix(logicalShard, memberId)]));
    for (const { memberId } of pinned) {
      if (keyOf.has(memberId)) continue;
      const key = memberPrefix(logicalShard, memberId);
      if ((after !== null && key.compare(after) <= 0) || (through !== null && key.compare(through) > 0)) continue;
      keyOf.set(memberId, key);
    }
    if (keyOf.size === stored.length) return stored;
    return [...keyOf.entries()]
      .sort(([, left], [, right]) => left.compare(right))
      .slice(0, limit)
      .map(([memberId]) => memberId);
  }

  /**
   * Applies one logged operation: its mutations join the filling generation
   * and the member's account after it is pinned. `historySequences` names the
   * history entries among the mutations (for history reads); `commitsReceipt`
   * says the operation committed a receipt (for the receipt index's floor).
   */
  apply(sequence: number, account: Account, mutations: readonly Mutation[], historySequences: readonly number[], commitsReceipt = false): void {
    const member = memberKey(account.logicalShard, account.memberId);
    this.active.stage(sequence, member, mutations, commitsReceipt);
    for (const historySequence of historySequences) this.active.noteHistory(member, historySequence);
    this.cached.delete(member);
    this.pinned.set(member, account);
  }

  /**
   * Freezes the filling generation for a checkpoint and starts a new one;
   * null when there is nothing to write or a checkpoint is in flight. The
   * frozen generation keeps answering reads until finishCheckpoint.
   */
  beginCheckpoint(): OverlayGeneration | null {
    if (this.checkpointing !== null || this.active.isEmpty) return null;
    this.checkpointing = this.active;
    this.active = new OverlayGeneration();
    return this.checkpointing;
  }

  /** The frozen generation is in LMDB: members staged only there move from pinned to the cache. */
  finishCheckpoint(written: OverlayGeneration): void {
    assert(this.checkpointing === written, "the generation in flight is the one finished");
    this.checkpointing = null;
    for (const member of written.members) {
      if (this.active.members.has(member)) continue;
      const account = this.pinned.get(member);
      assert(account !== undefined, "a member staged in a generation is pinned");
      this.pinned.delete(member);
      this.remember(member, account);
    }
  }

  private staged(key: string): Mutation | undefined {
    return this.active.get(key) ?? this.checkpointing?.get(key);
  }

  private remember(member: string, account: Account): void {
    this.cached.delete(member);
    this.cached.set(member, account);
    if (this.cached.size > this.cacheEntriesMax) {
      let oldest = this.evictionCursor?.next();
      if (oldest === undefined || oldest.done === true) {
        this.evictionCursor = this.cached.keys();
        oldest = this.evictionCursor.next();
      }
      assert(oldest.done !== true, "a cache over its bound has entries");
      this.cached.delete(oldest.value);
    }
  }
}

/**
 * A member's key in the state's maps: the member id itself, since it
 * determines the logical shard (asserted). The id arrives as one flat string
 * per request and keeps its hash across the request's several reads; a
 * "<shard>/<id>" made per read was a new, unflattened string each time,
 * hashed and compared anew on every map access.
 */
function memberKey(logicalShard: number, memberId: string): string {
  if (logicalShardOf(memberId) !== logicalShard) assert(false, `member ${memberId} belongs to logical shard ${logicalShard}`);
  return memberId;
}
