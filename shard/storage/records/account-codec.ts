import type { Account, CampaignPurchaseCount, MemberProfile } from "../../../domain/account/account.js";
import type { AccountCounters, CounterTotals, PeriodTotals } from "../../../domain/account/counters.js";
import { assert } from "../../../domain/assert/assert.js";
import type { Ledger, LedgerLifetimeTotals, PrunedExpiry } from "../../../domain/ledger/ledger.js";
import type { Hold, Lot, LotShare } from "../../../domain/ledger/lot.js";
import { lotSourceCode, lotSourceOf } from "./record-packer.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * An account at rest is two kinds of record: the account itself (profile,
 * counters, balances, holds: rewritten by every operation, ~100 bytes) and
 * its open point lots in chunks of LOTS_PER_CHUNK by lot id (rewritten only
 * when one of their lots changes). A commit that accrues one lot rewrites the
 * account and the last chunk, not every lot the member ever kept open.
 *
 * Both are written field by field in a fixed order (record-writer.ts), after
 * a format byte; a newer build keeps reading every older format. The member
 * id and logical shard are in the key, not in the record.
 */

/**
 * Lots per chunk record. Lot ids only grow, so new lots fill the last chunk
 * and redemptions (earliest expiry first) touch the oldest: a commit rewrites
 * one or two chunks. 16 lots are about 0.6 KB: small enough that a rewrite
 * costs little, large enough that a member's lots are one or two LMDB
 * entries (each entry costs a key and a node header at rest).
 */
export const LOTS_PER_CHUNK = 16;

/**
 * Account record formats. 1: the profile is card, phone, name, birth date.
 * 2: the same, then the e-mail and the consent to communications. An account
 * whose profile has neither is still written as format 1, so its bytes (and
 * every log payload that holds it) are those the build before e-mail wrote.
 */
const ACCOUNT_FORMAT = 1;
const ACCOUNT_FORMAT_WITH_CONTACT = 2;
/**
 * 3 and 4: formats 1 and 2 followed, after the ledger, by the level by
 * active points held (id, when reached, until when). An account that never
 * reached a level keeps format 1 or 2, byte for byte.
 */
const ACCOUNT_FORMAT_WITH_LEVEL = 3;
const ACCOUNT_FORMAT_WITH_CONTACT_AND_LEVEL = 4;
/**
/**
 * 5 to 8: formats 1 to 4 followed, after everything else, by the family the member belongs to
 * (domain/family). An account in no family keeps its format, byte for byte.
 */
const FAMILY_FORMAT_OFFSET = 4;
/**
 * 9: flagged. The format byte is followed by a varint of PART_* flags saying
 * which optional parts the record has, each where formats 1-8 put it, and
 * new parts after them. Written only for an account with a part formats 1-8
 * cannot say (campaign purchase counters), so every other account keeps its
 * format 1-8 bytes; a new optional part is a new flag, not more formats.
 */
const ACCOUNT_FORMAT_FLAGGED = 9;
const PART_CONTACT = 1;
const PART_LEVEL = 2;
/** The purchases counted in campaigns' own periods (Account.campaignPurchases), after the family. */
const PART_CAMPAIGN_PURCHASES = 4;
/** The family the member belongs to, after the level (as formats 5-8). */
const PART_FAMILY = 8;
const PARTS_KNOWN = PART_CONTACT | PART_LEVEL | PART_CAMPAIGN_PURCHASES | PART_FAMILY;
const ACCOUNT_FORMATS: ReadonlySet<number> = new Set([
  ...[ACCOUNT_FORMAT, ACCOUNT_FORMAT_WITH_CONTACT, ACCOUNT_FORMAT_WITH_LEVEL, ACCOUNT_FORMAT_WITH_CONTACT_AND_LEVEL].flatMap((format) => [format, format + FAMILY_FORMAT_OFFSET]),
  ACCOUNT_FORMAT_FLAGGED,
]);
/** The parts formats 1-4 have (5-8: the same and the family). */
const FORMAT_PARTS: readonly number[] = [0, 0, PART_CONTACT, PART_LEVEL, PART_CONTACT | PART_LEVEL];
/** Format 2's consent byte: 0 for no consent key, else 1 + these bits. */
const CONSENT_PRESENT = 1;
const CONSENT_SMS = 2;
const CONSENT_EMAIL = 4;
const LOT_CHUNK_FORMAT = 1;
const VISIT_STATUSES = [null, "came", "didNotCome"] as const;
const REFERENCE_AS_TEXT = 0;
const REFERENCE_OF_RECEIPT = 1;
/*
 * A receipt lot's reference is JSON.stringify([store, receipt id]); for ids
 * JSON writes as they are (no quote, backslash, control character or lone
 * surrogate) it is stored as its two parts (receiptReferenceStore).
 */

/** Which chunk a lot lives in. */
export function lotChunkIndex(lotId: number): number {
  assert(Number.isSafeInteger(lotId) && lotId >= 1, "lot ids start at 1");
  return Math.floor((lotId - 1) / LOTS_PER_CHUNK);
}

export function writeAccount(writer: RecordWriter, account: Account): void {
  const { profile, counters, ledger } = account;
  const withContact = profile.email !== undefined || profile.consent !== undefined;
  const level = account.pointLevel;
  const purchases = account.campaignPurchases;
  if (purchases === undefined) {
    const format =
      level === undefined
        ? withContact ? ACCOUNT_FORMAT_WITH_CONTACT : ACCOUNT_FORMAT
        : withContact ? ACCOUNT_FORMAT_WITH_CONTACT_AND_LEVEL : ACCOUNT_FORMAT_WITH_LEVEL;
    writer.byte(account.family === undefined ? format : format + FAMILY_FORMAT_OFFSET);
  } else {
    writer.byte(ACCOUNT_FORMAT_FLAGGED);
    writer.uint((withContact ? PART_CONTACT : 0) | (level === undefined ? 0 : PART_LEVEL) | (account.family === undefined ? 0 : PART_FAMILY) | PART_CAMPAIGN_PURCHASES);
  }
  // Which lot chunks exist, first: a read fetches exactly those keys, no range scan.
  const chunkIndices = lotChunkIndices(ledger.lots);
  writer.uint(chunkIndices.length);
  for (const index of chunkIndices) writer.uint(index);
  writer.string(profile.card);
  writer.nullableString(profile.phone);
  writer.nullableString(profile.name);
  writer.nullableString(profile.birthDate);
  if (withContact) writeContact(writer, profile);
  writer.int(account.balance);
  writer.int(account.createdAt);
  writer.uint(account.sequence);
  writer.uint(account.categories.length);
  for (const category of account.categories) writer.string(category);
  writer.byte(VISIT_STATUSES.indexOf(account.lastVisitStatus));
  writeTotals(writer, counters.lifetime);
  writer.uint(counters.recentPeriods.length);
  for (const period of counters.recentPeriods) {
    writer.int(period.period);
    writeTotals(writer, period);
  }
  // Visit times as distances from the account's creation: 3-4 bytes instead of 6.
  writer.nullableInt(counters.firstVisitAt === null ? null : counters.firstVisitAt - account.createdAt);
  writer.nullableInt(counters.lastVisitAt === null ? null : counters.lastVisitAt - account.createdAt);
  writeLedger(writer, ledger);
  if (level !== undefined) {
    writer.string(level.id);
    writer.int(level.reachedAt);
    writer.nullableInt(level.expiresAt);
  }
  if (account.family !== undefined) writer.string(account.family);
  if (purchases !== undefined) writeCampaignPurchases(writer, purchases);
}

/** Each counter: campaign id, start, length of its period, count. */
function writeCampaignPurchases(writer: RecordWriter, purchases: readonly CampaignPurchaseCount[]): void {
  writer.uint(purchases.length);
  for (const entry of purchases) {
    writer.string(entry.campaign);
    writer.int(entry.startsAt);
    writer.int(entry.endsAt - entry.startsAt);
    writer.uint(entry.count);
  }
}

function readCampaignPurchases(reader: RecordReader): CampaignPurchaseCount[] {
  const purchases: CampaignPurchaseCount[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    const campaign = reader.string();
    const startsAt = reader.int();
    purchases.push({ campaign, startsAt, endsAt: startsAt + reader.int(), count: reader.uint() });
  }
  return purchases;
}

/** After the format byte: which optional parts the record has (formats 1-8 by their number, the flagged format in a varint). */
function readParts(reader: RecordReader, format: number, what: string): number {
  if (format !== ACCOUNT_FORMAT_FLAGGED) {
    const inFamily = format > FAMILY_FORMAT_OFFSET;
    return (FORMAT_PARTS[inFamily ? format - FAMILY_FORMAT_OFFSET : format] as number) | (inFamily ? PART_FAMILY : 0);
  }
  const parts = reader.uint();
  if ((parts & ~PARTS_KNOWN) !== 0) assert(false, `${what}: its parts ${parts} are known`);
  return parts;
}

/** The account from its record and its lot chunks (in chunk order). */
export function readAccount(logicalShard: number, memberId: string, bytes: Uint8Array, chunks: readonly Uint8Array[]): Account {
  const what = `account ${memberId}`;
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (!ACCOUNT_FORMATS.has(format)) assert(false, `${what}: format ${format} is known`);
  const parts = readParts(reader, format, what);
  const chunkCount = reader.uint();
  if (chunkCount !== chunks.length) assert(false, `${what}: its ${chunkCount} lot chunks are given`);
  for (let count = chunkCount; count > 0; count -= 1) reader.uint();
  const base: MemberProfile = { card: reader.string(), phone: reader.nullableString(), name: reader.nullableString(), birthDate: reader.nullableString() };
  const withContact = (parts & PART_CONTACT) !== 0;
  const profile = withContact ? readContact(reader, base, what) : base;
  const balance = reader.int();
  const createdAt = reader.int();
  const sequence = reader.uint();
  const categories: string[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) categories.push(reader.string());
  const lastVisitStatus = VISIT_STATUSES[reader.byte()];
  assert(lastVisitStatus !== undefined, `${what}: the visit status code is known`);
  const lifetime = readTotals(reader);
  const recentPeriods: PeriodTotals[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) recentPeriods.push({ period: reader.int(), ...readTotals(reader) });
  const firstVisit = reader.nullableInt();
  const lastVisit = reader.nullableInt();
  const counters: AccountCounters = {
    lifetime,
    recentPeriods,
    firstVisitAt: firstVisit === null ? null : createdAt + firstVisit,
    lastVisitAt: lastVisit === null ? null : createdAt + lastVisit,
  };
  const lots = chunks.length === 1 ? readLotChunk(chunks[0] as Uint8Array, what) : chunks.flatMap((chunk) => readLotChunk(chunk, what));
  const ledger = readLedger(reader, lots, what);
  const withLevel = (parts & PART_LEVEL) !== 0;
  const pointLevel = withLevel ? { id: reader.string(), reachedAt: reader.int(), expiresAt: reader.nullableInt() } : undefined;
  const family = (parts & PART_FAMILY) !== 0 ? reader.string() : undefined;
  const campaignPurchases = (parts & PART_CAMPAIGN_PURCHASES) !== 0 ? readCampaignPurchases(reader) : undefined;
  assert(reader.done, `${what}: the record ends after its ledger and optional parts`);
  const account: Account = { memberId, logicalShard, profile, balance, ledger, counters, categories, lastVisitStatus, createdAt, sequence };
  if (pointLevel === undefined && family === undefined && campaignPurchases === undefined) return account;
  // Keys in the order operations build them: a read account equals a computed one.
  return {
    ...account,
    ...(pointLevel === undefined ? {} : { pointLevel }),
    ...(family === undefined ? {} : { family }),
    ...(campaignPurchases === undefined ? {} : { campaignPurchases }),
  };
}

/** Format 2's e-mail (nullable) and consent byte, keeping whether each key was there: a read gives back exactly what was written. */
function writeContact(writer: RecordWriter, profile: MemberProfile): void {
  writer.nullableString(profile.email ?? null);
  const consent = profile.consent;
  writer.byte(consent === undefined ? 0 : CONSENT_PRESENT | (consent.sms ? CONSENT_SMS : 0) | (consent.email ? CONSENT_EMAIL : 0));
}

function readContact(reader: RecordReader, base: MemberProfile, what: string): MemberProfile {
  const email = reader.nullableString();
  const consentByte = reader.byte();
  assert(consentByte <= (CONSENT_PRESENT | CONSENT_SMS | CONSENT_EMAIL), `${what}: the consent byte is known`);
  return {
    ...base,
    ...(email === null ? {} : { email }),
    ...(consentByte === 0 ? {} : { consent: { sms: (consentByte & CONSENT_SMS) !== 0, email: (consentByte & CONSENT_EMAIL) !== 0 } }),
  };
}

function writeTotals(writer: RecordWriter, totals: CounterTotals): void {
  writer.int(totals.sold);
  writer.int(totals.paid);
  writer.int(totals.visits);
}

function readTotals(reader: RecordReader): CounterTotals {
  return { sold: reader.int(), paid: reader.int(), visits: reader.int() };
}

function writeLedger(writer: RecordWriter, ledger: Ledger): void {
  writer.int(ledger.debt);
  writer.uint(ledger.nextLotId);
  const totals = ledger.totals;
  writer.int(totals.accrued);
  writer.int(totals.spent);
  writer.int(totals.expired);
  writer.int(totals.revoked);
  writer.int(totals.debtIncurred);
  writer.int(totals.debtRepaid);
  writer.int(totals.pruned);
  if (ledger.prunedExpiries === undefined) writer.byte(0);
  else {
    writer.byte(1);
    writer.uint(ledger.prunedExpiries.length);
    for (const pruned of ledger.prunedExpiries) {
      writer.uint(pruned.lot);
      writer.int(pruned.expired);
    }
  }
  writer.uint(ledger.holds.length);
  for (const hold of ledger.holds) {
    writer.string(hold.key);
    writer.int(hold.points);
    writer.int(hold.expiresAt);
    writeShares(writer, hold.shares);
  }
}

function readLedger(reader: RecordReader, lots: readonly Lot[], what: string): Ledger {
  const debt = reader.int();
  const nextLotId = reader.uint();
  const totals: LedgerLifetimeTotals = {
    accrued: reader.int(),
    spent: reader.int(),
    expired: reader.int(),
    revoked: reader.int(),
    debtIncurred: reader.int(),
    debtRepaid: reader.int(),
    pruned: reader.int(),
  };
  let prunedExpiries: PrunedExpiry[] | undefined;
  if (reader.byte() === 1) {
    prunedExpiries = [];
    for (let count = reader.uint(); count > 0; count -= 1) prunedExpiries.push({ lot: reader.uint(), expired: reader.int() });
  }
  const holds: Hold[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    holds.push({ key: reader.string(), points: reader.int(), expiresAt: reader.int(), shares: readShares(reader, what) });
  }
  // Keys in the order the ledger builds them (LedgerDraft.finish): a read account equals a computed one, key order included.
  return { lots, holds, debt, nextLotId, totals, ...(prunedExpiries === undefined ? {} : { prunedExpiries }) };
}

/**
 * One chunk's lots, ascending id. Strings repeated across lots (partners,
 * the store of a receipt's reference) are written once per chunk and named
 * by index; a receipt lot's reference, the JSON of [store, receipt id], is
 * kept as those two parts; activation and expiry are distances from the
 * accrual. Every field round-trips exactly.
 */
export function writeLotChunk(writer: RecordWriter, lots: readonly Lot[]): void {
  assert(lots.length > 0 && lots.length <= LOTS_PER_CHUNK, "a chunk holds 1 to LOTS_PER_CHUNK lots");
  // The chunk's strings in first-use order: per lot, its receipt reference's store (if any), then its partner.
  const strings: string[] = [];
  const storeAt: number[] = [];
  const partnerAt: number[] = [];
  for (const lot of lots) {
    const store = receiptReferenceStore(lot.reference);
    storeAt.push(store === null ? -1 : indexIn(strings, store));
    partnerAt.push(indexIn(strings, lot.partner));
  }
  writer.byte(LOT_CHUNK_FORMAT);
  writer.uint(strings.length);
  for (const text of strings) writer.string(text);
  writer.uint(lots.length);
  for (let index = 0; index < lots.length; index += 1) {
    const lot = lots[index] as Lot;
    writer.uint(lot.id);
    writer.byte(lotSourceCode(lot.source));
    const store = storeAt[index] as number;
    if (store < 0) {
      writer.byte(REFERENCE_AS_TEXT);
      writer.string(lot.reference);
    } else {
      writer.byte(REFERENCE_OF_RECEIPT);
      writer.uint(store);
      writer.string(receiptReferenceId(lot.reference, (strings[store] as string).length));
    }
    writer.uint(partnerAt[index] as number);
    writer.int(lot.points);
    writer.int(lot.accruedAt);
    writer.int(lot.activatesAt - lot.accruedAt);
    writer.nullableInt(lot.expiresAt === null ? null : lot.expiresAt - lot.activatesAt);
    writer.int(lot.remaining);
    writer.int(lot.held);
    writer.int(lot.spent);
    writer.int(lot.expired);
    writer.int(lot.revoked);
  }
}

/** The index of `text` in `strings`, added at the end if it is not there yet. */
function indexIn(strings: string[], text: string): number {
  const found = strings.indexOf(text);
  return found >= 0 ? found : strings.push(text) - 1;
}

/**
 * The store of a receipt lot's reference, JSON.stringify([store, receipt
 * id]) for ids JSON writes as they are (no quote, backslash, control
 * character or lone surrogate), or null for any other reference: what
 * RECEIPT_REFERENCE matches, without a regular expression on the hot path.
 */
export function receiptReferenceStore(reference: string): string | null {
  const length = reference.length;
  if (length < EMPTY_RECEIPT_REFERENCE_LENGTH || reference.charCodeAt(0) !== OPEN_BRACKET || reference.charCodeAt(1) !== QUOTE) return null;
  const storeEnd = plainJsonTextEnd(reference, 2);
  // `","` after the store, then the receipt id, then `"]` and nothing more.
  if (reference.charCodeAt(storeEnd) !== QUOTE || reference.charCodeAt(storeEnd + 1) !== COMMA || reference.charCodeAt(storeEnd + 2) !== QUOTE) return null;
  const idEnd = plainJsonTextEnd(reference, storeEnd + 3);
  if (idEnd !== length - 2 || reference.charCodeAt(idEnd) !== QUOTE || reference.charCodeAt(idEnd + 1) !== CLOSE_BRACKET) return null;
  return reference.slice(2, storeEnd);
}

/** The receipt id of a reference receiptReferenceStore matched, whose store has `storeLength` characters. */
function receiptReferenceId(reference: string, storeLength: number): string {
  return reference.slice(storeLength + 5, reference.length - 2);
}

/** Where the run of characters JSON writes as they are, from `start`, ends. */
function plainJsonTextEnd(text: string, start: number): number {
  let at = start;
  for (; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === QUOTE || code === BACKSLASH || code <= LAST_CONTROL_CHARACTER || (code >= FIRST_SURROGATE && code <= LAST_SURROGATE)) break;
  }
  return at;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const LAST_CONTROL_CHARACTER = 0x1f;
const FIRST_SURROGATE = 0xd800;
const LAST_SURROGATE = 0xdfff;
/** `["",""]`: the shortest receipt reference. */
const EMPTY_RECEIPT_REFERENCE_LENGTH = 7;

export function readLotChunk(bytes: Uint8Array, what: string): Lot[] {
  const reader = new RecordReader(bytes, `${what} lot chunk`);
  const format = reader.byte();
  if (format !== LOT_CHUNK_FORMAT) assert(false, `${what}: lot chunk format ${format} is known`);
  const strings: string[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) strings.push(reader.string());
  const stringAt = (index: number): string => {
    const text = strings[index];
    assert(text !== undefined, `${what}: a lot's string is in its chunk's list`);
    return text;
  };
  const lots: Lot[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    const id = reader.uint();
    const source = lotSourceOf(reader.byte(), what);
    const referenceForm = reader.byte();
    assert(referenceForm === REFERENCE_AS_TEXT || referenceForm === REFERENCE_OF_RECEIPT, `${what}: a lot's reference form is known`);
    const reference = referenceForm === REFERENCE_AS_TEXT ? reader.string() : JSON.stringify([stringAt(reader.uint()), reader.string()]);
    const partner = stringAt(reader.uint());
    const points = reader.int();
    const accruedAt = reader.int();
    const activatesAt = accruedAt + reader.int();
    const expiresAfter = reader.nullableInt();
    lots.push({
      id,
      source,
      reference,
      partner,
      points,
      accruedAt,
      activatesAt,
      expiresAt: expiresAfter === null ? null : activatesAt + expiresAfter,
      remaining: reader.int(),
      held: reader.int(),
      spent: reader.int(),
      expired: reader.int(),
      revoked: reader.int(),
    });
  }
  assert(reader.done, `${what}: a lot chunk ends after its lots`);
  return lots;
}

/** The chunk indices an account record names: which lot chunks to read with it, in order. */
export function accountChunkIndices(bytes: Uint8Array, what: string): number[] {
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (!ACCOUNT_FORMATS.has(format)) assert(false, `${what}: format ${format} is known`);
  readParts(reader, format, what);
  const indices: number[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) indices.push(reader.uint());
  return indices;
}

/** The chunk indices of `lots` (ascending id), ascending. */
function lotChunkIndices(lots: readonly Lot[]): number[] {
  const indices: number[] = [];
  for (const lot of lots) {
    const index = lotChunkIndex(lot.id);
    if (indices[indices.length - 1] !== index) indices.push(index);
  }
  return indices;
}

/** The lots of `lots` (ascending id) grouped by chunk index. */
export function lotsByChunk(lots: readonly Lot[]): Map<number, Lot[]> {
  const chunks = new Map<number, Lot[]>();
  for (const lot of lots) {
    const index = lotChunkIndex(lot.id);
    const chunk = chunks.get(index);
    if (chunk === undefined) chunks.set(index, [lot]);
    else chunk.push(lot);
  }
  return chunks;
}

export function sameLot(left: Lot, right: Lot): boolean {
  return (
    left === right ||
    (left.id === right.id &&
      left.source === right.source &&
      left.reference === right.reference &&
      left.partner === right.partner &&
      left.points === right.points &&
      left.accruedAt === right.accruedAt &&
      left.activatesAt === right.activatesAt &&
      left.expiresAt === right.expiresAt &&
      left.remaining === right.remaining &&
      left.held === right.held &&
      left.spent === right.spent &&
      left.expired === right.expired &&
      left.revoked === right.revoked)
  );
}

/** Lot shares (holds and receipt records keep them): the lot's identity and the points. */
export function writeShares(writer: RecordWriter, shares: readonly LotShare[]): void {
  writer.uint(shares.length);
  for (const share of shares) {
    writer.uint(share.lot);
    writer.int(share.points);
    writer.nullableInt(share.expiresAt);
    writer.byte(lotSourceCode(share.source));
    writer.string(share.partner);
    writer.int(share.activatesAt);
    writer.string(share.reference);
    writer.int(share.accruedAt);
  }
}

export function readShares(reader: RecordReader, what: string): LotShare[] {
  const shares: LotShare[] = [];
  for (let count = reader.uint(); count > 0; count -= 1) {
    shares.push({
      lot: reader.uint(),
      points: reader.int(),
      expiresAt: reader.nullableInt(),
      source: lotSourceOf(reader.byte(), what),
      partner: reader.string(),
      activatesAt: reader.int(),
      reference: reader.string(),
      accruedAt: reader.int(),
    });
  }
  return shares;
}
