import { statfsSync } from "node:fs";
import { constants } from "node:os";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import { LOG_SEGMENT_BYTES_DEFAULT } from "../log/log-limits.js";

/**
 * How a failed LMDB write is told apart: "out of space" (retriable once space
 * returns) or anything else (an I/O error nobody can reason about: crash).
 *
 * What lmdb-js does, read in its source (lmdb 3.5, dependencies/lmdb mdb.c,
 * write.js) and seen on a full tmpfs:
 * - The map grows by itself: when a transaction needs pages past the map,
 *   lmdb-js's LMDB fork doubles the map (mdb_page_alloc calls
 *   mdb_env_set_mapsize). `mapSize` is only the first reservation, and
 *   MDB_MAP_FULL is reached only with remapped chunks (32-bit), not here.
 * - The data file grows by pwrite; on a full disk the commit fails and its
 *   transaction is aborted: nothing of it becomes visible, earlier commits are
 *   intact, and later commits succeed once space returns.
 * - A failed commit rejects with "Commit failed (see commitError for
 *   details)"; `commitError` is a promise rejecting with the cause, whose
 *   `code` is the errno: ENOSPC when write() failed, but EIO when the write
 *   was short (LMDB: "short write, filesystem full?"), which is how a disk
 *   that fills in the middle of a write shows.
 */

/** MDB_MAP_FULL from lmdb.h: the map cannot grow (only with fixed or remapped maps). */
const MDB_MAP_FULL = -30_792;

/**
 * An EIO counts as a full disk only if, right after it, the file system has
 * less than this free. LMDB reports a short write as EIO, and a short write
 * means the disk filled during it: what is left is less than one write (at
 * most 64 pages of 4 KiB = 256 KiB for records of this size). Others may
 * free space between the short write and the look at the disk that follows
 * it: above all the commit log, which unlinks whole segments (64 MiB each by
 * default) after a checkpoint, off the shard's thread; a test on a full
 * tmpfs once saw a checkpoint's EIO counted as an I/O error that way. So the
 * bound is two default segments and 1 MiB; a real I/O error on a disk with
 * more space than that stays an I/O error (crash-only), and one on a disk
 * with less is answered as a full disk (refused, tried again), which loses
 * nothing either.
 */
export const STORAGE_FULL_FREE_BYTES_MAX = 2 * LOG_SEGMENT_BYTES_DEFAULT + 1024 * 1024;

const SPACE_ERRNOS: ReadonlySet<number> = new Set(
  [constants.errno.ENOSPC, constants.errno.EDQUOT, constants.errno.EFBIG, MDB_MAP_FULL].filter(
    (value): value is number => typeof value === "number",
  ),
);

/** A write refused for lack of space: nothing of it was written. Retriable once space returns. */
export class StorageFullError extends LoycoreError {
  /** The environment that could not write: for operators' logs, never sent to clients. */
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super("STORAGE_FULL", "the server's storage is full; nothing was written; retry later with the same idempotency key");
    this.name = "StorageFullError";
    this.path = path;
    this.cause = cause;
  }
}

/**
 * Awaits an lmdb-js write. A failure for lack of space becomes a
 * StorageFullError; any other failure is rethrown as its cause.
 */
export async function awaitLmdbWrite<Value>(path: string, write: PromiseLike<Value>): Promise<Value> {
  try {
    return await write;
  } catch (error) {
    const cause = await causeOf(error);
    if (isOutOfSpace(cause, path)) throw new StorageFullError(path, cause);
    throw cause;
  }
}

/** lmdb-js hides the errno behind `commitError`, a rejected promise. */
async function causeOf(error: unknown): Promise<unknown> {
  if (typeof error !== "object" || error === null || !("commitError" in error)) return error;
  const commitError: unknown = error.commitError;
  if (typeof commitError !== "object" || commitError === null || !("then" in commitError)) return error;
  try {
    await (commitError as PromiseLike<unknown>);
    return error;
  } catch (cause) {
    return cause;
  }
}

export function isOutOfSpace(cause: unknown, path: string): boolean {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined;
  if (typeof code === "number" && SPACE_ERRNOS.has(code)) return true;
  if (typeof code === "string" && (code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG")) return true;
  if (code === constants.errno.EIO || code === "EIO") return freeBytes(path) < STORAGE_FULL_FREE_BYTES_MAX;
  return false;
}

function freeBytes(path: string): number {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    // Cannot tell: treat the EIO as the I/O error it says it is.
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Options every loycore LMDB environment opens with.
 *
 * `eventTurnBatching: false`: loycore groups its writes itself (one
 * `transaction()` per shard batch; the gateway awaits each write), so lmdb-js
 * need not add the writes of an event turn to an implicit batch. That batch's
 * internal promise is never awaited by lmdb-js, so when its commit fails (a
 * full disk) it rejects unhandled, which kills the thread (seen on a full
 * tmpfs). Without it, every failed write reaches only the caller.
 */
export function lmdbEnvironmentOptions(path: string, initialMapSizeBytes: number): {
  readonly path: string;
  readonly mapSize: number;
  readonly eventTurnBatching: false;
} {
  return { path, mapSize: initialMapSizeBytes, eventTurnBatching: false };
}
