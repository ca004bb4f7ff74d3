import { assert } from "../../domain/assert/assert.js";
import type { Mutation } from "./mutation.js";
import { RecordWriter } from "./records/record-writer.js";

/**
 * The payload of one log record: the mutations of one operation, as bytes.
 *
 *   [format: u8 = 1][count: u32 LE]
 *   count x ( [key length: u16 LE][key][value length: u32 LE, 0xFFFFFFFF = delete][value] )
 *
 * An operation's records are written straight into its payload
 * (MutationPayloadWriter), and the overlay and a checkpoint use views into
 * it: each value is encoded once and copied by nobody but the log. Replay
 * hands out views of the payload without decoding the records.
 */
const PAYLOAD_FORMAT = 1;
const DELETED = 0xffff_ffff;
const HEADER_BYTES = 5;
const KEY_LENGTH_BYTES = 2;
const VALUE_LENGTH_BYTES = 4;

/**
 * The writer payloads are built in, reused: a thread encodes its operations
 * one at a time, and each finished payload is copied out at its exact length
 * (so no operation allocates, grows or keeps a whole writer's buffer). A
 * payload writer takes it and gives it back at finish; one started while it
 * is taken (or after one was abandoned half-way) makes its own.
 */
let spareWriter: RecordWriter | null = null;
/** A writer grown past this (an operation of many lot chunks) is not kept: memory for one rare operation is not held for good. */
const SPARE_WRITER_BYTES_MAX = 64 * 1024;

/** Builds one operation's payload, a mutation at a time. */
export class MutationPayloadWriter {
  private readonly writer: RecordWriter;
  private readonly countAt: number;
  /** [key start, key end, value start, value end or -1 for a delete] per mutation. */
  private readonly spans: number[] = [];
  private finished = false;

  constructor() {
    this.writer = spareWriter ?? new RecordWriter();
    spareWriter = null;
    this.writer.clear();
    this.writer.byte(PAYLOAD_FORMAT);
    this.countAt = this.writer.placeholderU32();
  }

  /** Puts the value `write` writes under `key`. */
  put(key: Uint8Array, write: (writer: RecordWriter) => void): void {
    assert(!this.finished, "a finished payload takes no more mutations");
    const keyStart = this.key(key);
    const lengthAt = this.writer.placeholderU32();
    const valueStart = this.writer.position;
    write(this.writer);
    const valueEnd = this.writer.position;
    this.writer.fillU32(lengthAt, valueEnd - valueStart);
    this.spans.push(keyStart, keyStart + key.length, valueStart, valueEnd);
  }

  delete(key: Uint8Array): void {
    assert(!this.finished, "a finished payload takes no more mutations");
    const keyStart = this.key(key);
    this.writer.fillU32(this.writer.placeholderU32(), DELETED);
    this.spans.push(keyStart, keyStart + key.length, 0, -1);
  }

  /** The payload and its mutations as views into it. */
  finish(): { readonly payload: Buffer; readonly mutations: Mutation[] } {
    assert(!this.finished, "a payload is finished once");
    this.finished = true;
    const count = this.spans.length / 4;
    this.writer.fillU32(this.countAt, count);
    const payload = this.writer.copyOut();
    if (this.writer.capacity <= SPARE_WRITER_BYTES_MAX) spareWriter = this.writer;
    const spans = this.spans;
    const mutations: Mutation[] = [];
    for (let at = 0; at < spans.length; at += 4) {
      const valueEnd = spans[at + 3] as number;
      mutations.push({
        key: payload.subarray(spans[at] as number, spans[at + 1] as number),
        value: valueEnd < 0 ? null : payload.subarray(spans[at + 2] as number, valueEnd),
      });
    }
    return { payload, mutations };
  }

  private key(key: Uint8Array): number {
    assert(key.length <= 0xffff, "a key fits a u16 length");
    this.writer.u16(key.length);
    const start = this.writer.position;
    this.writer.bytes(key);
    return start;
  }
}

/** The mutations of a payload; keys and values are views into it. */
export function decodeMutations(payload: Uint8Array): Mutation[] {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  assert(bytes.length >= HEADER_BYTES && bytes[0] === PAYLOAD_FORMAT, `a log payload has format ${PAYLOAD_FORMAT}`);
  const count = bytes.readUInt32LE(1);
  const mutations: Mutation[] = [];
  let at = HEADER_BYTES;
  for (let index = 0; index < count; index += 1) {
    const keyLength = bytes.readUInt16LE(at);
    at += KEY_LENGTH_BYTES;
    const key = bytes.subarray(at, at + keyLength);
    at += keyLength;
    const valueLength = bytes.readUInt32LE(at);
    at += VALUE_LENGTH_BYTES;
    if (valueLength === DELETED) {
      mutations.push({ key, value: null });
      continue;
    }
    mutations.push({ key, value: bytes.subarray(at, at + valueLength) });
    at += valueLength;
  }
  assert(at === bytes.length, "a log payload holds exactly its mutations");
  return mutations;
}
