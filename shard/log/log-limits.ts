/**
 * The commit log's limits. Units come last in each name; each comment says why the number is what it
 * is. Options of openFileCommitLog and MemoryCommitLog default to these (tests pass smaller ones).
 */

const KIB = 1_024;
const MIB = 1_024 * KIB;

/**
 * A segment file's size. Large enough that rolling to a new segment (and preallocating the next spare)
 * is rare: 64 MiB holds about 3,600 groups of 18 KiB, some 300,000 records of 200 bytes. Small enough
 * that preallocating one (64 writes of 1 MiB on libuv's pool) takes well under a second on an SSD, that
 * truncation after a checkpoint frees space in useful steps, and that reading one whole at open (to check
 * every record) costs a fraction of a second.
 */
export const LOG_SEGMENT_BYTES_DEFAULT = 64 * MIB;

/**
 * The largest segment a log accepts: opening reads each segment into one buffer, and a u32 offset
 * field never needs to grow. 1 GiB is far beyond any useful segment.
 */
export const LOG_SEGMENT_BYTES_MAX = 1_024 * MIB;

/**
 * The most bytes one group commit writes (one writev + one fdatasync). Bounds the latency a group adds
 * to the records behind it (8 MiB is some 10-40 ms on an SSD), the memory a group holds, and, because
 * a crash can tear only the one group being written, the region recovery may find torn: bytes more than
 * this far past the first bad record cannot come from a torn write, so they mean corruption.
 */
export const LOG_WRITE_BYTES_MAX = 8 * MIB;

/**
 * The largest payload of one record. A shard's state change is a few hundred bytes; a megabyte is a
 * bug in the caller, who bounds its records (exceeding it is an assertion failure). It must fit in a
 * group with a segment header, so it stays well below LOG_WRITE_BYTES_MAX.
 */
export const LOG_RECORD_PAYLOAD_BYTES_MAX = 1 * MIB;

/**
 * Bytes appended and not yet durable before append answers BUSY: back-pressure for a caller that
 * produces records faster than the disk syncs them. Four full groups: the disk always has the next
 * group ready while the memory held stays bounded.
 */
export const LOG_PENDING_BYTES_MAX = 4 * LOG_WRITE_BYTES_MAX;

/**
 * Segments kept preallocated ahead of the one appends go to. One is enough: preparing a segment writes
 * it once, sequentially, which takes far less than filling it with groups that each wait for a sync.
 */
export const LOG_SPARE_SEGMENTS = 1;

/**
 * How long after a spare segment could not be created for lack of space the log tries again. A second
 * is quick to resume once an operator frees space and cheap while the disk stays full.
 */
export const LOG_SPARE_RETRY_MILLISECONDS = 1_000;

/**
 * One write of zeros while preallocating a segment. Each is one job on libuv's pool: 1 MiB is a
 * fraction of a millisecond of copying into the page cache, so the pool is never held for long and
 * the shard thread's event loop never waits on it.
 */
export const LOG_PREALLOCATE_CHUNK_BYTES = 1 * MIB;

/**
 * The staging buffers records are copied into while a group fills. 64 KiB holds a few hundred typical
 * records per allocation, so a group is a handful of buffers for writev rather than one per record.
 */
export const LOG_STAGING_CHUNK_BYTES = 64 * KIB;
