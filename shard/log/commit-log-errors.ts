/**
 * The commit log's two failures a shard reports rather than handles: a log found corrupt at open, and a
 * log that failed while running (an I/O error on a group write or sync).
 */

/**
 * Opening found bytes that are neither valid records nor a torn tail a crash can leave: the log is
 * corrupt, and opening modified nothing. `segmentPath` and `offset` say where; the message says what.
 * Never skipped: a shard that cannot trust its log must not start.
 */
export class CommitLogCorruptError extends Error {
  /** The segment file holding the bad bytes. */
  readonly segmentPath: string;
  /** The byte offset of the bad record (or header, 0) in that file. */
  readonly offset: number;

  constructor(segmentPath: string, offset: number, reason: string) {
    super(`commit log corrupt: ${segmentPath} at byte offset ${offset}: ${reason}; the log was not modified`);
    this.name = "CommitLogCorruptError";
    this.segmentPath = segmentPath;
    this.offset = offset;
  }
}

/**
 * A group write or sync failed with an I/O error (not for lack of space: groups are written into
 * preallocated space). Crash-only: after a failed fsync the page cache may have dropped pages an earlier
 * sync reported written, so nothing pending can be reported durable and the log takes no more appends.
 * Every waiter is rejected with this error; later appends throw it. The process should exit and recover.
 */
export class CommitLogFailedError extends Error {
  constructor(directory: string, cause: unknown) {
    super(`commit log in ${directory} failed and takes no more records: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "CommitLogFailedError";
    this.cause = cause;
  }
}
