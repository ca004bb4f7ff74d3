import { assert } from "../assert/assert.js";

/**
 * The shard function is a versioned contract: it decides which logical shard
 * owns a member, and so where the member's data lives on disk. Changing it
 * moves accounts. A data directory records the version it was written with
 * and a server refuses to open one written with another version.
 *
 * Version 1: FNV-1a (32-bit) over the UTF-8 bytes of the member id, modulo
 * LOGICAL_SHARD_COUNT. Member ids are ASCII, so the UTF-8 bytes are the
 * character codes. FNV-1a is simple to implement in any language (a client or
 * a future router in another language must agree byte for byte) and spreads
 * random ids evenly.
 */
export const SHARD_FUNCTION_VERSION = 1;

/**
 * Many more logical shards than threads (or, later, machines): a logical shard
 * is the unit that moves. 256 lets 2 threads or 64 nodes each own an equal
 * share, and keeps the placement table small enough to send in every message.
 */
export const LOGICAL_SHARD_COUNT = 256;

const FNV_OFFSET_BASIS_32 = 0x811c9dc5;
const FNV_PRIME_32 = 0x01000193;

export function logicalShardOf(memberId: string): number {
  let hash = FNV_OFFSET_BASIS_32;
  for (let index = 0; index < memberId.length; index += 1) {
    const code = memberId.charCodeAt(index);
    assert(code < 0x80, "member ids are ASCII");
    hash ^= code;
    hash = Math.imul(hash, FNV_PRIME_32) >>> 0;
  }
  return hash % LOGICAL_SHARD_COUNT;
}
