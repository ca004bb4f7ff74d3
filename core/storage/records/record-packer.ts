import { Packr } from "msgpackr";
import { assert } from "../../assert/assert.js";

/**
 * The MessagePack encoder of every stored record (LMDB values and the log's
 * payloads alike). Records are positional arrays whose first element is the
 * record's format version, so field names are never stored and a newer build
 * can still read every older format. `useRecords: false` keeps the bytes plain
 * MessagePack (no msgpackr extensions, no structures to persist next to them).
 */
const packer = new Packr({ useRecords: false, mapsAsObjects: true });

/** The record's bytes, the caller's own (msgpackr returns a view of a buffer its next pack reuses: copied here). */
export function packRecord(fields: readonly unknown[]): Buffer {
  return Buffer.from(packer.pack(fields));
}

export function unpackRecord(bytes: Uint8Array, what: string): unknown[] {
  const fields: unknown = packer.unpack(bytes);
  assert(Array.isArray(fields) && fields.length >= 1, `a stored ${what} is an array whose first element is its format version`);
  return fields;
}

/** Reads field `index` of a decoded record as a number (an assertion: the log and LMDB hold only what loycore wrote). */
export function numberAt(fields: readonly unknown[], index: number, what: string): number {
  const value = fields[index];
  assert(typeof value === "number", `${what}: field ${index} is a number`);
  return value;
}

export function stringAt(fields: readonly unknown[], index: number, what: string): string {
  const value = fields[index];
  assert(typeof value === "string", `${what}: field ${index} is a string`);
  return value;
}

export function nullableNumberAt(fields: readonly unknown[], index: number, what: string): number | null {
  const value = fields[index];
  assert(value === null || typeof value === "number", `${what}: field ${index} is a number or null`);
  return value;
}

export function nullableStringAt(fields: readonly unknown[], index: number, what: string): string | null {
  const value = fields[index];
  assert(value === null || typeof value === "string", `${what}: field ${index} is a string or null`);
  return value;
}

export function arrayAt(fields: readonly unknown[], index: number, what: string): unknown[] {
  const value = fields[index];
  assert(Array.isArray(value), `${what}: field ${index} is an array`);
  return value;
}

/** True when `value` has exactly these own keys in this order: only then is a positional form exact. */
export function hasExactKeys(value: object, keys: readonly string[]): boolean {
  const own = Object.keys(value);
  if (own.length !== keys.length) return false;
  for (let index = 0; index < keys.length; index += 1) if (own[index] !== keys[index]) return false;
  return true;
}

/** Lot sources by stored code. Append only: a code, once written, means its source forever. */
export const STORED_LOT_SOURCES = ["receipt", "bonus", "adjustment", "campaign", "transfer"] as const;

export function lotSourceCode(source: string): number {
  const code = (STORED_LOT_SOURCES as readonly string[]).indexOf(source);
  assert(code >= 0, `lot source ${source} has a stored code`);
  return code;
}

export function lotSourceOf(code: unknown, what: string): (typeof STORED_LOT_SOURCES)[number] {
  assert(typeof code === "number", `${what}: a lot source code is a number`);
  const source = STORED_LOT_SOURCES[code];
  assert(source !== undefined, `${what}: lot source code ${code} is known`);
  return source;
}
