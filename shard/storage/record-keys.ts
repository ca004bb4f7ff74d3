import { assert } from "../../domain/assert/assert.js";

/**
 * The binary keys of a shard's state, shared by the LMDB store, the log's
 * records and the in-memory overlay: one byte layout, compared as bytes.
 *
 *   [logical shard: u8][family: u8 "m"][member id length: u8][member id: ASCII]
 *   [kind: u8] then, by kind:
 *     "a"  account (its profile, counters, balances, holds): nothing more
 *     "c"  a chunk of the account's open point lots: [chunk index: u32 big-endian]
 *     "h"  a history entry: [HISTORY_ORDER_BASE - sequence: u48 big-endian] (newest first)
 *     "r"  a keyed record (receipt, refund, cancel, visit, adjustment):
 *          [store length: u8][store][record id length: u8][record id]
 *
 * Why this order: the logical shard first makes one logical shard one
 * contiguous range (what moving it to another thread or node copies); the
 * member next keeps all of one member's records on neighbouring pages (one
 * commit dirties one or two leaves, not four); within a member the account
 * sorts first ("a" < "c" < "h" < "r"), so walking members is one seek each,
 * and history is newest first, so a new entry lands right after the lots.
 * Lengths are prefixed, not terminated, so any byte may occur in an id; the
 * order among members is (length, bytes), which is all a walk needs.
 */

export const MEMBER_FAMILY = 0x6d; // "m"
export const ACCOUNT_KIND = 0x61; // "a"
export const LOT_CHUNK_KIND = 0x63; // "c"
export const HISTORY_KIND = 0x68; // "h"
export const RECORD_KIND = 0x72; // "r"
export const SETTLEMENT_KIND = 0x73; // "s"

/**
 * The logical shard's settlement entries live under this pseudo member: a
 * "~" never occurs in a member id, so it is no member's, and the scans of
 * members skip it (its first key is no account). Under one prefix per
 * logical shard, entries sort by day: a report of days is one range read.
 */
export const SETTLEMENT_MEMBER = "~settlement";
const SETTLEMENT_DAY_MAX = 2 ** 32 - 1;

/**
 * The logical shard's outbox (docs/notifications.md) lives under this pseudo
 * member, as the settlement entries do: events written by operations
 * ("e"), copied per webhook endpoint for delivery ("q"), and dead letters
 * per endpoint ("d"). Within a section, keys sort by endpoint (q, d), then
 * member, then the member's operation sequence and the event's number in
 * it: each member's events in the order they happened.
 */
export const OUTBOX_MEMBER = "~outbox";
export const OUTBOX_EVENT_KIND = 0x65; // "e"
export const OUTBOX_QUEUE_KIND = 0x71; // "q"
export const OUTBOX_DEAD_KIND = 0x64; // "d"
/** Family intents and pool holds waiting for the relay (domain/family, gateway/operations/family-relay.ts): keyed like events. */
export const OUTBOX_FAMILY_KIND = 0x66; // "f"
/**
 * The reminder index (docs/notifications.md, "Reminders"), beside the outbox's
 * sections: [outbox prefix]["t"][due time: u48 ms][member length][member],
 * so the entries due by a time are one range from the start, in time order.
 * An entry only says "look at this member then": the member's account says
 * what is due.
 */
export const REMINDER_INDEX_KIND = 0x74; // "t"
/** Due times are milliseconds since the epoch in 48 bits (up to the year 10889). */
const REMINDER_DUE_MAX = 2 ** 48 - 1;
/**
 * The trigger index (docs/campaigns.md, "Triggers at scale"), beside the
 * reminder index: [outbox prefix]["y"][which: "b" birthday | "r" registration]
 * [month: u8][day: u8][member length][member], so one local month-day's
 * members are one range. Kept only while a date trigger is active; an entry
 * only says "look at this member on this day": the account says whether the
 * date is still theirs (a stale entry is skipped).
 */
export const TRIGGER_INDEX_KIND = 0x79; // "y"
/** Progress of the index's backfill and the trigger walks, per logical shard: [outbox prefix]["w"][name length][name]. */
export const TRIGGER_PROGRESS_KIND = 0x77; // "w"
export type TriggerIndexWhich = "birthday" | "registration";
const TRIGGER_INDEX_WHICH: Readonly<Record<TriggerIndexWhich, number>> = { birthday: 0x62, registration: 0x72 };
export type OutboxSection = "events" | "queue" | "dead" | "family";
const OUTBOX_SECTION_KINDS: Readonly<Record<OutboxSection, number>> = { events: OUTBOX_EVENT_KIND, queue: OUTBOX_QUEUE_KIND, dead: OUTBOX_DEAD_KIND, family: OUTBOX_FAMILY_KIND };
/** Events per operation are numbered in one byte. */
const OUTBOX_EVENT_NUMBER_MAX = 255;

/**
 * What campaigns with a budget have given in the logical shard lives under
 * this pseudo member, one key per campaign: [prefix]["b"][campaign length][campaign].
 */
export const BUDGET_MEMBER = "~budget";
export const BUDGET_KIND = 0x62; // "b"

/**
 * Coupons (domain/campaigns/coupons.ts) live on the logical shard their code
 * hashes to, under this pseudo member: the coupon ["k"][code] and each use
 * ["u"][code][store][receipt id], which names the member who used it.
 */
export const COUPON_MEMBER = "~coupon";
export const COUPON_KIND = 0x6b; // "k"
export const COUPON_USE_KIND = 0x75; // "u"

/**
 * Survey answers (docs/surveys.md) live on the member's logical shard under
 * this pseudo member, as keyed records: store = the survey id, record id =
 * "answer <member id>". A survey's answers in a logical shard are then one
 * range, in member order (member ids have one length); the space keeps them
 * out of the receipts a replay reports to the receipt index.
 */
export const SURVEY_MEMBER = "~survey";

/** Logical shards are 0..255: one byte. */
const LOGICAL_SHARD_MAX = 255;
/** Ids are length-prefixed with one byte; client ids are at most 64 bytes (domain/limits.ts), record ids add a word. */
const KEY_PART_BYTES_MAX = 255;
/** History sequences are u48 in the key; an account would need 2^48 operations to reach it. */
const HISTORY_SEQUENCE_MAX = 2 ** 48 - 1;
/** A history key holds this minus the sequence, so the newest entry sorts first. */
const HISTORY_ORDER_BASE = HISTORY_SEQUENCE_MAX;
/** Member ids are printable ASCII, space to tilde. */
const PRINTABLE_ASCII_FIRST = 0x20;
const PRINTABLE_ASCII_LAST = 0x7e;
/** Chunk indices are u32. */
const LOT_CHUNK_INDEX_MAX = 2 ** 32 - 1;

export type RecordKey = Buffer;

/** The bytes every key of one member starts with. */
export function memberPrefix(logicalShard: number, memberId: string): Buffer {
  return memberKeyWith(logicalShard, memberId, 0);
}

export function accountKey(logicalShard: number, memberId: string): RecordKey {
  return withKind(logicalShard, memberId, ACCOUNT_KIND, 0);
}

export function lotChunkKey(logicalShard: number, memberId: string, chunkIndex: number): RecordKey {
  assert(Number.isInteger(chunkIndex) && chunkIndex >= 0 && chunkIndex <= LOT_CHUNK_INDEX_MAX, "a lot chunk index is a u32");
  const key = withKind(logicalShard, memberId, LOT_CHUNK_KIND, 4);
  key.writeUInt32BE(chunkIndex, key.length - 4);
  return key;
}

export function historyKey(logicalShard: number, memberId: string, sequence: number): RecordKey {
  assert(Number.isInteger(sequence) && sequence >= 0 && sequence <= HISTORY_SEQUENCE_MAX, "a history sequence fits 48 bits");
  const key = withKind(logicalShard, memberId, HISTORY_KIND, 6);
  key.writeUIntBE(HISTORY_ORDER_BASE - sequence, key.length - 6, 6);
  return key;
}

export function recordKey(logicalShard: number, memberId: string, store: string, recordId: string): RecordKey {
  const storeLength = Buffer.byteLength(store, "utf8");
  const idLength = Buffer.byteLength(recordId, "utf8");
  assert(storeLength <= KEY_PART_BYTES_MAX && idLength <= KEY_PART_BYTES_MAX, "a store and a record id are at most 255 bytes each");
  // One buffer for the whole key: [member prefix][RECORD_KIND][store length][store][id length][id].
  const key = withKind(logicalShard, memberId, RECORD_KIND, 2 + storeLength + idLength);
  let at = memberKeyBytes(memberId) + 1;
  key[at++] = storeLength;
  at += key.write(store, at, storeLength, "utf8");
  key[at++] = idLength;
  key.write(recordId, at, idLength, "utf8");
  return key;
}

/** The keys of the records of one store of a member ([start, end)): every record id is shorter than 255 bytes, so its length byte is below 0xff. */
export function recordStoreRange(logicalShard: number, memberId: string, store: string): { readonly start: RecordKey; readonly end: RecordKey } {
  const start = recordKey(logicalShard, memberId, store, "");
  const end = Buffer.from(start);
  end[end.length - 1] = 0xff;
  return { start, end };
}

/** The first key of `kind` within a member, and the first key after every key of that kind. */
/**
 * A settlement entry: [settlement prefix]["s"][day u32][issuer][redeemer][member][sequence u48], the
 * day (UTC days since 1970) of the redemption or return, the partners and the member's operation.
 */
export function settlementKey(logicalShard: number, entry: { readonly day: number; readonly issuer: string; readonly redeemer: string; readonly memberId: string; readonly sequence: number }): RecordKey {
  const { day, issuer, redeemer, memberId, sequence } = entry;
  assert(Number.isInteger(day) && day >= 0 && day <= SETTLEMENT_DAY_MAX, "a settlement day is a u32");
  assert(Number.isInteger(sequence) && sequence >= 0 && sequence <= HISTORY_SEQUENCE_MAX, "a settlement sequence fits 48 bits");
  const parts = [issuer, redeemer, memberId].map((part) => Buffer.from(part, "utf8"));
  for (const part of parts) assert(part.length <= KEY_PART_BYTES_MAX, "a settlement key part is at most 255 bytes");
  const key = withKind(logicalShard, SETTLEMENT_MEMBER, SETTLEMENT_KIND, 4 + parts.reduce((sum, part) => sum + 1 + part.length, 0) + 6);
  let at = memberKeyBytes(SETTLEMENT_MEMBER) + 1;
  key.writeUInt32BE(day, at);
  at += 4;
  for (const part of parts) {
    key[at++] = part.length;
    at += part.copy(key, at);
  }
  key.writeUIntBE(sequence, at, 6);
  return key;
}

/** The key of what a campaign with a budget has given in a logical shard. */
export function campaignBudgetKey(logicalShard: number, campaign: string): RecordKey {
  const bytes = Buffer.from(campaign, "utf8");
  assert(bytes.length <= KEY_PART_BYTES_MAX, "a campaign id is at most 255 bytes");
  const key = withKind(logicalShard, BUDGET_MEMBER, BUDGET_KIND, 1 + bytes.length);
  const at = memberKeyBytes(BUDGET_MEMBER) + 1;
  key[at] = bytes.length;
  bytes.copy(key, at + 1);
  return key;
}

/** A coupon's key, on the logical shard of its code. */
export function couponKey(logicalShard: number, code: string): RecordKey {
  const key = withKind(logicalShard, COUPON_MEMBER, COUPON_KIND, 1 + code.length);
  const at = memberKeyBytes(COUPON_MEMBER) + 1;
  assert(code.length <= KEY_PART_BYTES_MAX, "a coupon code is at most 255 bytes");
  key[at] = code.length;
  key.write(code, at + 1, "latin1");
  return key;
}

/** The key of one use of a coupon: by the receipt (store, receipt id) that used it. */
export function couponUseKey(logicalShard: number, code: string, store: string, receiptId: string): RecordKey {
  const parts = [code, store, receiptId].map((part) => Buffer.from(part, "utf8"));
  for (const part of parts) assert(part.length <= KEY_PART_BYTES_MAX, "a coupon use's key part is at most 255 bytes");
  const key = withKind(logicalShard, COUPON_MEMBER, COUPON_USE_KIND, parts.reduce((sum, part) => sum + 1 + part.length, 0));
  let at = memberKeyBytes(COUPON_MEMBER) + 1;
  for (const part of parts) {
    key[at++] = part.length;
    at += part.copy(key, at);
  }
  return key;
}

/** Every coupon of a logical shard (couponKey), in code order. */
export function couponRange(logicalShard: number): { start: RecordKey; end: RecordKey } {
  return memberKindRange(logicalShard, COUPON_MEMBER, COUPON_KIND);
}

/** Every use of one coupon (couponUseKey), in (store, receipt id) order. */
export function couponUseRange(logicalShard: number, code: string): { start: RecordKey; end: RecordKey } {
  const bytes = Buffer.from(code, "utf8");
  assert(bytes.length > 0 && bytes.length <= KEY_PART_BYTES_MAX, "a coupon code is 1 to 255 bytes");
  const start = withKind(logicalShard, COUPON_MEMBER, COUPON_USE_KIND, 1 + bytes.length);
  const at = memberKeyBytes(COUPON_MEMBER) + 1;
  start[at] = bytes.length;
  bytes.copy(start, at + 1);
  // The first key past every key with this prefix: the code's last byte one higher (a code's bytes are below 0xff: ASCII).
  const end = Buffer.from(start);
  assert((end[end.length - 1] as number) < 0xff, "a coupon code's last byte is below 0xff");
  end[end.length - 1] = (end[end.length - 1] as number) + 1;
  return { start, end };
}

/** The code a coupon key names (couponKey's inverse). */
export function decodeCouponKey(key: Uint8Array): string {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const at = memberKeyBytes(COUPON_MEMBER) + 1;
  assert(bytes[at - 1] === COUPON_KIND, "a coupon key has the coupon kind");
  return bytes.toString("latin1", at + 1, at + 1 + (bytes[at] as number));
}

/** The receipt a coupon use key names (couponUseKey's inverse): its store and receipt id. */
export function decodeCouponUseKey(key: Uint8Array): { readonly code: string; readonly store: string; readonly receiptId: string } {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  let at = memberKeyBytes(COUPON_MEMBER) + 1;
  assert(bytes[at - 1] === COUPON_USE_KIND, "a coupon use key has the use kind");
  const parts: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    const length = bytes[at] as number;
    parts.push(bytes.toString("utf8", at + 1, at + 1 + length));
    at += 1 + length;
  }
  assert(at === bytes.length, "a coupon use key ends after its receipt id");
  return { code: parts[0] as string, store: parts[1] as string, receiptId: parts[2] as string };
}

/** What a settlement key holds (settlementKey's inverse). */
export function decodeSettlementKey(key: Uint8Array): { logicalShard: number; day: number; issuer: string; redeemer: string; memberId: string; sequence: number } {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  let at = memberKeyBytes(SETTLEMENT_MEMBER);
  assert(bytes[1] === MEMBER_FAMILY && bytes[2] === SETTLEMENT_MEMBER.length && bytes[at] === SETTLEMENT_KIND, "a settlement key is under the settlement prefix");
  at += 1;
  const day = bytes.readUInt32BE(at);
  at += 4;
  const parts: string[] = [];
  for (let index = 0; index < 3; index += 1) {
    const length = bytes[at] as number;
    parts.push(bytes.toString("utf8", at + 1, at + 1 + length));
    at += 1 + length;
  }
  assert(bytes.length === at + 6, "a settlement key ends with a u48");
  const [issuer = "", redeemer = "", memberId = ""] = parts;
  return { logicalShard: bytes[0] as number, day, issuer, redeemer, memberId, sequence: bytes.readUIntBE(at, 6) };
}

/** The settlement entries of days [fromDay, toDay) of one logical shard. */
export function settlementDayRange(logicalShard: number, fromDay: number, toDay: number): { start: RecordKey; end: RecordKey } {
  const bound = (day: number): RecordKey => {
    const key = withKind(logicalShard, SETTLEMENT_MEMBER, SETTLEMENT_KIND, 4);
    key.writeUInt32BE(Math.min(day, SETTLEMENT_DAY_MAX), key.length - 4);
    return key;
  };
  return toDay > SETTLEMENT_DAY_MAX
    ? { start: bound(fromDay), end: withKind(logicalShard, SETTLEMENT_MEMBER, SETTLEMENT_KIND + 1, 0) }
    : { start: bound(fromDay), end: bound(toDay) };
}

/** Where an event is: its member, the member's operation sequence, its number within the operation. */
export interface OutboxEventAddress {
  readonly memberId: string;
  readonly sequence: number;
  readonly number: number;
}

/**
 * An outbox key: [outbox prefix][section kind]([endpoint length][endpoint])?
 * [member length][member][sequence u48][number u8]; the endpoint for the
 * queue and dead sections only.
 */
export function outboxKey(logicalShard: number, section: OutboxSection, endpoint: string | null, address: OutboxEventAddress): RecordKey {
  const { memberId, sequence, number } = address;
  assert((section === "events" || section === "family") === (endpoint === null), "only queued and dead events name an endpoint");
  assert(Number.isInteger(sequence) && sequence >= 0 && sequence <= HISTORY_SEQUENCE_MAX, "an event's sequence fits 48 bits");
  assert(Number.isInteger(number) && number >= 0 && number <= OUTBOX_EVENT_NUMBER_MAX, "an event's number is a byte");
  const endpointBytes = endpoint === null ? null : Buffer.from(endpoint, "latin1");
  const member = Buffer.from(memberId, "latin1");
  assert(member.length > 0 && member.length <= KEY_PART_BYTES_MAX && (endpointBytes?.length ?? 0) <= KEY_PART_BYTES_MAX, "outbox key parts are at most 255 bytes");
  const key = withKind(logicalShard, OUTBOX_MEMBER, OUTBOX_SECTION_KINDS[section], (endpointBytes === null ? 0 : 1 + endpointBytes.length) + 1 + member.length + 7);
  let at = memberKeyBytes(OUTBOX_MEMBER) + 1;
  if (endpointBytes !== null) {
    key[at++] = endpointBytes.length;
    at += endpointBytes.copy(key, at);
  }
  key[at++] = member.length;
  at += member.copy(key, at);
  key.writeUIntBE(sequence, at, 6);
  key[at + 6] = number;
  return key;
}

/** What an outbox key holds (outboxKey's inverse). */
export function decodeOutboxKey(key: Uint8Array): { logicalShard: number; section: OutboxSection; endpoint: string | null } & OutboxEventAddress {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  let at = memberKeyBytes(OUTBOX_MEMBER);
  assert(bytes[1] === MEMBER_FAMILY && bytes.toString("latin1", 3, at) === OUTBOX_MEMBER, "an outbox key is under the outbox prefix");
  const kind = bytes[at++];
  const section = (Object.keys(OUTBOX_SECTION_KINDS) as OutboxSection[]).find((name) => OUTBOX_SECTION_KINDS[name] === kind);
  assert(section !== undefined, "an outbox key names its section");
  let endpoint: string | null = null;
  if (section === "queue" || section === "dead") {
    const length = bytes[at] as number;
    endpoint = bytes.toString("latin1", at + 1, at + 1 + length);
    at += 1 + length;
  }
  const memberLength = bytes[at] as number;
  const memberId = bytes.toString("latin1", at + 1, at + 1 + memberLength);
  at += 1 + memberLength;
  assert(bytes.length === at + 7, "an outbox key ends with a u48 and a byte");
  return { logicalShard: bytes[0] as number, section, endpoint, memberId, sequence: bytes.readUIntBE(at, 6), number: bytes[at + 6] as number };
}

/** The keys of one outbox section of a logical shard, or of one endpoint's part of it. */
export function outboxRange(logicalShard: number, section: OutboxSection, endpoint: string | null): { start: RecordKey; end: RecordKey } {
  const kind = OUTBOX_SECTION_KINDS[section];
  if (endpoint === null) return { start: withKind(logicalShard, OUTBOX_MEMBER, kind, 0), end: withKind(logicalShard, OUTBOX_MEMBER, kind + 1, 0) };
  const endpointBytes = Buffer.from(endpoint, "latin1");
  assert(endpointBytes.length <= KEY_PART_BYTES_MAX, "an endpoint id is at most 255 bytes");
  const start = Buffer.concat([withKind(logicalShard, OUTBOX_MEMBER, kind, 0), Buffer.of(endpointBytes.length), endpointBytes]);
  // Past every key with this endpoint: the same prefix with its last byte raised (or the section's end).
  return { start, end: Buffer.concat([start, Buffer.of(0xff, 0xff)]) };
}

/** A reminder index entry: look at `memberId` at `due`. */
export function reminderKey(logicalShard: number, due: number, memberId: string): RecordKey {
  assert(Number.isInteger(due) && due >= 0 && due <= REMINDER_DUE_MAX, "a reminder's due time fits 48 bits");
  const member = Buffer.from(memberId, "latin1");
  assert(member.length > 0 && member.length <= KEY_PART_BYTES_MAX, "a member id is at most 255 bytes");
  const key = withKind(logicalShard, OUTBOX_MEMBER, REMINDER_INDEX_KIND, 6 + 1 + member.length);
  const at = memberKeyBytes(OUTBOX_MEMBER) + 1;
  key.writeUIntBE(due, at, 6);
  key[at + 6] = member.length;
  member.copy(key, at + 7);
  return key;
}

/** What a reminder index key holds (reminderKey's inverse). */
export function decodeReminderKey(key: Uint8Array): { logicalShard: number; due: number; memberId: string } {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const at = memberKeyBytes(OUTBOX_MEMBER);
  assert(bytes[1] === MEMBER_FAMILY && bytes.toString("latin1", 3, at) === OUTBOX_MEMBER && bytes[at] === REMINDER_INDEX_KIND, "a reminder key is under the outbox prefix");
  const memberLength = bytes[at + 7] as number;
  assert(bytes.length === at + 8 + memberLength, "a reminder key ends with its member");
  return { logicalShard: bytes[0] as number, due: bytes.readUIntBE(at + 1, 6), memberId: bytes.toString("latin1", at + 8, at + 8 + memberLength) };
}

/** The reminder index entries of a logical shard due at or before `through`. */
export function reminderRange(logicalShard: number, through: number): { start: RecordKey; end: RecordKey } {
  const start = withKind(logicalShard, OUTBOX_MEMBER, REMINDER_INDEX_KIND, 0);
  const bound = Math.min(Math.max(0, Math.floor(through) + 1), REMINDER_DUE_MAX);
  const end = withKind(logicalShard, OUTBOX_MEMBER, REMINDER_INDEX_KIND, 6);
  end.writeUIntBE(bound, memberKeyBytes(OUTBOX_MEMBER) + 1, 6);
  return { start, end };
}

/** A trigger index entry: look at `memberId` on `month`-`day` (local) for `which` date. */
export function triggerIndexKey(logicalShard: number, which: TriggerIndexWhich, month: number, day: number, memberId: string): RecordKey {
  assert(Number.isInteger(month) && month >= 1 && month <= 12 && Number.isInteger(day) && day >= 1 && day <= 31, "a month-day is a calendar one");
  const member = Buffer.from(memberId, "latin1");
  assert(member.length > 0 && member.length <= KEY_PART_BYTES_MAX, "a member id is at most 255 bytes");
  const key = withKind(logicalShard, OUTBOX_MEMBER, TRIGGER_INDEX_KIND, 3 + 1 + member.length);
  const at = memberKeyBytes(OUTBOX_MEMBER) + 1;
  key[at] = TRIGGER_INDEX_WHICH[which];
  key[at + 1] = month;
  key[at + 2] = day;
  key[at + 3] = member.length;
  member.copy(key, at + 4);
  return key;
}

/** The member a trigger index key names (triggerIndexKey's inverse, as far as the walk needs). */
export function decodeTriggerIndexKey(key: Uint8Array): { memberId: string; month: number; day: number } {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const at = memberKeyBytes(OUTBOX_MEMBER);
  assert(bytes[at] === TRIGGER_INDEX_KIND, "a trigger index key is under the outbox prefix");
  const memberLength = bytes[at + 4] as number;
  assert(bytes.length === at + 5 + memberLength, "a trigger index key ends with its member");
  return { month: bytes[at + 2] as number, day: bytes[at + 3] as number, memberId: bytes.toString("latin1", at + 5, at + 5 + memberLength) };
}

/** The trigger index entries of one local month-day, after `afterMemberKey` (a key of the range; from the start when null). */
export function triggerIndexRange(logicalShard: number, which: TriggerIndexWhich, month: number, day: number): { start: RecordKey; end: RecordKey } {
  const start = withKind(logicalShard, OUTBOX_MEMBER, TRIGGER_INDEX_KIND, 3);
  const at = memberKeyBytes(OUTBOX_MEMBER) + 1;
  start[at] = TRIGGER_INDEX_WHICH[which];
  start[at + 1] = month;
  start[at + 2] = day;
  const end = Buffer.from(start);
  end[at + 2] = day + 1;
  return { start, end };
}

/** A logical shard's progress record `name` (the index's backfill, a walk). */
export function triggerProgressKey(logicalShard: number, name: string): RecordKey {
  const nameBytes = Buffer.from(name, "latin1");
  assert(nameBytes.length > 0 && nameBytes.length <= KEY_PART_BYTES_MAX, "a progress name is 1 to 255 bytes");
  const key = withKind(logicalShard, OUTBOX_MEMBER, TRIGGER_PROGRESS_KIND, 1 + nameBytes.length);
  const at = memberKeyBytes(OUTBOX_MEMBER) + 1;
  key[at] = nameBytes.length;
  nameBytes.copy(key, at + 1);
  return key;
}

/** True when the key is one of the outbox's (cheap: the overlay asks it of every mutation it stages). */
export function isOutboxKey(key: Uint8Array): boolean {
  if (key.length < 3 + OUTBOX_MEMBER.length + 1 || key[1] !== MEMBER_FAMILY || key[2] !== OUTBOX_MEMBER.length) return false;
  for (let index = 0; index < OUTBOX_MEMBER.length; index += 1) if (key[3 + index] !== OUTBOX_MEMBER.charCodeAt(index)) return false;
  return true;
}

export function memberKindRange(logicalShard: number, memberId: string, kind: number): { start: RecordKey; end: RecordKey } {
  return { start: withKind(logicalShard, memberId, kind, 0), end: withKind(logicalShard, memberId, kind + 1, 0) };
}

/** The first key after every key of `memberId`: where the next member's keys start. */
export function afterMember(logicalShard: number, memberId: string): RecordKey {
  return withKind(logicalShard, memberId, 0xff, 0);
}

/** The range of every member key of one logical shard. */
export function logicalShardRange(logicalShard: number): { start: RecordKey; end: RecordKey } {
  assert(Number.isInteger(logicalShard) && logicalShard >= 0 && logicalShard <= LOGICAL_SHARD_MAX, "a logical shard is one byte");
  return { start: Buffer.from([logicalShard, MEMBER_FAMILY]), end: Buffer.from([logicalShard, MEMBER_FAMILY + 1]) };
}

/** What a member key names. */
export interface DecodedKey {
  readonly logicalShard: number;
  readonly memberId: string;
  readonly kind: number;
  /** "c": the chunk index; "h": the sequence. */
  readonly number?: number;
  /** "r": the store and the record id. */
  readonly store?: string;
  readonly recordId?: string;
}

export function decodeKey(key: Uint8Array): DecodedKey {
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  assert(bytes.length >= 5 && bytes[1] === MEMBER_FAMILY, "a member key starts with [logical shard, \"m\"]");
  const logicalShard = bytes[0] as number;
  const idLength = bytes[2] as number;
  const memberId = bytes.toString("latin1", 3, 3 + idLength);
  const kindAt = 3 + idLength;
  const kind = bytes[kindAt];
  assert(kind !== undefined, "a member key has a kind");
  const base = { logicalShard, memberId, kind };
  switch (kind) {
    case ACCOUNT_KIND:
      assert(bytes.length === kindAt + 1, "an account key ends at its kind");
      return base;
    case LOT_CHUNK_KIND:
      assert(bytes.length === kindAt + 5, "a lot chunk key ends with a u32");
      return { ...base, number: bytes.readUInt32BE(kindAt + 1) };
    case HISTORY_KIND:
      assert(bytes.length === kindAt + 7, "a history key ends with a u48");
      return { ...base, number: HISTORY_ORDER_BASE - bytes.readUIntBE(kindAt + 1, 6) };
    case RECORD_KIND: {
      const storeLength = bytes[kindAt + 1] as number;
      const storeEnd = kindAt + 2 + storeLength;
      const idLengthAt = storeEnd;
      const recordIdLength = bytes[idLengthAt] as number;
      assert(bytes.length === idLengthAt + 1 + recordIdLength, "a record key ends with its record id");
      return {
        ...base,
        store: bytes.toString("utf8", kindAt + 2, storeEnd),
        recordId: bytes.toString("utf8", idLengthAt + 1, idLengthAt + 1 + recordIdLength),
      };
    }
    case SETTLEMENT_KIND:
      // The settlement pseudo member's entries: the entry is in the value; the key orders and dedups.
      return base;
    case OUTBOX_EVENT_KIND:
    case OUTBOX_QUEUE_KIND:
    case OUTBOX_DEAD_KIND:
    case REMINDER_INDEX_KIND:
    case OUTBOX_FAMILY_KIND:
    case TRIGGER_INDEX_KIND:
    case TRIGGER_PROGRESS_KIND:
      // The outbox pseudo member's entries (decodeOutboxKey and decodeReminderKey read the rest).
      assert(memberId === OUTBOX_MEMBER, "only the outbox has event, queue, dead-letter, family, reminder and trigger keys");
      return base;
    case COUPON_KIND:
    case COUPON_USE_KIND:
      // The coupon pseudo member's coupons and uses (couponKey, couponUseKey).
      assert(memberId === COUPON_MEMBER, "only the coupon pseudo member has coupon keys");
      return base;
    case BUDGET_KIND:
      // The budget pseudo member's totals, one per campaign (campaignBudgetKey).
      assert(memberId === BUDGET_MEMBER, "only the budget pseudo member has budget keys");
      return base;
    default:
      assert(false, `a member key has kind "a", "c", "h", "r", "s", "e", "q", "d", "f", "t", "y", "w", "b", "k" or "u", not ${kind}`);
  }
}

/** A key as a Map key (one char per byte). */
export function keyString(key: Uint8Array): string {
  return Buffer.isBuffer(key) ? key.toString("latin1") : Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

/** Bytes of a member's prefix: logical shard, family, id length, id. */
function memberKeyBytes(memberId: string): number {
  return 3 + memberId.length;
}

/**
 * A buffer of the member's prefix and `extraBytes` more (left for the
 * caller to fill), in one allocation; the member id is checked as it is
 * copied (1-255 printable ASCII bytes, so one byte per character).
 */
function memberKeyWith(logicalShard: number, memberId: string, extraBytes: number): Buffer {
  assert(Number.isInteger(logicalShard) && logicalShard >= 0 && logicalShard <= LOGICAL_SHARD_MAX, "a logical shard is one byte");
  const idLength = memberId.length;
  if (!(idLength > 0 && idLength <= KEY_PART_BYTES_MAX)) assert(false, "a member id is 1-255 printable ASCII bytes");
  const key = Buffer.allocUnsafe(memberKeyBytes(memberId) + extraBytes);
  key[0] = logicalShard;
  key[1] = MEMBER_FAMILY;
  key[2] = idLength;
  for (let index = 0; index < idLength; index += 1) {
    const code = memberId.charCodeAt(index);
    if (code < PRINTABLE_ASCII_FIRST || code > PRINTABLE_ASCII_LAST) assert(false, "a member id is 1-255 printable ASCII bytes");
    key[3 + index] = code;
  }
  return key;
}

function withKind(logicalShard: number, memberId: string, kind: number, extraBytes: number): Buffer {
  const key = memberKeyWith(logicalShard, memberId, 1 + extraBytes);
  key[memberKeyBytes(memberId)] = kind;
  return key;
}
