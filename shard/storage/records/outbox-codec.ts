import { assert } from "../../../domain/assert/assert.js";
import type { OutboxEventAddress } from "../record-keys.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * An outbox event at rest (docs/notifications.md): the parts its key does
 * not hold (record-keys.ts outboxKey holds the member, the sequence and the
 * number). The same value sits under the events section, then under each
 * endpoint's queue; a dead letter adds how many attempts were made, when
 * the last failed and why. read(write(event)) equals the event.
 */
const OUTBOX_EVENT_FORMAT = 1;
const OUTBOX_DEAD_LETTER_FORMAT = 2;

/** A JSON-able event payload: integers for money and points. */
export type EventData = Readonly<Record<string, string | number | boolean | null>>;

export interface OutboxEvent extends OutboxEventAddress {
  readonly logicalShard: number;
  readonly kind: string;
  /** When the operation that caused it happened, epoch milliseconds. */
  readonly at: number;
  readonly data: EventData;
}

export interface DeadLetterDetail {
  readonly attempts: number;
  readonly failedAt: number;
  readonly error: string;
}

export function writeOutboxEvent(writer: RecordWriter, event: OutboxEvent, dead: DeadLetterDetail | null = null): void {
  writer.byte(dead === null ? OUTBOX_EVENT_FORMAT : OUTBOX_DEAD_LETTER_FORMAT);
  writer.string(event.kind);
  writer.int(event.at);
  writer.string(JSON.stringify(event.data));
  if (dead === null) return;
  writer.uint(dead.attempts);
  writer.int(dead.failedAt);
  writer.string(dead.error);
}

export function readOutboxEvent(where: OutboxEventAddress & { readonly logicalShard: number }, bytes: Uint8Array): { event: OutboxEvent; dead: DeadLetterDetail | null } {
  const what = `outbox event ${where.sequence}-${where.number} of member ${where.memberId}`;
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== OUTBOX_EVENT_FORMAT && format !== OUTBOX_DEAD_LETTER_FORMAT) assert(false, `${what}: format ${format} is known`);
  const event: OutboxEvent = {
    logicalShard: where.logicalShard,
    memberId: where.memberId,
    sequence: where.sequence,
    number: where.number,
    kind: reader.string(),
    at: reader.int(),
    data: JSON.parse(reader.string()) as EventData,
  };
  const dead = format === OUTBOX_DEAD_LETTER_FORMAT ? { attempts: reader.uint(), failedAt: reader.int(), error: reader.string() } : null;
  assert(reader.done, `${what}: the record ends after its value`);
  return { event, dead };
}

/** An event's time alone, without decoding its payload (the outbox's counts for /metrics). */
export function readOutboxEventTime(bytes: Uint8Array): number {
  const reader = new RecordReader(bytes, "an outbox event");
  const format = reader.byte();
  if (format !== OUTBOX_EVENT_FORMAT && format !== OUTBOX_DEAD_LETTER_FORMAT) assert(false, `an outbox event's format ${format} is known`);
  reader.string();
  return reader.int();
}

/** An event's id: unique, and the same across restarts and deliveries (the receiver's idempotency key). */
export function outboxEventId(event: OutboxEventAddress & { readonly logicalShard: number }): string {
  return `${event.logicalShard}-${event.memberId}-${event.sequence}-${event.number}`;
}
