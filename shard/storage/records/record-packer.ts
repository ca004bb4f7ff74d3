import { Packr } from "msgpackr";
import { assert } from "../../../domain/assert/assert.js";
import type { RecordReader, RecordWriter } from "./record-writer.js";

/**
 * Free-form parts of stored records (an answer or a history detail that has
 * no positional form) are MessagePack maps, written inside the record with
 * their length. `useRecords: false` keeps the bytes plain MessagePack (no
 * msgpackr extensions, no structures to persist next to them).
 */
const packer = new Packr({ useRecords: false, mapsAsObjects: true });

export function writeMap(writer: RecordWriter, value: Readonly<Record<string, unknown>>): void {
  const bytes = packer.pack(value);
  writer.uint(bytes.length);
  writer.bytes(bytes);
}

export function readMap(reader: RecordReader): Record<string, unknown> {
  const bytes = reader.slice(reader.uint());
  const value: unknown = packer.unpack(bytes);
  assert(typeof value === "object" && value !== null && !Array.isArray(value), "a stored map is a map");
  return value as Record<string, unknown>;
}

/**
 * True when `value` has exactly these own keys in this order: only then is a
 * positional form exact. What for-in sees: its enumerable keys, inherited
 * ones included (any makes it false). A plain object that inherits nothing
 * enumerable (nearly every answer) is checked on Object.keys, which is the
 * same list and a few times cheaper than a for-in loop.
 */
export function hasExactKeys(value: object, keys: readonly string[]): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === null || (prototype === Object.prototype && !hasEnumerableKey(prototype))) {
    const own = Object.keys(value);
    if (own.length !== keys.length) return false;
    for (let index = 0; index < own.length; index += 1) if (own[index] !== keys[index]) return false;
    return true;
  }
  let index = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    if (keys[index] !== key) return false;
    index += 1;
  }
  return index === keys.length;
}

/** True when for-in over `value` sees any key (its own or inherited). */
function hasEnumerableKey(value: object): boolean {
  for (const key in value) if (key !== undefined) return true;
  return false;
}

export { isStorableInteger } from "./record-writer.js";

/** Lot sources by stored code. Append only: a code, once written, means its source forever. */
export const STORED_LOT_SOURCES = ["receipt", "bonus", "adjustment", "campaign", "transfer", "survey"] as const;

export function lotSourceCode(source: string): number {
  const code = (STORED_LOT_SOURCES as readonly string[]).indexOf(source);
  assert(code >= 0, `lot source ${source} has a stored code`);
  return code;
}

export function lotSourceOf(code: number, what: string): (typeof STORED_LOT_SOURCES)[number] {
  const source = STORED_LOT_SOURCES[code];
  if (source === undefined) assert(false, `${what}: lot source code ${code} is known`);
  return source;
}
