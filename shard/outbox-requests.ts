// Thread: a shard worker thread (called by the shard actor, one message at a time).
import { assert } from "../domain/assert/assert.js";
import type { Failure, Outcome } from "../protocol/errors/loycore-error.js";
import { MutationPayloadWriter } from "./storage/mutation-payload.js";
import { OUTBOX_MEMBER, outboxKey, recordKey, type OutboxSection } from "./storage/record-keys.js";
import { writeReceiptRecord } from "./storage/records/receipt-record-codec.js";
import type { ReceiptRecord } from "./storage/shard-store.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import { outboxEventId, readOutboxEvent, writeOutboxEvent } from "./storage/records/outbox-codec.js";
import type { Mutation } from "./storage/mutation.js";
import type { ShardState } from "./state/shard-state.js";
import {
  OUTBOX_PAGE_ENTRIES_MAX,
  OUTBOX_UPDATE_CHANGES_MAX,
  type OutboxChange,
  type OutboxEntry,
  type OutboxEventRef,
  type OutboxPage,
  type OutboxReadShardRequest,
  type OutboxStats,
} from "./shard-messages.js";

/**
 * Entries an outbox count walks per shard thread at most (a few microseconds
 * each, so about 20 ms of its time at worst, once per /metrics scrape): past
 * it, the figures are lower bounds (`complete: false`) rather than a long
 * walk on the thread lanes wait for.
 */
export const OUTBOX_STATS_ENTRIES_MAX = 5_000;

/** What the outbox requests need of the actor: its state, its logical shards, and a way to log a record. */
export interface OutboxHost {
  readonly state: ShardState;
  readonly owned: ReadonlySet<number>;
  /** Appends the payload as one log record and applies its mutations (no account changes): the record's sequence, or why not. */
  logWithoutAccount(payload: Buffer, mutations: readonly Mutation[]): Outcome<{ readonly sequence: number }>;
  /** The actor's refusal of state changes now (a full overlay), or null. */
  refusal(): Failure | null;
}

/** A page of one outbox section over the owned logical shards, in logical shard then key order. */
export function outboxPage(host: OutboxHost, request: Pick<OutboxReadShardRequest, "section" | "endpoint" | "after" | "limit">): OutboxPage {
  const limit = Math.min(Math.max(1, request.limit), OUTBOX_PAGE_ENTRIES_MAX);
  const entries: OutboxEntry[] = [];
  for (const logicalShard of [...host.owned].sort((left, right) => left - right)) {
    if (request.after !== null && logicalShard < request.after.logicalShard) continue;
    const after = request.after?.logicalShard === logicalShard ? request.after.key : null;
    const page = host.state.readOutbox(logicalShard, request.section, request.endpoint, after, limit - entries.length);
    for (const { event, endpoint, dead } of page) entries.push({ ...event, id: outboxEventId(event), endpoint, dead });
    const last = page[page.length - 1];
    if (entries.length >= limit && last !== undefined) return { entries, next: { logicalShard, key: last.key } };
  }
  return { entries, next: null };
}

/** Where each logical shard keeps how many events the delivery loop has handed out of it, ever (a keyed record of its outbox). */
const HANDED_OUT_RECORD_ID = "events handed out";

/** Events handed out of the logical shard's outbox so far (0 before the first). */
function handedOut(state: ShardState, logicalShard: number): number {
  const record = state.readRecord(logicalShard, OUTBOX_MEMBER, ADMIN_RECORD_STORE, HANDED_OUT_RECORD_ID);
  return record === undefined ? 0 : (record.answer as { readonly count: number }).count;
}

/** The count of events handed out of the logical shard after `more` more: written in the same record as their fan-out. */
function handedOutWrite(payload: MutationPayloadWriter, state: ShardState, logicalShard: number, more: number): void {
  const record: ReceiptRecord = { logicalShard, store: ADMIN_RECORD_STORE, receiptId: HANDED_OUT_RECORD_ID, memberId: OUTBOX_MEMBER, fingerprint: "", answer: { count: handedOut(state, logicalShard) + more } };
  payload.put(recordKey(logicalShard, OUTBOX_MEMBER, ADMIN_RECORD_STORE, HANDED_OUT_RECORD_ID), (writer) => writeReceiptRecord(writer, record));
}

/**
 * The counts for /metrics, walking at most OUTBOX_STATS_ENTRIES_MAX entries.
 * `emitted`: every event ever written to the owned logical shards' outboxes,
 * those handed out (counted in the outbox, in the fan-out's own records: the
 * same after a restart) and those still waiting to be.
 */
export function outboxStats(host: OutboxHost): OutboxStats {
  let budget = OUTBOX_STATS_ENTRIES_MAX;
  let oldest: number | null = null;
  const count = (section: OutboxSection, trackAge: boolean): number => {
    let counted = 0;
    for (const logicalShard of host.owned) {
      if (budget <= 0) break;
      const found = host.state.countOutbox(logicalShard, section, budget);
      counted += found.count;
      budget -= found.count;
      if (trackAge && found.oldestAt !== null) oldest = oldest === null ? found.oldestAt : Math.min(oldest, found.oldestAt);
    }
    return counted;
  };
  const waiting = count("events", true);
  const undelivered = waiting + count("queue", true);
  const dead = count("dead", false);
  let emitted = waiting;
  for (const logicalShard of host.owned) emitted += handedOut(host.state, logicalShard);
  return { undelivered, dead, oldestUndeliveredAt: oldest, complete: budget > 0, emitted };
}

/**
 * Applies the delivery loop's changes as one log record; resolves to how many found their entry
 * (the rest were done already: a repeat after a lost answer changes nothing), or a refusal.
 */
export function applyOutboxChanges(host: OutboxHost, changes: readonly OutboxChange[]): Outcome<{ applied: number; sequence: number | null }> {
  assert(changes.length <= OUTBOX_UPDATE_CHANGES_MAX, `an outbox update carries at most ${OUTBOX_UPDATE_CHANGES_MAX} changes`);
  const refusal = host.refusal();
  if (refusal !== null) return refusal;
  const payload = new MutationPayloadWriter();
  let applied = 0;
  const handedOutBy = new Map<number, number>();
  for (const change of changes) {
    const { logicalShard } = change.event;
    if (!host.owned.has(logicalShard)) assert(false, `the outbox change's logical shard ${logicalShard} is this thread's`);
    if (!applyChange(host.state, payload, change)) continue;
    applied += 1;
    if (change.op === "fanOut") handedOutBy.set(logicalShard, (handedOutBy.get(logicalShard) ?? 0) + 1);
  }
  for (const [logicalShard, more] of handedOutBy) handedOutWrite(payload, host.state, logicalShard, more);
  const { payload: bytes, mutations } = payload.finish();
  if (applied === 0) return { ok: true, applied, sequence: null };
  const logged = host.logWithoutAccount(bytes, mutations);
  if (!logged.ok) return logged;
  return { ok: true, applied, sequence: logged.sequence };
}

/** One change's mutations; false when its entry is not there (done already). */
function applyChange(state: ShardState, payload: MutationPayloadWriter, change: OutboxChange): boolean {
  const { logicalShard } = change.event;
  const source = sourceOf(change);
  const from = outboxKey(logicalShard, source.section, source.endpoint, change.event);
  const value = state.readOutboxValue(from);
  if (value === undefined) return false;
  const { event } = readOutboxEvent(change.event, value);
  payload.delete(from);
  switch (change.op) {
    case "fanOut":
      for (const endpoint of new Set(change.endpoints)) payload.put(outboxKey(logicalShard, "queue", endpoint, change.event), (writer) => writeOutboxEvent(writer, event));
      break;
    case "dead":
      payload.put(outboxKey(logicalShard, "dead", change.endpoint, change.event), (writer) =>
        writeOutboxEvent(writer, event, { attempts: change.attempts, failedAt: change.failedAt, error: change.error }),
      );
      break;
    case "replay":
      payload.put(outboxKey(logicalShard, "queue", change.endpoint, change.event), (writer) => writeOutboxEvent(writer, event));
      break;
    case "delivered":
    case "drop":
      break;
  }
  return true;
}

function sourceOf(change: OutboxChange): { section: OutboxSection; endpoint: string | null } {
  switch (change.op) {
    case "fanOut":
      return { section: "events", endpoint: null };
    case "delivered":
    case "dead":
      return { section: "queue", endpoint: change.endpoint };
    case "replay":
      return { section: "dead", endpoint: change.endpoint };
    case "drop":
      return { section: change.section, endpoint: change.endpoint };
  }
}

export type { OutboxEventRef };
