import { assert } from "../../../domain/assert/assert.js";
import type { SettlementRecord } from "../shard-store.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * A settlement entry at rest: the parts its key does not hold (record-keys.ts
 * settlementKey holds the day, the partners, the member and the sequence).
 * read(write(entry)) equals the entry.
 */
const SETTLEMENT_FORMAT = 1;

export function writeSettlement(writer: RecordWriter, entry: SettlementRecord): void {
  writer.byte(SETTLEMENT_FORMAT);
  writer.int(entry.at);
  writer.string(entry.store);
  writer.string(entry.receiptId);
  writer.string(entry.operation);
  writer.int(entry.points);
  writer.int(entry.valueMinor);
}

export function readSettlement(
  where: Pick<SettlementRecord, "logicalShard" | "day" | "issuer" | "redeemer" | "memberId" | "sequence">,
  bytes: Uint8Array,
): SettlementRecord {
  const what = `settlement entry ${where.sequence} of member ${where.memberId}`;
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== SETTLEMENT_FORMAT) assert(false, `${what}: format ${format} is known`);
  const entry: SettlementRecord = {
    ...where,
    at: reader.int(),
    store: reader.string(),
    receiptId: reader.string(),
    operation: reader.string(),
    points: reader.int(),
    valueMinor: reader.int(),
  };
  assert(reader.done, `${what}: the record ends after its value`);
  return entry;
}
