/**
 * CRC-32C (Castagnoli; reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 metadata and most
 * logs, in pure TypeScript. Slicing-by-8: eight 256-entry tables, built once when the module loads,
 * consume eight bytes per step. Node has no CRC-32C of its own (zlib.crc32 is the other polynomial).
 */

/** The reflected Castagnoli polynomial. */
const CRC32C_POLYNOMIAL = 0x82f63b78;

/** Slicing-by-8 needs 8 tables of 256 entries; table k lives at [k * 256, (k + 1) * 256). */
const TABLE_ENTRIES = 256;
const TABLES = 8;

function buildTables(): Uint32Array {
  const table = new Uint32Array(TABLE_ENTRIES * TABLES);
  for (let byte = 0; byte < TABLE_ENTRIES; byte += 1) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ CRC32C_POLYNOMIAL : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  for (let slice = 1; slice < TABLES; slice += 1) {
    for (let byte = 0; byte < TABLE_ENTRIES; byte += 1) {
      const previous = table[(slice - 1) * TABLE_ENTRIES + byte] ?? 0;
      table[slice * TABLE_ENTRIES + byte] = ((previous >>> 8) ^ (table[previous & 0xff] ?? 0)) >>> 0;
    }
  }
  return table;
}

const TABLE = buildTables();

/**
 * The CRC-32C of `bytes`, an unsigned 32-bit integer. `initial` continues an earlier computation:
 * `crc32c(b, crc32c(a))` equals the CRC-32C of a followed by b. The default 0 starts a new one.
 */
export function crc32c(bytes: Uint8Array, initial = 0): number {
  const t = TABLE;
  let crc = ~initial;
  let index = 0;
  const length = bytes.length;
  const fastEnd = length - (length % 8);
  while (index < fastEnd) {
    crc ^= (bytes[index] ?? 0) | ((bytes[index + 1] ?? 0) << 8) | ((bytes[index + 2] ?? 0) << 16) | ((bytes[index + 3] ?? 0) << 24);
    crc =
      (t[1792 + (crc & 0xff)] ?? 0) ^
      (t[1536 + ((crc >>> 8) & 0xff)] ?? 0) ^
      (t[1280 + ((crc >>> 16) & 0xff)] ?? 0) ^
      (t[1024 + (crc >>> 24)] ?? 0) ^
      (t[768 + (bytes[index + 4] ?? 0)] ?? 0) ^
      (t[512 + (bytes[index + 5] ?? 0)] ?? 0) ^
      (t[256 + (bytes[index + 6] ?? 0)] ?? 0) ^
      (t[bytes[index + 7] ?? 0] ?? 0);
    index += 8;
  }
  while (index < length) {
    crc = (crc >>> 8) ^ (t[(crc ^ (bytes[index] ?? 0)) & 0xff] ?? 0);
    index += 1;
  }
  return ~crc >>> 0;
}
