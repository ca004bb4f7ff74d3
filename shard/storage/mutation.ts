import type { RecordKey } from "./record-keys.js";

/**
 * What an operation changed, at the level of stored records: put these bytes
 * under this key, or delete the key. The same mutations are the log's redo
 * record (a restart replays them, it never re-runs the rules), the overlay's
 * content and what a checkpoint writes to LMDB, so each value is encoded
 * once, into the operation's log payload.
 */
export interface Mutation {
  readonly key: RecordKey;
  /** The record's bytes; null deletes the key. */
  readonly value: Uint8Array | null;
}
