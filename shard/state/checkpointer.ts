import { assert } from "../../domain/assert/assert.js";
import { failure, type Failure } from "../../protocol/errors/loycore-error.js";
import type { ShardStore } from "../storage/shard-store.js";
import { StorageFullError } from "../storage/storage-failure.js";
import type { CommitLog } from "../log/commit-log.js";
import type { OverlayGeneration } from "./overlay-generation.js";
import type { ShardState } from "./shard-state.js";

/** When checkpoints run and how much the overlay may hold. Every field has a default (CHECKPOINT_DEFAULTS). */
export interface CheckpointConfig {
  /**
   * Start a checkpoint once the filling generation holds this much. 32 MiB is
   * a few seconds of peak load (about 1-2 KB of overlay per receipt): large
   * enough that a member buying twice in that time is written once, small
   * enough that one checkpoint is a short LMDB transaction.
   */
  readonly triggerBytes: number;
  /**
   * ... or once anything has waited this long. It bounds the log a restart
   * replays (recovery time) and the segments kept on disk.
   */
  readonly intervalMilliseconds: number;
  /**
   * The overlay's limit: at this much memory (both generations), operations
   * that would change state are refused with BUSY (STORAGE_FULL while
   * checkpoints fail for lack of space) until a checkpoint completes. Reads
   * are still answered.
   */
  readonly overlayBytesMax: number;
  /** After a checkpoint failed for lack of space, wait this long before trying it again. */
  readonly retryMilliseconds: number;
}

export const CHECKPOINT_DEFAULTS: CheckpointConfig = {
  triggerBytes: 32 * 1024 * 1024,
  intervalMilliseconds: 2_000,
  overlayBytesMax: 256 * 1024 * 1024,
  retryMilliseconds: 1_000,
};

/** Where a crash test may kill the process during a checkpoint (no-op in production). */
export type CheckpointCrashPoint = "checkpoint-before-write" | "checkpoint-after-write-before-truncate";

export interface CheckpointerOptions {
  readonly state: ShardState;
  readonly store: ShardStore;
  readonly log: CommitLog;
  readonly config: CheckpointConfig;
  /** Monotonic milliseconds. */
  readonly monotonicMilliseconds: () => number;
  /** A checkpoint became durable: bytes of overlay written, seconds it took. */
  readonly observeCheckpoint?: (bytes: number, seconds: number) => void;
  readonly onCrashPoint?: (point: CheckpointCrashPoint) => void;
  /**
   * The gateway's receipt index is durable through this log sequence. A
   * checkpoint waits until it covers the generation's last receipt, so a
   * receipt the index may lack is always in the log a restart replays, and
   * the restart reports it to the gateway (recovery.ts).
   */
  readonly receiptIndexThrough: number;
}

/**
 * Writes the overlay to LMDB, off the acknowledgement path: freeze the
 * filling generation, wait until its last log record is durable (a
 * checkpoint never holds an operation the log could still lose), write it in
 * one durable LMDB transaction that also records the log position it covers,
 * let the overlay go of it, then drop the log segments wholly before that
 * position. A crash anywhere in between is recovered by replaying the log
 * from the position LMDB records (docs/ARCHITECTURE.md, "Durability").
 */
export class Checkpointer {
  private inFlight: Promise<void> | null = null;
  private storageFull = false;
  private lastCheckpointMilliseconds: number;
  private receiptIndexThrough: number;
  private receiptIndexWaiters: { readonly through: number; readonly resolve: () => void }[] = [];
  private abandoned = false;

  constructor(private readonly options: CheckpointerOptions) {
    validateCheckpointConfig(options.config);
    this.lastCheckpointMilliseconds = options.monotonicMilliseconds();
    this.receiptIndexThrough = options.receiptIndexThrough;
  }

  /** The gateway's receipt index is durable through `through` now (it only grows). */
  raiseReceiptIndexFloor(through: number): void {
    this.receiptIndexThrough = Math.max(this.receiptIndexThrough, through);
    const ready = this.receiptIndexWaiters.filter((waiter) => waiter.through <= this.receiptIndexThrough);
    this.receiptIndexWaiters = this.receiptIndexWaiters.filter((waiter) => waiter.through > this.receiptIndexThrough);
    for (const waiter of ready) waiter.resolve();
  }

  /** Resolves once the gateway's receipt index covers `sequence`. One waiter at most: one checkpoint runs at a time. */
  private receiptIndexCovers(sequence: number): Promise<void> {
    if (sequence <= this.receiptIndexThrough) return Promise.resolve();
    assert(this.receiptIndexWaiters.length === 0, "one checkpoint waits for the receipt index at a time");
    return new Promise((resolve) => this.receiptIndexWaiters.push({ through: sequence, resolve }));
  }

  /** Why a state-changing operation must be refused now, or null. */
  refusal(): Failure<"STORAGE_FULL" | "BUSY"> | null {
    if (this.options.state.overlayBytes < this.options.config.overlayBytesMax) return null;
    return this.storageFull
      ? failure("STORAGE_FULL", "the server's storage is full; nothing was written; retry later with the same idempotency key")
      : failure("BUSY", "the shard is writing a checkpoint and its memory for new operations is full; retry shortly");
  }

  /** Starts a checkpoint if one is due and none is running. */
  maybeStart(): void {
    if (this.inFlight !== null) return;
    const { state, config, monotonicMilliseconds } = this.options;
    const due =
      state.activeBytes >= config.triggerBytes ||
      (state.activeBytes > 0 && monotonicMilliseconds() - this.lastCheckpointMilliseconds >= config.intervalMilliseconds);
    if (!due) return;
    this.start();
  }

  /** Waits for a running checkpoint, then writes everything staged so far (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.inFlight !== null) await this.inFlight;
    this.start();
    if (this.inFlight !== null) await this.inFlight;
  }

  /**
   * Shutdown: a checkpoint still waiting for the receipt index will not
   * write (the log holds everything; the next start replays it), so the
   * store can close under it.
   */
  abandon(): void {
    this.abandoned = true;
    for (const waiter of this.receiptIndexWaiters.splice(0)) waiter.resolve();
  }

  get running(): boolean {
    return this.inFlight !== null;
  }

  private start(): void {
    assert(this.inFlight === null, "one checkpoint at a time");
    const generation = this.options.state.beginCheckpoint();
    if (generation === null) return;
    const run = this.write(generation);
    this.inFlight = run;
    run.then(
      () => {
        this.inFlight = null;
      },
      (error: unknown) => {
        // Not a full disk: an I/O error nobody can reason about. Crash-only:
        // everything acknowledged is in the log, and a restart replays it.
        setImmediate(() => {
          throw error instanceof Error ? error : new Error(String(error));
        });
      },
    );
  }

  private async write(generation: OverlayGeneration): Promise<void> {
    const { state, store, log, monotonicMilliseconds } = this.options;
    const started = monotonicMilliseconds();
    const covered = generation.lastSequence + 1;
    await log.whenDurable(generation.lastSequence);
    await this.receiptIndexCovers(generation.lastReceiptSequence);
    if (this.abandoned) return;
    this.options.onCrashPoint?.("checkpoint-before-write");
    for (;;) {
      try {
        await store.writeCheckpoint(generation.entries.values(), covered);
        break;
      } catch (error) {
        if (!(error instanceof StorageFullError)) throw error;
        this.storageFull = true;
        await new Promise((resolve) => setTimeout(resolve, this.options.config.retryMilliseconds));
      }
    }
    this.storageFull = false;
    this.options.onCrashPoint?.("checkpoint-after-write-before-truncate");
    state.finishCheckpoint(generation);
    this.lastCheckpointMilliseconds = monotonicMilliseconds();
    this.options.observeCheckpoint?.(generation.bytes, (this.lastCheckpointMilliseconds - started) / 1000);
    await log.truncateBefore(covered);
  }
}

/** Checks a checkpoint configuration field by field; the message names the field. */
export function validateCheckpointConfig(config: CheckpointConfig): void {
  for (const field of ["triggerBytes", "intervalMilliseconds", "overlayBytesMax", "retryMilliseconds"] as const) {
    const value = config[field];
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`checkpoint ${field} must be a positive integer, got ${String(value)}`);
  }
  if (config.triggerBytes >= config.overlayBytesMax) {
    throw new RangeError("checkpoint triggerBytes must be below overlayBytesMax, so a checkpoint starts before operations are refused");
  }
}
