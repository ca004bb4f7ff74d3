/**
 * Group-commit latency on the disk of a directory, for three ways a shard could make a group durable:
 *   (a) file log: the commit log as built (openFileCommitLog: preallocated segments, writev + fdatasync),
 *       timed from the first append of a turn to whenDurable of its last record;
 *   (b) growing file: one plain file appended to with one write + fdatasync per group;
 *   (c) lmdb: a separate LMDB environment, one transaction per group putting each record under the
 *       next monotonic key, awaited until committed and then `flushed`.
 * For groups of about 1 KB, 18 KB and 200 KB (records of --record-bytes payload), --groups each, after
 * --warmup unmeasured groups. Prints p50 / p99 / max per method and size.
 *
 * `npm run build && node dist/bench/log/log-media-probe.js --directory /path/on/the/disk [--groups 400]`
 * (a script, not a test). It creates and removes a temporary directory inside --directory.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { open as openLmdb } from "lmdb";
import { openFileCommitLog } from "../../shard/log/file-commit-log.js";
import { RECORD_HEADER_BYTES } from "../../shard/log/record-format.js";

/** Group sizes probed: a lone small record, a typical turn's group (18 KB), a heavy turn's group. */
const GROUP_TARGET_BYTES = [1_024, 18 * 1_024, 200 * 1_024] as const;
/** The LMDB map's first reservation: far above what the probe writes, so it never grows mid-probe. */
const LMDB_MAP_BYTES = 2 * 1_024 * 1_024 * 1_024;

interface ProbeOptions {
  readonly directory: string;
  readonly groups: number;
  readonly warmup: number;
  readonly recordBytes: number;
}

interface Figures {
  readonly method: string;
  /** What else happened during the run that bears on the figures (the file log's segment rolls). */
  readonly note?: string;
  readonly groupBytes: number;
  readonly records: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

type GroupWriter = (payloads: readonly Uint8Array[]) => Promise<void>;

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? 0;
}

async function measure(method: string, options: ProbeOptions, records: number, write: GroupWriter): Promise<Figures> {
  const payloads = Array.from({ length: records }, () => randomBytes(options.recordBytes));
  const durations: number[] = [];
  for (let group = 0; group < options.warmup + options.groups; group += 1) {
    const started = performance.now();
    await write(payloads);
    if (group >= options.warmup) durations.push(performance.now() - started);
  }
  durations.sort((left, right) => left - right);
  const groupBytes = records * (RECORD_HEADER_BYTES + options.recordBytes);
  return { method, groupBytes, records, p50: percentile(durations, 0.5), p99: percentile(durations, 0.99), max: durations.at(-1) ?? 0 };
}

async function probeFileLog(directory: string, options: ProbeOptions, records: number): Promise<Figures> {
  const { log } = await openFileCommitLog({ directory });
  try {
    const figures = await measure("file log (preallocated)", options, records, async (payloads) => {
      for (const payload of payloads) {
        const result = log.append(payload);
        if (!result.ok) throw new Error(`append refused: ${result.code} ${result.message}`);
      }
      await log.whenDurable(log.nextSequence - 1);
    });
    // A roll starts preallocating the next 64 MiB spare in the background, competing for the disk.
    const stats = log.stats();
    return { ...figures, note: `${stats.segments - stats.spareSegments - 1} segment rolls` };
  } finally {
    await log.close();
  }
}

function fsCall<Value>(start: (callback: (error: NodeJS.ErrnoException | null, value: Value) => void) => void): Promise<Value> {
  return new Promise((resolve, reject) => start((error, value) => (error === null ? resolve(value) : reject(error))));
}

async function probeGrowingFile(path: string, options: ProbeOptions, records: number): Promise<Figures> {
  const fd = fs.openSync(path, "w");
  let end = 0;
  try {
    return await measure("growing file", options, records, async (payloads) => {
      const bytes = Buffer.concat(payloads.flatMap((payload) => [Buffer.alloc(RECORD_HEADER_BYTES, 1), payload]));
      await fsCall<number>((callback) => fs.write(fd, bytes, 0, bytes.length, end, callback));
      end += bytes.length;
      await fsCall<void>((callback) => fs.fdatasync(fd, (error) => callback(error, undefined)));
    });
  } finally {
    fs.closeSync(fd);
  }
}

async function probeLmdb(path: string, options: ProbeOptions, records: number): Promise<Figures> {
  const root = openLmdb({ path, mapSize: LMDB_MAP_BYTES, eventTurnBatching: false });
  const database = root.openDB<Uint8Array, number>({ name: "log", keyEncoding: "uint32", encoding: "binary" });
  let key = 0;
  try {
    return await measure("lmdb (put + flushed)", options, records, async (payloads) => {
      const committed = database.transaction(() => {
        for (const payload of payloads) void database.put((key += 1), payload);
      });
      await committed;
      await root.flushed;
    });
  } finally {
    await root.close();
  }
}

function table(rows: readonly Figures[]): string {
  const header = ["method", "group bytes", "records", "p50 ms", "p99 ms", "max ms", "note"];
  const cells = rows.map((row) => [row.method, String(row.groupBytes), String(row.records), row.p50.toFixed(3), row.p99.toFixed(3), row.max.toFixed(3), row.note ?? ""]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] ?? "").length)));
  const line = (cell: readonly string[]): string => `| ${cell.map((value, column) => value.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...cells.map(line)].join("\n");
}

function parseOptions(): ProbeOptions {
  const { values } = parseArgs({
    options: {
      directory: { type: "string", default: tmpdir() },
      groups: { type: "string", default: "400" },
      warmup: { type: "string", default: "20" },
      "record-bytes": { type: "string", default: "200" },
    },
  });
  const number = (name: string, value: string, minimum: number): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < minimum) throw new RangeError(`--${name} must be an integer of at least ${minimum}, got ${value}`);
    return parsed;
  };
  return { directory: values.directory, groups: number("groups", values.groups, 1), warmup: number("warmup", values.warmup, 0), recordBytes: number("record-bytes", values["record-bytes"], 1) };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const scratch = await mkdtemp(join(options.directory, "log-media-probe-"));
  const rows: Figures[] = [];
  try {
    for (const target of GROUP_TARGET_BYTES) {
      const records = Math.max(1, Math.round(target / (RECORD_HEADER_BYTES + options.recordBytes)));
      rows.push(await probeFileLog(join(scratch, `log-${target}`), options, records));
      rows.push(await probeGrowingFile(join(scratch, `growing-${target}`), options, records));
      rows.push(await probeLmdb(join(scratch, `lmdb-${target}`), options, records));
      await rm(join(scratch, `log-${target}`), { recursive: true });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  process.stdout.write(`group write + sync on the disk of ${options.directory}: ${options.groups} groups each (after ${options.warmup} unmeasured), records of ${options.recordBytes} bytes\n`);
  process.stdout.write(`${table(rows)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
