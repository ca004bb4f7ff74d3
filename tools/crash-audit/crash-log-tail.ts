/**
 * Torn tails for the crash audit (crash-audit.ts, option tornTail): after the server died and before it
 * is restarted, damage the end of a shard's commit log the way a torn write leaves it, but only where
 * the damage cannot take back an answer a client was given.
 *
 * What a log looks like from outside (shard/log/record-format.ts): `data/shards/<n>/log/
 * segment-*.log`, preallocated with zeros; a 32-byte segment header, then records [u32 CRC-32C][u32
 * payload length][u64 sequence][u8 version][3 reserved][payload], then zeros. The newest segment with
 * records is the one appends went to; later segments are all-zero spares.
 *
 * Which records may be damaged: a record's payload is the mutations of one operation, and an operation of
 * the audit writes a keyed record under its own id (shard/storage/record-keys.ts, "r" keys; the ids of
 * shard/operations/keyed-operations.ts): a commit its receipt id ("r-3-17"), a refund
 * "refund <refund id>", a cancel "cancel <receipt id>". So every record maps to the audit request that
 * wrote it (its idempotency key: "commit r-3-17", "refund f-3-18", "cancel r-3-17") or to none (demo
 * seeding, anything else of the server). The caller says which requests may lose their record: those
 * whose answer never reached the client (see crash-audit.ts). Only the longest suffix of the newest
 * segment's records that all map to such requests, and that all lie above the shard's receipt-index floor
 * (data/directory: the sequence through which the gateway durably recorded having the shard's answers;
 * what it recorded could not be torn by power loss, so the server may rely on it), is a candidate, and
 * only its part within the last `windowBytes` of written data (always at least the last record). Cutting
 * a suffix never leaves a record whose predecessor is gone, and the log's recovery cuts a torn tail from
 * the first bad record to the end, so exactly the records from the damaged one on are lost, each of them
 * unanswered.
 *
 * How: one shard, one record of that window and one form are picked with the caller's seeded random:
 * - truncate: zeros from an offset inside the record (past its CRC and length, up to its last non-zero
 *   byte, so the record really changes and does not read as a clean end) to the end of the non-zero data;
 * - garble: 1-4 bytes inside the record, each XORed with a non-zero byte.
 * Both are what an interrupted write can leave, both are within one write's reach of the first bad record,
 * so a restart must cut them as a torn tail (its shard reports `shardRecovered` with `log.tornTail`).
 * A shard is passed over when its log does not look as a crash of this server leaves it (a segment with
 * junk after its last record, a later segment that is not all zeros): damage there could read as
 * corruption rather than a torn tail, which would be this tool's fault, not the server's.
 */
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LmdbDirectoryStore } from "../../gateway/directory/lmdb-directory-store.js";
import { decodeRecord, decodeSegmentHeader, SEGMENT_HEADER_BYTES } from "../../shard/log/record-format.js";
import { decodeMutations } from "../../shard/storage/mutation-payload.js";
import { decodeKey, RECORD_KIND } from "../../shard/storage/record-keys.js";
import { integerBetween, pick } from "../../domain/random/seeded-random.js";

/** The part of the written data a damage may start in: "the last few KB". */
export const TORN_WINDOW_BYTES_DEFAULT = 4_096;

const SEGMENT_NAME_PATTERN = /^segment-(\d{8,})\.log$/;
/** Truncation starts past the record's CRC and length, so the record keeps non-zero bytes and reads as bad, not as the end. */
const TRUNCATE_FROM_RECORD_BYTE_MIN = 8;
const GARBLE_BYTES_MAX = 4;
/** Zeros compared a chunk at a time (memcmp) while looking for the end of the data in a 64 MiB segment. */
const ZERO_CHUNK = Buffer.alloc(1_024 * 1_024);

/** The offset just past the last non-zero byte of bytes[from, end) (`from` when all are zero). */
export function nonZeroEnd(bytes: Uint8Array, from = 0): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = buffer.length;
  while (end > from) {
    const start = Math.max(from, end - ZERO_CHUNK.length);
    if (buffer.subarray(start, end).equals(ZERO_CHUNK.subarray(0, end - start))) {
      end = start;
      continue;
    }
    while (end > start && buffer[end - 1] === 0) end -= 1;
    return end;
  }
  return from;
}

/** One record near the end of a shard's newest segment. */
export interface TailRecord {
  readonly sequence: number;
  /** Where its header starts and where it ends (exclusive), in the segment file. */
  readonly offset: number;
  readonly end: number;
  /** The audit request that wrote it ("commit r-3-17"), or null when it is none (or not one request). */
  readonly requestKey: string | null;
}

/** A shard's newest segment with records, as found. */
export interface LogTail {
  readonly shard: number;
  readonly segmentPath: string;
  /** Its records whose end lies within the window before the end of the written data, in order. */
  readonly records: readonly TailRecord[];
}

export type TornForm = "truncate" | "garble";

export interface TornDamage {
  readonly shard: number;
  readonly segmentPath: string;
  readonly form: TornForm;
  /** First byte changed. */
  readonly offset: number;
  /** Bytes changed (zeroed or garbled). */
  readonly bytes: number;
  /** The records lost to the damage, from the damaged one to the end, and the requests that wrote them. */
  readonly records: readonly TailRecord[];
}

export type TornOutcome = { readonly kind: "damaged"; readonly damage: TornDamage } | { readonly kind: "skipped"; readonly reason: string };

/** The audit request a record's payload belongs to: its own keyed record's id, as an idempotency key. */
export function requestKeyOfPayload(payload: Uint8Array): string | null {
  let mutations;
  try {
    mutations = decodeMutations(payload);
  } catch {
    return null;
  }
  const own = new Set<string>();
  const receipts = new Set<string>();
  for (const { key } of mutations) {
    const idLength = key[2];
    if (idLength === undefined || key[3 + idLength] !== RECORD_KIND) continue;
    let recordId: string | undefined;
    try {
      recordId = decodeKey(key).recordId;
    } catch {
      return null;
    }
    if (recordId === undefined) continue;
    // "refund f-1-2", "cancel r-1-2" (or a visit, an adjustment) name the operation; a bare id is a receipt.
    if (recordId.includes(" ")) own.add(recordId);
    else receipts.add(`commit ${recordId}`);
  }
  // A refund or cancel may rewrite the receipt it acts on too: its own id is the one with a space.
  const candidates = own.size > 0 ? own : receipts;
  return candidates.size === 1 ? ([...candidates][0] ?? null) : null;
}

async function shardDirectories(dataDirectory: string): Promise<{ shard: number; logDirectory: string }[]> {
  const root = join(dataDirectory, "shards");
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .filter((name) => /^\d+$/.test(name))
    .map((name) => ({ shard: Number(name), logDirectory: join(root, name, "log") }))
    .sort((left, right) => left.shard - right.shard);
}

/** A shard's newest segment with records and the records in its window; a reason when it is passed over. */
export async function readLogTail(shard: number, logDirectory: string, windowBytes: number): Promise<LogTail | string> {
  const names = await readdir(logDirectory).catch(() => [] as string[]);
  const segments = names
    .map((name) => ({ name, match: SEGMENT_NAME_PATTERN.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map((entry) => ({ index: Number(entry.match[1]), path: join(logDirectory, entry.name) }))
    .sort((left, right) => right.index - left.index);
  for (const segment of segments) {
    const bytes = await readFile(segment.path);
    const header = decodeSegmentHeader(bytes);
    if (header.kind === "unused") {
      if (nonZeroEnd(bytes) === 0) continue; // a spare
      return `shard ${shard}: ${segment.path} has data behind a zero header`;
    }
    if (header.kind === "invalid") return `shard ${shard}: ${segment.path}: ${header.reason}`;
    const spans: { sequence: number; offset: number; end: number; payloadOffset: number }[] = [];
    let offset = SEGMENT_HEADER_BYTES;
    let sequence = header.firstSequence;
    for (;;) {
      const found = decodeRecord(bytes, offset, sequence);
      if (found.kind !== "record") break;
      spans.push({ sequence, offset, end: found.nextOffset, payloadOffset: found.payloadOffset });
      offset = found.nextOffset;
      sequence += 1;
    }
    if (nonZeroEnd(bytes, offset) > offset) return `shard ${shard}: ${segment.path} has bytes after its last record (a torn tail already)`;
    const last = spans.at(-1);
    if (last === undefined) return `shard ${shard}: ${segment.path} has a header and no record`;
    const records = spans
      .filter((span) => span === last || span.end > last.end - windowBytes)
      .map((span) => ({ sequence: span.sequence, offset: span.offset, end: span.end, requestKey: requestKeyOfPayload(bytes.subarray(span.payloadOffset, span.end)) }));
    return { shard, segmentPath: segment.path, records };
  }
  return `shard ${shard}: no record in the log`;
}

/**
 * The records of the window that may be lost: the longest suffix of them all `eligible` and above `floor`
 * (the sequence through which the gateway's receipt index says it had the shard's answers).
 */
export function damageableSuffix(tail: LogTail, eligible: (requestKey: string) => boolean, floor = 0): TailRecord[] {
  const suffix: TailRecord[] = [];
  for (let index = tail.records.length - 1; index >= 0; index -= 1) {
    const record = tail.records[index];
    if (record === undefined || record.sequence <= floor || record.requestKey === null || !eligible(record.requestKey)) break;
    suffix.unshift(record);
  }
  return suffix;
}

/**
 * The receipt index's floors (data/directory, receiptIndexFloors: shard thread -> the log sequence through
 * which the gateway durably indexed that shard's receipts), read while no server runs. A record at or below
 * its shard's floor was answered to the gateway and is known to its durable state: never damaged.
 */
export async function readReceiptIndexFloors(dataDirectory: string): Promise<Map<number, number>> {
  const path = join(dataDirectory, "directory");
  if ((await readdir(path).catch(() => [] as string[])).length === 0) return new Map();
  const directory = new LmdbDirectoryStore({ path });
  try {
    return directory.receiptIndexFloors();
  } finally {
    await directory.close();
  }
}



/**
 * Damages the tail of one shard's log of a stopped server (see the file header), or says why none could
 * be damaged. `eligible(requestKey)`: the request's record may be lost (no client holds its answer).
 */
export async function damageLogTail(options: {
  readonly dataDirectory: string;
  readonly eligible: (requestKey: string) => boolean;
  readonly random: () => number;
  readonly windowBytes?: number;
  readonly form?: TornForm;
  /** Per shard, the sequence at or below which nothing is damaged (readReceiptIndexFloors). Default: none. */
  readonly floors?: ReadonlyMap<number, number>;
}): Promise<TornOutcome> {
  const windowBytes = options.windowBytes ?? TORN_WINDOW_BYTES_DEFAULT;
  const reasons: string[] = [];
  const candidates: { tail: LogTail; suffix: TailRecord[] }[] = [];
  const shards = await shardDirectories(options.dataDirectory);
  for (const { shard, logDirectory } of shards) {
    const tail = await readLogTail(shard, logDirectory, windowBytes);
    if (typeof tail === "string") {
      reasons.push(tail);
      continue;
    }
    const floor = options.floors?.get(shard) ?? 0;
    const suffix = damageableSuffix(tail, options.eligible, floor);
    if (suffix.length === 0) {
      const last = tail.records.at(-1);
      reasons.push(
        last !== undefined && last.sequence <= floor
          ? `shard ${shard}: its last record (${last.sequence}) is within the receipt index's floor (${floor})`
          : `shard ${shard}: its last record (${last?.requestKey ?? "not an audit request"}) may have been answered`,
      );
      continue;
    }
    candidates.push({ tail, suffix });
  }
  if (shards.length === 0) reasons.push("no shard directory");
  if (candidates.length === 0) return { kind: "skipped", reason: reasons.join("; ") };

  const { tail, suffix } = pick(options.random, candidates);
  const record = pick(options.random, suffix);
  const form: TornForm = options.form ?? (options.random() < 0.5 ? "truncate" : "garble");
  const handle = await open(tail.segmentPath, "r+");
  try {
    const bytes = await readFile(handle);
    let offset: number;
    let changed: Uint8Array;
    if (form === "truncate") {
      let lastNonZero = record.end - 1;
      while (lastNonZero > record.offset && bytes[lastNonZero] === 0) lastNonZero -= 1;
      offset = integerBetween(options.random, record.offset + TRUNCATE_FROM_RECORD_BYTE_MIN, Math.max(record.offset + TRUNCATE_FROM_RECORD_BYTE_MIN, lastNonZero));
      changed = new Uint8Array(Math.max(0, nonZeroEnd(bytes, offset) - offset));
    } else {
      const count = integerBetween(options.random, 1, GARBLE_BYTES_MAX);
      offset = integerBetween(options.random, record.offset, record.end - count);
      changed = Uint8Array.from(bytes.subarray(offset, offset + count), (byte) => byte ^ integerBetween(options.random, 1, 255));
    }
    await handle.write(changed, 0, changed.length, offset);
    await handle.datasync();
    const lost = suffix.slice(suffix.indexOf(record));
    return { kind: "damaged", damage: { shard: tail.shard, segmentPath: tail.segmentPath, form, offset, bytes: changed.length, records: lost } };
  } finally {
    await handle.close();
  }
}
