import { assert } from "../../assert/assert.js";
import type { ActivityRecord } from "../shard-store.js";
import { hasExactKeys, numberAt, packRecord, stringAt, unpackRecord } from "./record-packer.js";

/**
 * A history entry at rest: its time, kind and detail (the member and the
 * sequence are in its key). A committed receipt's entry, by far the most
 * common, has a known shape and is stored by position; every other detail is
 * a map. decode(encode(entry)) equals the entry, keys in order.
 */

const HISTORY_FORMAT = 1;
const DETAIL_AS_MAP = 0;
const DETAIL_OF_RECEIPT = 1;
const RECEIPT_DETAIL_KEYS = ["receipt", "store", "total", "payable", "points", "redeem", "transaction"] as const;

export function encodeHistory(entry: ActivityRecord): Buffer {
  return packRecord([HISTORY_FORMAT, entry.at, entry.kind, ...encodeDetail(entry)]);
}

export function decodeHistory(
  where: { readonly logicalShard: number; readonly memberId: string; readonly sequence: number },
  bytes: Uint8Array,
): ActivityRecord {
  const what = `history entry ${where.sequence} of member ${where.memberId}`;
  const fields = unpackRecord(bytes, what);
  assert(fields[0] === HISTORY_FORMAT, `${what}: format ${String(fields[0])} is known`);
  return {
    logicalShard: where.logicalShard,
    memberId: where.memberId,
    sequence: where.sequence,
    at: numberAt(fields, 1, what),
    kind: stringAt(fields, 2, what),
    detail: decodeDetail(fields, `${where.memberId}-${where.sequence}`, what),
  };
}

function encodeDetail(entry: ActivityRecord): unknown[] {
  const detail = entry.detail;
  const withStatus = "statusChange" in detail;
  const keys = withStatus ? [...RECEIPT_DETAIL_KEYS, "statusChange"] : RECEIPT_DETAIL_KEYS;
  const transaction = detail["transaction"];
  const expectedTransaction = `${entry.memberId}-${entry.sequence}`;
  if (entry.kind !== "receipt" || !hasExactKeys(detail, keys) || transaction !== expectedTransaction) return [DETAIL_AS_MAP, detail];
  return [
    DETAIL_OF_RECEIPT,
    detail["receipt"],
    detail["store"],
    detail["total"],
    detail["payable"],
    detail["points"],
    detail["redeem"],
    ...(withStatus ? [detail["statusChange"]] : []),
  ];
}

function decodeDetail(fields: readonly unknown[], transaction: string, what: string): Readonly<Record<string, unknown>> {
  if (fields[3] === DETAIL_AS_MAP) {
    const detail = fields[4];
    assert(typeof detail === "object" && detail !== null && !Array.isArray(detail), `${what}: a stored detail is a map`);
    return detail as Record<string, unknown>;
  }
  assert(fields[3] === DETAIL_OF_RECEIPT, `${what}: detail form ${String(fields[3])} is known`);
  return {
    receipt: fields[4],
    store: fields[5],
    total: fields[6],
    payable: fields[7],
    points: fields[8],
    redeem: fields[9],
    // A receipt entry's transaction is its member and its own sequence (checked when encoded).
    transaction,
    ...(fields.length > 10 ? { statusChange: fields[10] } : {}),
  };
}
