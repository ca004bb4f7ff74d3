import { assert } from "../../../domain/assert/assert.js";
import type { ActivityRecord } from "../shard-store.js";
import { hasExactKeys, isStorableInteger, readMap, writeMap } from "./record-packer.js";
import { RecordReader, type RecordWriter } from "./record-writer.js";

/**
 * A history entry at rest: its time, kind and detail (the member and the
 * sequence are in its key). A committed receipt's entry, by far the most
 * common, has a known shape and is stored field by field; every other detail
 * is a MessagePack map. read(write(entry)) equals the entry, keys in order.
 */

const HISTORY_FORMAT = 1;
const DETAIL_AS_MAP = 0;
const DETAIL_OF_RECEIPT = 1;
const RECEIPT_DETAIL_KEYS = ["receipt", "store", "total", "payable", "points", "redeem", "transaction"] as const;
const RECEIPT_DETAIL_KEYS_WITH_STATUS = [...RECEIPT_DETAIL_KEYS, "statusChange"] as const;
const RECEIPT_DETAIL_INTEGERS = ["total", "payable", "points", "redeem"] as const;
const STATUS_CHANGE_KEYS = ["from", "to"] as const;

export function writeHistory(writer: RecordWriter, entry: ActivityRecord): void {
  writer.byte(HISTORY_FORMAT);
  writer.int(entry.at);
  writer.string(entry.kind);
  if (!isReceiptDetail(entry)) {
    writer.byte(DETAIL_AS_MAP);
    writeMap(writer, entry.detail);
    return;
  }
  const detail = entry.detail;
  writer.byte(DETAIL_OF_RECEIPT);
  writer.string(detail["receipt"] as string);
  writer.string(detail["store"] as string);
  for (const key of RECEIPT_DETAIL_INTEGERS) writer.int(detail[key] as number);
  const statusChange = detail["statusChange"] as { readonly from: string | null; readonly to: string | null } | undefined;
  if (statusChange === undefined) writer.byte(0);
  else {
    writer.byte(1);
    writer.nullableString(statusChange.from);
    writer.nullableString(statusChange.to);
  }
}

export function readHistory(where: { readonly logicalShard: number; readonly memberId: string; readonly sequence: number }, bytes: Uint8Array): ActivityRecord {
  const what = `history entry ${where.sequence} of member ${where.memberId}`;
  const reader = new RecordReader(bytes, what);
  const format = reader.byte();
  if (format !== HISTORY_FORMAT) assert(false, `${what}: format ${format} is known`);
  const at = reader.int();
  const kind = reader.string();
  const form = reader.byte();
  if (!(form === DETAIL_AS_MAP || form === DETAIL_OF_RECEIPT)) assert(false, `${what}: detail form ${form} is known`);
  let detail: Readonly<Record<string, unknown>>;
  if (form === DETAIL_AS_MAP) detail = readMap(reader);
  else {
    const receipt = reader.string();
    const store = reader.string();
    const [total, payable, points, redeem] = RECEIPT_DETAIL_INTEGERS.map(() => reader.int());
    // A receipt entry's transaction is its member and its own sequence (checked when written).
    const transaction = `${where.memberId}-${where.sequence}`;
    const statusChange = reader.byte() === 1 ? { from: reader.nullableString(), to: reader.nullableString() } : undefined;
    detail = { receipt, store, total, payable, points, redeem, transaction, ...(statusChange === undefined ? {} : { statusChange }) };
  }
  assert(reader.done, `${what}: the entry ends after its detail`);
  return { logicalShard: where.logicalShard, memberId: where.memberId, sequence: where.sequence, at, kind, detail };
}

/** A receipt's entry of exactly the shape a commit writes. */
function isReceiptDetail(entry: ActivityRecord): boolean {
  const detail = entry.detail;
  if (entry.kind !== "receipt") return false;
  const statusChange = detail["statusChange"];
  const keys = "statusChange" in detail ? RECEIPT_DETAIL_KEYS_WITH_STATUS : RECEIPT_DETAIL_KEYS;
  if (!hasExactKeys(detail, keys)) return false;
  if (typeof detail["receipt"] !== "string" || typeof detail["store"] !== "string") return false;
  if (detail["transaction"] !== `${entry.memberId}-${entry.sequence}`) return false;
  for (const key of RECEIPT_DETAIL_INTEGERS) if (!isStorableInteger(detail[key])) return false;
  if (statusChange === undefined) return !("statusChange" in detail);
  if (typeof statusChange !== "object" || statusChange === null || !hasExactKeys(statusChange, STATUS_CHANGE_KEYS)) return false;
  const { from, to } = statusChange as { from: unknown; to: unknown };
  return (from === null || typeof from === "string") && (to === null || typeof to === "string");
}
