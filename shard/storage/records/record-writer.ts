import { assert } from "../../../domain/assert/assert.js";

/**
 * Writes stored records as compact bytes: unsigned integers as LEB128
 * varints (a count or an amount in kopecks is one to four bytes, epoch
 * milliseconds six), signed ones zigzag-encoded first, strings as a varint
 * length and their UTF-8 bytes, and nullable values with 0 meaning null.
 * One writer fills one buffer for a whole operation (its keys, values and the
 * log record around them), growing it when needed: no intermediate arrays,
 * no copies per value.
 */
export class RecordWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = RECORD_WRITER_INITIAL_BYTES) {
    assert(Number.isInteger(initialBytes) && initialBytes >= 1, "a writer starts with room for at least one byte");
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes the writer can hold before it grows. */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Bytes written so far. */
  get position(): number {
    return this.length;
  }

  /** The bytes written so far (a view; valid until the next write grows the buffer, so take it at the end). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** The bytes written so far as a buffer of their own, exactly their length: the writer may then be reused. */
  copyOut(): Buffer {
    const copy = Buffer.allocUnsafe(this.length);
    this.buffer.copy(copy, 0, 0, this.length);
    return copy;
  }

  /** Forgets everything written, keeping the buffer (and its size) for the next record. */
  clear(): void {
    this.length = 0;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length] = value;
    this.length += 1;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** A non-negative safe integer as an LEB128 varint. */
  uint(value: number): void {
    if (this.length + 8 > this.buffer.length) this.reserve(8);
    const buffer = this.buffer;
    let at = this.length;
    // Most stored integers fit 31 bits: bit operations, no division.
    if (value >= 0 && value <= 0x7fff_ffff && (value | 0) === value) {
      let rest = value;
      while (rest >= 0x80) {
        buffer[at++] = (rest & 0x7f) | 0x80;
        rest >>>= 7;
      }
      buffer[at++] = rest;
      this.length = at;
      return;
    }
    if (!(Number.isSafeInteger(value) && value >= 0)) assert(false, `a stored unsigned integer is a non-negative safe integer, got ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      buffer[at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    buffer[at++] = rest;
    this.length = at;
  }

  /** An integer of magnitude at most STORED_INTEGER_MAGNITUDE_MAX, zigzag-encoded (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...). */
  int(value: number): void {
    // 30-bit values (nearly all): zigzag with bit operations; the rest checked and computed in doubles.
    if ((value | 0) === value && value < 0x4000_0000 && value >= -0x4000_0000) {
      this.uint(((value << 1) ^ (value >> 31)) >>> 0);
      return;
    }
    assertStorableInteger(value);
    this.uint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** A non-negative integer below STORED_INTEGER_MAGNITUDE_MAX, or null (null is 0, n is n + 1). */
  nullableUint(value: number | null): void {
    if (value !== null && !(isStorableInteger(value) && value >= 0)) assert(false, `a stored unsigned integer is a non-negative integer of at most 2^52 - 1, got ${value}`);
    this.uint(value === null ? 0 : value + 1);
  }

  /** An integer of magnitude at most STORED_INTEGER_MAGNITUDE_MAX, or null (null is 0, n is zigzag(n) + 1). */
  nullableInt(value: number | null): void {
    if (value === null) this.uint(0);
    else {
      assertStorableInteger(value);
      this.uint((value >= 0 ? value * 2 : -value * 2 - 1) + 1);
    }
  }

  string(value: string): void {
    if (value.length < ASCII_FAST_PATH_CHARACTERS_MAX && this.writeAscii(value, 0)) return;
    const byteLength = Buffer.byteLength(value, "utf8");
    this.uint(byteLength);
    this.reserve(byteLength);
    this.length += this.buffer.write(value, this.length, byteLength, "utf8");
  }

  /**
   * Short ASCII strings (ids, SKUs, rule names: nearly all stored strings)
   * written byte by byte, cheaper than a call into the native encoder; false
   * (nothing written) when `value` is not all ASCII. `offset` is added to the
   * length prefix (nullableString's + 1).
   */
  private writeAscii(value: string, offset: number): boolean {
    const count = value.length;
    for (let index = 0; index < count; index += 1) if (value.charCodeAt(index) > 0x7f) return false;
    this.uint(count + offset);
    if (this.length + count > this.buffer.length) this.reserve(count);
    const buffer = this.buffer;
    let at = this.length;
    for (let index = 0; index < count; index += 1) buffer[at++] = value.charCodeAt(index);
    this.length = at;
    return true;
  }

  nullableString(value: string | null): void {
    if (value === null) {
      this.uint(0);
      return;
    }
    if (value.length < ASCII_FAST_PATH_CHARACTERS_MAX && this.writeAscii(value, 1)) return;
    const byteLength = Buffer.byteLength(value, "utf8");
    this.uint(byteLength + 1);
    this.reserve(byteLength);
    this.length += this.buffer.write(value, this.length, byteLength, "utf8");
  }

  boolean(value: boolean): void {
    this.byte(value ? 1 : 0);
  }

  u16(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, "a u16 is in range");
    this.reserve(2);
    this.buffer.writeUInt16LE(value, this.length);
    this.length += 2;
  }

  /** A u32 written later (a length): reserves four bytes and returns where they are. */
  placeholderU32(): number {
    this.reserve(4);
    const at = this.length;
    this.length += 4;
    return at;
  }

  fillU32(at: number, value: number): void {
    assert(at + 4 <= this.length && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff, "a u32 placeholder is filled once, in range");
    this.buffer.writeUInt32LE(value, at);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    // Doubling from at least one byte: a writer made with room for 1 grows too.
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/**
 * Signed stored integers have a magnitude of at most this: zigzag encoding
 * doubles them, and the result must stay a safe integer. Every amount,
 * count and time loycore keeps is far smaller (POINTS_BALANCE_MAX is 10^15,
 * epoch milliseconds 2^41).
 */
export const STORED_INTEGER_MAGNITUDE_MAX = 2 ** 52 - 1;

/** True for a number a signed stored integer field can hold. */
export function isStorableInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= STORED_INTEGER_MAGNITUDE_MAX;
}

/** The message (which formats the number) only on failure: stored integers are checked by the thousand per operation. */
function assertStorableInteger(value: number): void {
  if (!isStorableInteger(value)) assert(false, `a stored integer has a magnitude of at most 2^52 - 1, got ${value}`);
}

/** Strings shorter than this are tried as ASCII first (RecordWriter.writeAscii). */
const ASCII_FAST_PATH_CHARACTERS_MAX = 128;

/** A writer starts with this much room: one commit's records are about 0.5-2 KB. */
export const RECORD_WRITER_INITIAL_BYTES = 2_048;

/** Reads what RecordWriter wrote. Every read is checked: stored bytes are loycore's own, so a bad one is an assertion. */
export class RecordReader {
  private at: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.at = start;
  }

  get done(): boolean {
    return this.at >= this.end;
  }

  byte(): number {
    if (this.at >= this.end) assert(false, `${this.what}: a byte is there`);
    const value = this.bytes[this.at] as number;
    this.at += 1;
    return value;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let count = 0; count < 8; count += 1) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) assert(false, `${this.what}: a varint is a safe integer`);
        return value;
      }
      scale *= 0x80;
    }
    assert(false, `${this.what}: a varint ends within eight bytes`);
  }

  int(): number {
    const zigzag = this.uint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  nullableUint(): number | null {
    const stored = this.uint();
    return stored === 0 ? null : stored - 1;
  }

  nullableInt(): number | null {
    const stored = this.uint();
    if (stored === 0) return null;
    const zigzag = stored - 1;
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  string(): string {
    return this.text(this.uint());
  }

  nullableString(): string | null {
    const stored = this.uint();
    return stored === 0 ? null : this.text(stored - 1);
  }

  boolean(): boolean {
    const value = this.byte();
    if (value !== 0 && value !== 1) assert(false, `${this.what}: a boolean is 0 or 1`);
    return value === 1;
  }

  /** `length` raw bytes (a view). */
  slice(length: number): Uint8Array {
    if (!(this.at + length <= this.end)) assert(false, `${this.what}: ${length} bytes are there`);
    const view = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return view;
  }

  private text(length: number): string {
    if (!(this.at + length <= this.end)) assert(false, `${this.what}: a string of ${length} bytes is there`);
    const value = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, length).toString("utf8");
    this.at += length;
    return value;
  }
}
