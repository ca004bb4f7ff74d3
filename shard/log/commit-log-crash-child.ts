/**
 * A test tool, not part of the shard: the child process of file-commit-log.test.ts's crash test, run
 * from the build (`node dist/shard/log/commit-log-crash-child.js <directory> <kill>`). It opens
 * (recovers) the file log in <directory>, prints `{"event":"opened",...}`, then appends records turn
 * after turn, a varying number per turn, each payload fixed by its sequence (crashPayload), and prints
 * `durable <sequence>` as soon as whenDurable resolves, until it is killed. <kill> is `none` (the parent
 * kills it with SIGKILL), `<point>:<n>`: the child kills itself with SIGKILL at the n-th time the log
 * reaches that crash point (before-write, after-write-before-sync, after-sync), or `torn-write:<n>`: the
 * n-th group write puts only a prefix of its bytes on disk, then the child kills itself (a SIGKILL alone
 * never tears a write: the page cache keeps what was written; this acts out a power cut mid-write).
 */
import { writeSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { CommitLogCrashPoint } from "./file-commit-log.js";
import { openFileCommitLog } from "./file-commit-log.js";
import { nodeLogFileSystem, type LogFileSystem } from "./log-file-system.js";

/** The log's options in the crash test: small segments and groups, so a run rolls through many. */
export const CRASH_LOG_OPTIONS = { segmentBytes: 64 * 1_024, writeBytesMax: 16 * 1_024, recordPayloadBytesMax: 2_000 } as const;

/** Records appended before the child stops by itself (a run the parent forgot to kill ends). */
const CRASH_CHILD_RECORDS_MAX = 200_000;

/** The payload of record `sequence`: its length (0 to 1,499 bytes) and every byte follow from the sequence. */
export function crashPayload(sequence: number): Uint8Array {
  const length = (sequence * 7_919) % 1_500;
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) bytes[index] = (sequence * 31 + index * 7) % 256;
  return bytes;
}

type Kill = { readonly point: CommitLogCrashPoint | "torn-write"; readonly count: number };

function parseKill(argument: string | undefined): Kill | null {
  if (argument === undefined || argument === "none") return null;
  const [point, count] = argument.split(":");
  if (point !== "before-write" && point !== "after-write-before-sync" && point !== "after-sync" && point !== "torn-write") {
    throw new RangeError(`unknown crash point ${String(point)}`);
  }
  return { point, count: Number(count) };
}

/** nodeLogFileSystem whose `count`-th group write stops part-way (at a byte fixed by `count`) and kills the process. */
function tearingFileSystem(count: number): LogFileSystem {
  let writes = 0;
  return {
    ...nodeLogFileSystem,
    writev: async (fd, buffers, position) => {
      writes += 1;
      if (writes !== count) return nodeLogFileSystem.writev(fd, buffers, position);
      const bytes = Buffer.concat(buffers);
      const kept = (count * 7_919) % bytes.length;
      writeSync(fd, bytes, 0, kept, position);
      process.kill(process.pid, "SIGKILL");
      return kept;
    },
  };
}

async function main(): Promise<void> {
  const directory = process.argv[2];
  if (directory === undefined) throw new TypeError("usage: commit-log-crash-child <directory> <none | point:n>");
  const kill = parseKill(process.argv[3]);
  let reached = 0;
  const onCrashPoint = (point: CommitLogCrashPoint): void => {
    if (kill !== null && point === kill.point && ++reached === kill.count) process.kill(process.pid, "SIGKILL");
  };
  const fileSystem = kill?.point === "torn-write" ? tearingFileSystem(kill.count) : nodeLogFileSystem;
  const opened = await openFileCommitLog({ directory, ...CRASH_LOG_OPTIONS, onCrashPoint, fileSystem });
  const log = opened.log;
  process.stdout.write(`${JSON.stringify({ event: "opened", nextSequence: log.nextSequence, recovery: opened.recovery })}\n`);
  for (let turn = 0; log.nextSequence < CRASH_CHILD_RECORDS_MAX; turn += 1) {
    const count = 1 + ((turn * 37) % 23);
    let last = 0;
    for (let index = 0; index < count; index += 1) {
      const result = log.append(crashPayload(log.nextSequence));
      if (result.ok) last = result.sequence;
    }
    // stdout to a pipe is synchronous on Linux: once written, the parent will read it even after SIGKILL.
    if (last > 0) void log.whenDurable(last).then(() => process.stdout.write(`durable ${last}\n`));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await log.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
