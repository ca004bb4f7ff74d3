import { LoycoreError } from "../../protocol/errors/loycore-error.js";

/**
 * Field readers for untrusted input (decoded msgpack or JSON). Each reader
 * either returns a value of the promised type or throws a BAD_REQUEST
 * LoycoreError whose message names the field, so that an integrator sees
 * exactly what to fix (undici's style of validating options one by one).
 *
 * Hand-written rather than a schema library: this runs on the hot path of
 * every request, and a reader per field costs a few comparisons.
 */
export type InputObject = Readonly<Record<string, unknown>>;

export function badRequest(field: string, expectation: string): LoycoreError {
  return new LoycoreError("BAD_REQUEST", `${field} ${expectation}`);
}

export function isPlainObject(value: unknown): value is InputObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function readObject(value: unknown, field: string): InputObject {
  if (!isPlainObject(value)) throw badRequest(field, "must be an object");
  return value;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function readString(value: unknown, field: string, maxLength: number, pattern?: RegExp): string {
  if (typeof value !== "string") throw badRequest(field, "must be a string");
  if (value.length === 0) throw badRequest(field, "must not be empty");
  if (value.length > maxLength) throw badRequest(field, `must be at most ${maxLength} characters`);
  // Stored and sent as UTF-8: a lone surrogate (possible in JSON) has no UTF-8 form and would come back changed.
  if (LONE_SURROGATE.test(value)) throw badRequest(field, "must be well-formed Unicode (no lone surrogates)");
  if (pattern !== undefined && !pattern.test(value)) throw badRequest(field, `must match ${String(pattern)}`);
  return value;
}

export function readOptionalString(
  value: unknown,
  field: string,
  maxLength: number,
  pattern?: RegExp,
): string | undefined {
  if (value === undefined || value === null) return undefined;
  return readString(value, field, maxLength, pattern);
}

/** An integer in [minimum, maximum]; money and points always go through here. */
export function readInteger(value: unknown, field: string, minimum: number, maximum: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw badRequest(field, "must be an integer");
  if (value < minimum) throw badRequest(field, `must be at least ${minimum}`);
  if (value > maximum) throw badRequest(field, `must be at most ${maximum}`);
  return value;
}

export function readOptionalInteger(
  value: unknown,
  field: string,
  minimum: number,
  maximum: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  return readInteger(value, field, minimum, maximum);
}

export function readOptionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badRequest(field, "must be true or false");
  return value;
}

/** A finite number greater than zero and at most `maximum` (quantities, never money). */
export function readPositiveNumber(value: unknown, field: string, maximum: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw badRequest(field, "must be a finite number");
  if (value <= 0) throw badRequest(field, "must be greater than 0");
  if (value > maximum) throw badRequest(field, `must be at most ${maximum}`);
  return value;
}

export function readArray(value: unknown, field: string, minLength: number, maxLength: number): readonly unknown[] {
  if (!Array.isArray(value)) throw badRequest(field, "must be an array");
  if (value.length < minLength) throw badRequest(field, `must have at least ${minLength} items`);
  if (value.length > maxLength) throw badRequest(field, `must have at most ${maxLength} items`);
  return value;
}

/** Refuses fields the operation does not know, so a typo never passes silently. */
export function refuseUnknownFields(input: InputObject, field: string, known: ReadonlySet<string>): void {
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw badRequest(field === "" ? key : `${field}.${key}`, "is not a known field");
  }
}
