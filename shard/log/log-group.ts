import { assert } from "../../domain/assert/assert.js";
import { LOG_STAGING_CHUNK_BYTES } from "./log-limits.js";
import { encodeRecord, recordBytes } from "./record-format.js";

/** A segment of a file log as the writer tracks it. */
export interface WritableSegment {
  readonly index: number;
  readonly path: string;
  readonly sizeBytes: number;
  /** Open for writing while groups may still go to it; null once retired and closed. */
  fd: number | null;
  /** The sequence of its first record (from its header). */
  readonly firstSequence: number;
  /** The last record staged into it (firstSequence - 1 while none). */
  lastSequence: number;
  /** Where the next staged byte goes. */
  tail: number;
}

/**
 * One group commit: consecutive records (and, for a segment's first group, the segment header) bound
 * for one place of one segment, written with one writev and made durable with one fdatasync. Records
 * are copied into staging buffers of LOG_STAGING_CHUNK_BYTES as they are appended, so a group is a few
 * buffers whatever its record count, and the caller may reuse its payload at once.
 */
export class LogGroup {
  /** Where the group starts in its segment. */
  readonly offset: number;
  /** Bytes the group writes, header included. */
  bytes = 0;
  /** Bytes of its records alone (what pendingBytes counts). */
  recordBytes = 0;
  /** Its first and last record's sequences (lastSequence < firstSequence while empty). */
  readonly firstSequence: number;
  lastSequence: number;
  private readonly buffers: Uint8Array[] = [];
  private chunk: Uint8Array | null = null;
  private chunkUsed = 0;
  private sealed = false;
  private durable: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | null = null;

  constructor(
    readonly segment: WritableSegment,
    header: Uint8Array | null,
    firstSequence: number,
  ) {
    this.offset = segment.tail;
    this.firstSequence = firstSequence;
    this.lastSequence = firstSequence - 1;
    if (header !== null) {
      assert(this.offset === 0, "a segment header goes at offset 0");
      this.buffers.push(header);
      this.bytes = header.length;
      segment.tail += header.length;
    }
  }

  /** Copies a record into the group (and advances its segment's tail). */
  add(sequence: number, payload: Uint8Array): void {
    assert(!this.sealed, "records are added only to a group not yet written");
    if (!(sequence === this.lastSequence + 1)) assert(false, `group records are consecutive: ${sequence} after ${this.lastSequence}`);
    const size = recordBytes(payload.length);
    if (this.chunk === null || this.chunkUsed + size > this.chunk.length) {
      this.flushChunk();
      this.chunk = Buffer.allocUnsafe(Math.max(LOG_STAGING_CHUNK_BYTES, size));
      this.chunkUsed = 0;
    }
    this.chunkUsed += encodeRecord(this.chunk, this.chunkUsed, sequence, payload);
    this.bytes += size;
    this.recordBytes += size;
    this.lastSequence = sequence;
    this.segment.tail += size;
    this.segment.lastSequence = sequence;
  }

  /** Ends the group: its buffers, in order, for one writev. */
  seal(): readonly Uint8Array[] {
    assert(!this.sealed, "a group is written once");
    this.flushChunk();
    this.sealed = true;
    return this.buffers;
  }

  /** A promise of this group's durability, made when first asked for (most groups are never asked). */
  whenDurable(): Promise<void> {
    if (this.durable === null) {
      let resolve: () => void = () => undefined;
      let reject: (error: unknown) => void = () => undefined;
      const promise = new Promise<void>((resolvePromise, rejectPromise) => {
        resolve = resolvePromise;
        reject = rejectPromise;
      });
      this.durable = { promise, resolve, reject };
    }
    return this.durable.promise;
  }

  /** Settles whoever waits on the group. */
  settle(error: unknown): void {
    if (this.durable === null) return;
    if (error === null) this.durable.resolve();
    else this.durable.reject(error);
  }

  private flushChunk(): void {
    if (this.chunk !== null && this.chunkUsed > 0) this.buffers.push(this.chunk.subarray(0, this.chunkUsed));
    this.chunk = null;
    this.chunkUsed = 0;
  }
}
