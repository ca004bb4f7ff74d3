/**
 * CRC-32C throughput on this machine: `node dist/bench/log/crc32c-throughput.js [--megabytes 256]`
 * (after `npm run build`). Checksums a buffer of random bytes in pieces of several sizes (a small
 * record, a typical one, a whole group) and prints MB/s for each. Not run by the tests.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { crc32c } from "../../shard/log/crc32c.js";

/** Piece sizes: a 64-byte record, an 18 KiB group's typical record, a 1 MiB payload. */
const PIECE_SIZES_BYTES = [64, 1_024, 18 * 1_024, 1_024 * 1_024] as const;
/** Buffer checksummed per round; large enough to leave the CPU caches for the biggest piece. */
const BUFFER_BYTES = 16 * 1_024 * 1_024;

function measure(buffer: Uint8Array, pieceBytes: number, totalBytes: number): number {
  let checksum = 0;
  let done = 0;
  const started = performance.now();
  while (done < totalBytes) {
    for (let offset = 0; offset + pieceBytes <= buffer.length && done < totalBytes; offset += pieceBytes) {
      checksum ^= crc32c(buffer.subarray(offset, offset + pieceBytes));
      done += pieceBytes;
    }
  }
  const seconds = (performance.now() - started) / 1_000;
  if (checksum === -1) process.stdout.write(""); // keeps the result alive
  return done / 1_000_000 / seconds;
}

function main(): void {
  const { values } = parseArgs({ options: { megabytes: { type: "string", default: "256" } } });
  const totalBytes = Number(values.megabytes) * 1_000_000;
  if (!Number.isFinite(totalBytes) || totalBytes <= 0) throw new RangeError("--megabytes must be a positive number");
  const buffer = randomBytes(BUFFER_BYTES);
  measure(buffer, 4_096, 32 * 1_000_000); // warm-up: lets V8 optimise crc32c first
  for (const pieceBytes of PIECE_SIZES_BYTES) {
    const megabytesPerSecond = measure(buffer, pieceBytes, totalBytes);
    process.stdout.write(`crc32c, pieces of ${pieceBytes} bytes: ${megabytesPerSecond.toFixed(0)} MB/s\n`);
  }
}

main();
