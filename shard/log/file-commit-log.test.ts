import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { CommitLogCorruptError, CommitLogFailedError } from "./commit-log-errors.js";
import { describeCommitLogContract, payloadFor, until } from "./commit-log.contract.js";
import type { CommitLog } from "./commit-log.js";
import { crashPayload, CRASH_LOG_OPTIONS } from "./commit-log-crash-child.js";
import { openFileCommitLog, type CommitLogCrashPoint, type FileCommitLogOptions } from "./file-commit-log.js";
import { nodeLogFileSystem, type LogFileSystem } from "./log-file-system.js";
import { decodeRecord, SEGMENT_HEADER_BYTES } from "./record-format.js";
import { segmentFileName } from "./segment-files.js";
import { tryMountTmpfs, unmountTmpfs } from "../../domain/test-support/tmpfs.js";
import { seededRandom } from "../../domain/random/seeded-random.js";

/** nodeLogFileSystem with switches: hold fdatasync, fail writes with ENOSPC (a full disk), fail a call with EIO. */
function switchableFileSystem() {
  const state = { held: false, full: false, failing: null as "writev" | "fdatasync" | null };
  const waiting: (() => void)[] = [];
  const errno = (code: string): Error => Object.assign(new Error(`${code}: injected`), { code });
  const fileSystem: LogFileSystem = {
    ...nodeLogFileSystem,
    write: async (fd, bytes, position) => {
      if (state.full) throw errno("ENOSPC");
      return nodeLogFileSystem.write(fd, bytes, position);
    },
    writev: async (fd, buffers, position) => {
      if (state.failing === "writev") throw errno("EIO");
      return nodeLogFileSystem.writev(fd, buffers, position);
    },
    fdatasync: async (fd) => {
      if (state.held) await new Promise<void>((resolve) => waiting.push(resolve));
      if (state.failing === "fdatasync") throw errno("EIO");
      return nodeLogFileSystem.fdatasync(fd);
    },
  };
  const release = (): void => {
    state.held = false;
    waiting.splice(0).forEach((resolve) => resolve());
  };
  return { fileSystem, state, release };
}

describeCommitLogContract("FileCommitLog", async () => {
  const directory = makeTemporaryDirectory("commit-log-contract");
  const switches = switchableFileSystem();
  return {
    open: (options = {}) => openFileCommitLog({ ...options, directory: join(directory.path, "log"), fileSystem: switches.fileSystem, spareRetryMilliseconds: 5 }),
    holdSyncs: () => {
      switches.state.held = true;
    },
    releaseSyncs: switches.release,
    fillDisk: () => {
      switches.state.full = true;
    },
    freeDisk: () => {
      switches.state.full = false;
    },
    dispose: async () => directory.remove(),
  };
});

/** Small segments and groups: a torn write can reach at most 1 KiB past its start. */
const TORN_OPTIONS = { segmentBytes: 8_192, writeBytesMax: 1_024, recordPayloadBytesMax: 200 } as const;

function lengthOf(sequence: number): number {
  return (sequence * 37) % 201;
}

async function writeRecords(directory: string, turns: readonly number[], options: Partial<FileCommitLogOptions> = TORN_OPTIONS): Promise<number> {
  const { log } = await openFileCommitLog({ ...options, directory });
  for (const count of turns) {
    for (let index = 0; index < count; index += 1) log.append(payloadFor(log.nextSequence, lengthOf(log.nextSequence)));
    await log.whenDurable(log.nextSequence - 1);
  }
  const last = log.nextSequence - 1;
  await log.close();
  return last;
}

/** Offsets of the records of a segment file: [sequence, start, end] each. */
function recordOffsets(path: string): [number, number, number][] {
  const bytes = readFileSync(path);
  const firstSequence = bytes.readUInt32LE(8) + bytes.readUInt32LE(12) * 2 ** 32;
  const offsets: [number, number, number][] = [];
  for (let offset = SEGMENT_HEADER_BYTES, sequence = firstSequence; ; sequence += 1) {
    const found = decodeRecord(bytes, offset, sequence);
    if (found.kind !== "record") return offsets;
    offsets.push([sequence, offset, found.nextOffset]);
    offset = found.nextOffset;
  }
}

function writtenSegmentPaths(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith(".log"))
    .sort()
    .map((name) => join(directory, name))
    .filter((path) => readFileSync(path).subarray(0, SEGMENT_HEADER_BYTES).some((byte) => byte !== 0));
}

function fingerprint(directory: string): Record<string, string> {
  return Object.fromEntries(readdirSync(directory).map((name) => [name, createHash("sha256").update(readFileSync(join(directory, name))).digest("hex")]));
}

function expectPrefix(log: Iterable<{ sequence: number; payload: Uint8Array }>, last: number): void {
  const records = [...log];
  expect(records.map((record) => record.sequence)).toEqual(Array.from({ length: last }, (_, index) => index + 1));
  for (const record of records) expect(Buffer.from(record.payload).equals(Buffer.from(payloadFor(record.sequence, lengthOf(record.sequence))))).toBe(true);
}

describe("FileCommitLog recovery", () => {
  const root = makeTemporaryDirectory("commit-log-recovery");
  afterAll(root.remove);
  const pristine = join(root.path, "pristine");
  // Groups of 1 to 6 records over several segments; the last group has 6 records, about 600 bytes.
  const turns = [3, 1, 6, 2, 5, 4, 6, 1, 3, 6, 2, 6, 5, 6, 4, 6, 3, 6, 6, 6, 5, 6, 4, 6, 6, 6, 5, 6, 6, 6];
  let lastSequence = 0;
  let lastGroup: { path: string; firstSequence: number; start: number; end: number; offsets: [number, number, number][] } | undefined;

  async function prepare(): Promise<NonNullable<typeof lastGroup>> {
    if (lastGroup !== undefined) return lastGroup;
    lastSequence = await writeRecords(pristine, turns);
    const path = writtenSegmentPaths(pristine).at(-1) ?? "";
    const offsets = recordOffsets(path);
    const firstSequence = lastSequence - (turns.at(-1) ?? 0) + 1;
    const inGroup = offsets.filter(([sequence]) => sequence >= firstSequence);
    expect(inGroup.length).toBe(turns.at(-1));
    lastGroup = { path, firstSequence, start: inGroup[0]?.[1] ?? 0, end: inGroup.at(-1)?.[2] ?? 0, offsets };
    expect(writtenSegmentPaths(pristine).length).toBeGreaterThan(2);
    return lastGroup;
  }

  for (const damage of ["truncate", "garble", "zero"] as const) {
    it(`drops a torn last group (${damage} from a random byte of it, 40 seeds) at open, and appends continue after it`, async () => {
      const group = await prepare();
      for (let seed = 1; seed <= 40; seed += 1) {
        const next = seededRandom(seed * 3 + damage.length);
        const directory = join(root.path, `${damage}-${seed}`);
        cpSync(pristine, directory, { recursive: true });
        const path = join(directory, group.path.slice(pristine.length + 1));
        const at = group.start + Math.floor(next() * (group.end - group.start));
        const bytes = readFileSync(path);
        if (damage === "truncate") truncateSync(path, at);
        else {
          const until = at + 1 + Math.floor(next() * (group.end - at));
          for (let index = at; index < until; index += 1) bytes[index] = damage === "zero" ? 0 : index === at ? (bytes[index] ?? 0) ^ (1 + Math.floor(next() * 255)) : Math.floor(next() * 256);
          writeFileSync(path, bytes);
        }
        const hit = group.offsets.find(([, start, end]) => at >= start && at < end)?.[0] ?? 0;
        const opened = await openFileCommitLog({ ...TORN_OPTIONS, directory });
        const kept = opened.log.nextSequence - 1;
        if (damage === "zero") expect(kept).toBeGreaterThanOrEqual(hit - 1);
        else expect(kept).toBe(hit - 1);
        expect(kept).toBeGreaterThanOrEqual(group.firstSequence - 1);
        expect(kept).toBeLessThan(lastSequence);
        if (damage !== "zero") expect(opened.recovery.tornTail).toMatchObject({ segmentPath: path });
        expectPrefix(opened.replay(1), kept);
        for (let index = 0; index < 12; index += 1) opened.log.append(payloadFor(kept + 1 + index, lengthOf(kept + 1 + index)));
        await opened.log.close();
        const reopened = await openFileCommitLog({ ...TORN_OPTIONS, directory });
        expect(reopened.recovery.tornTail).toBeNull();
        expectPrefix(reopened.replay(1), kept + 12);
        await reopened.log.close();
        rmSync(directory, { recursive: true });
      }
    });
  }

  it("fails open on garbage inside a record of an earlier segment, naming the segment and offset, and leaves the files unchanged", async () => {
    await prepare();
    const directory = join(root.path, "corrupt-earlier");
    cpSync(pristine, directory, { recursive: true });
    const path = writtenSegmentPaths(directory)[1] ?? "";
    const [, start] = recordOffsets(path)[4] ?? [0, 0];
    const bytes = readFileSync(path);
    bytes[start + 22] = (bytes[start + 22] ?? 0) ^ 0x5a;
    writeFileSync(path, bytes);
    const before = fingerprint(directory);
    const opening = openFileCommitLog({ ...TORN_OPTIONS, directory });
    await expect(opening).rejects.toThrow(CommitLogCorruptError);
    const error = (await opening.catch((caught: unknown) => caught)) as CommitLogCorruptError;
    expect(error.segmentPath).toBe(path);
    expect(error.offset).toBe(start);
    expect(error.message).toContain(`${path} at byte offset ${start}`);
    expect(error.message).toMatch(/corrupt.*not modified/);
    expect(fingerprint(directory)).toEqual(before);
  });

  it("fails open on a bad record in the last segment that has non-zero data beyond a torn write's reach", async () => {
    await prepare();
    const directory = join(root.path, "corrupt-last");
    cpSync(pristine, directory, { recursive: true });
    const path = writtenSegmentPaths(directory).at(-1) ?? "";
    const offsets = recordOffsets(path);
    const end = offsets.at(-1)?.[2] ?? 0;
    const victim = offsets.find(([, start]) => start + TORN_OPTIONS.writeBytesMax < end);
    expect(victim).toBeDefined();
    const bytes = readFileSync(path);
    bytes[(victim?.[1] ?? 0) + 8] = (bytes[(victim?.[1] ?? 0) + 8] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    const before = fingerprint(directory);
    await expect(openFileCommitLog({ ...TORN_OPTIONS, directory })).rejects.toThrow(/beyond what one torn write/);
    expect(fingerprint(directory)).toEqual(before);
  });

  it("fails open when a segment does not continue the one before it", async () => {
    await prepare();
    const directory = join(root.path, "corrupt-missing");
    cpSync(pristine, directory, { recursive: true });
    const [first, second] = writtenSegmentPaths(directory);
    rmSync(second ?? "");
    await expect(openFileCommitLog({ ...TORN_OPTIONS, directory })).rejects.toThrow(/starts at sequence \d+ but the one before it/);
    expect(existsSync(first ?? "")).toBe(true);
  });

  it("ignores spare segments with a zero header, and uses them for the next records", async () => {
    await prepare();
    const directory = join(root.path, "spares");
    cpSync(pristine, directory, { recursive: true });
    const indexes = readdirSync(directory).map((name) => Number(/(\d+)/.exec(name)?.[1]));
    writeFileSync(join(directory, segmentFileName(Math.max(...indexes) + 1)), Buffer.alloc(TORN_OPTIONS.segmentBytes));
    const opened = await openFileCommitLog({ ...TORN_OPTIONS, directory });
    expect(opened.log.stats().spareSegments).toBe(2);
    expectPrefix(opened.replay(1), lastSequence);
    for (let turn = 0; turn < 40; turn += 1) {
      for (let index = 0; index < 5; index += 1) opened.log.append(payloadFor(opened.log.nextSequence, lengthOf(opened.log.nextSequence)));
      await opened.log.whenDurable(opened.log.nextSequence - 1);
    }
    await opened.log.close();
    const reopened = await openFileCommitLog({ ...TORN_OPTIONS, directory });
    expectPrefix(reopened.replay(1), lastSequence + 200);
    await reopened.log.close();
  });

  it("zeroes a spare a torn first write left half-written (header included), and fails on data beyond a write's reach there", async () => {
    await prepare();
    const directory = join(root.path, "torn-spare");
    cpSync(pristine, directory, { recursive: true });
    const spare = readdirSync(directory).map((name) => join(directory, name)).find((path) => !writtenSegmentPaths(directory).includes(path)) ?? "";
    const bytes = readFileSync(spare);
    bytes.fill(7, 10, 500);
    writeFileSync(spare, bytes);
    const opened = await openFileCommitLog({ ...TORN_OPTIONS, directory });
    expect(opened.recovery.tornTail).toEqual({ segmentPath: spare, offset: 0, bytesZeroed: 500 });
    expect(readFileSync(spare).every((byte) => byte === 0)).toBe(true);
    expectPrefix(opened.replay(1), lastSequence);
    await opened.log.close();
    const far = readFileSync(spare);
    far[TORN_OPTIONS.writeBytesMax + 100] = 1;
    writeFileSync(spare, far);
    await expect(openFileCommitLog({ ...TORN_OPTIONS, directory })).rejects.toThrow(CommitLogCorruptError);
  });
});

describe("FileCommitLog failures", () => {
  const root = makeTemporaryDirectory("commit-log-failures");
  afterAll(root.remove);

  for (const failing of ["writev", "fdatasync"] as const) {
    it(`treats an I/O error on ${failing} as fatal: every waiter is rejected and later appends throw`, async () => {
      const switches = switchableFileSystem();
      const { log } = await openFileCommitLog({ ...TORN_OPTIONS, directory: join(root.path, failing), fileSystem: switches.fileSystem });
      log.append(payloadFor(1, 10));
      await log.whenDurable(1);
      switches.state.failing = failing;
      log.append(payloadFor(2, 10));
      log.append(payloadFor(3, 10));
      const waits = [log.whenDurable(2), log.whenDurable(3)].map((wait) => wait.then(() => "resolved", (error: unknown) => error));
      const outcomes = await Promise.all(waits);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(CommitLogFailedError);
      expect(String((outcomes[0] as Error).message)).toContain("EIO");
      expect(log.durableSequence).toBe(1);
      expect(() => log.append(payloadFor(4, 10))).toThrow(CommitLogFailedError);
      await expect(log.whenDurable(3)).rejects.toBeInstanceOf(CommitLogFailedError);
      await expect(log.close()).rejects.toBeInstanceOf(CommitLogFailedError);
    });
  }

  it("calls the crash-point hook before the write, between write and sync, and after the sync of each group", async () => {
    const points: CommitLogCrashPoint[] = [];
    const { log } = await openFileCommitLog({ ...TORN_OPTIONS, directory: join(root.path, "hook"), onCrashPoint: (point) => points.push(point) });
    log.append(payloadFor(1, 10));
    await log.whenDurable(1);
    log.append(payloadFor(2, 10));
    await log.close();
    expect(points).toEqual(["before-write", "after-write-before-sync", "after-sync", "before-write", "after-write-before-sync", "after-sync"]);
  });

  it("checks each option and names the field", async () => {
    const directory = join(root.path, "options");
    await expect(openFileCommitLog({ directory: "" })).rejects.toThrow(/directory must be a non-empty string/);
    await expect(openFileCommitLog({ directory, segmentBytes: 100 })).rejects.toThrow(/segmentBytes must be an integer from/);
    await expect(openFileCommitLog({ directory, writeBytesMax: 2 ** 33 })).rejects.toThrow(/writeBytesMax must be an integer/);
    await expect(openFileCommitLog({ directory, recordPayloadBytesMax: -1 })).rejects.toThrow(/recordPayloadBytesMax/);
    await expect(openFileCommitLog({ directory, pendingBytesMax: 10 })).rejects.toThrow(/pendingBytesMax/);
    await expect(openFileCommitLog({ directory, startSequence: 1.5 })).rejects.toThrow(/startSequence/);
    await expect(openFileCommitLog({ directory, spareRetryMilliseconds: 0 })).rejects.toThrow(/spareRetryMilliseconds/);
    await expect(openFileCommitLog({ directory, onCrashPoint: 3 as never })).rejects.toThrow(/onCrashPoint must be a function/);
    expect(existsSync(directory)).toBe(false);
  });
});

/** The file system of the test: room for six 64 KiB segments. */
const TMPFS_BYTES = 384 * 1_024;
const mountPoint = makeTemporaryDirectory("commit-log-full-disk");
const mounted = tryMountTmpfs(mountPoint.path, TMPFS_BYTES);

describe.runIf(mounted)("FileCommitLog on a real full disk (tmpfs)", () => {
  afterAll(() => {
    // Lazily: a failed test may leave a descriptor open, and the mount must not outlive the run.
    unmountTmpfs(mountPoint.path);
    mountPoint.remove();
  });

  it("answers STORAGE_FULL once no spare fits, keeps what fits, and resumes once space returns", async () => {
    const directory = join(mountPoint.path, "log");
    const options = { directory, segmentBytes: 64 * 1_024, recordPayloadBytesMax: 1_000, spareRetryMilliseconds: 10 };
    const { log } = await openFileCommitLog(options);
    try {
      // Two segments (the first and its spare) are taken; leave less than one more free.
      const filler = join(mountPoint.path, "filler");
      writeFileSync(filler, Buffer.alloc(TMPFS_BYTES - 2 * 64 * 1_024 - 40 * 1_024));
      let refused: ReturnType<CommitLog["append"]> | undefined;
      for (let index = 0; index < 2_000 && refused === undefined; index += 1) {
        const result = log.append(payloadFor(log.nextSequence, 500));
        if (result.ok) await log.whenDurable(result.sequence);
        else if (result.code === "BUSY") await new Promise<void>((resolve) => setTimeout(resolve, 1));
        else refused = result;
      }
      expect(refused).toMatchObject({ ok: false, code: "STORAGE_FULL" });
      expect(log.nextSequence).toBeGreaterThan(2 * Math.floor((64 * 1_024 - SEGMENT_HEADER_BYTES) / 520));
      // A retry of the spare (every 10 ms) may be writing one right now; each failed one is removed.
      await until(() => readdirSync(directory).every((name) => !name.endsWith(".preparing")), "no partial spare is left behind");
      rmSync(filler);
      await until(() => log.append(payloadFor(log.nextSequence, 500)).ok, "a spare is created once space returns");
    } finally {
      await log.close();
    }
    const refusedAt = log.nextSequence - 1;
    const reopened = await openFileCommitLog(options);
    const records = [...reopened.replay()];
    expect(records.length).toBe(refusedAt);
    for (const record of records) expect(Buffer.from(record.payload).equals(Buffer.from(payloadFor(record.sequence, 500)))).toBe(true);
    await reopened.log.close();
  });
});

/** The compiled child: child processes run the build, as production does (`npm run build` first). */
const CHILD_PATH = fileURLToPath(new URL("../../dist/shard/log/commit-log-crash-child.js", import.meta.url));

interface ChildRun {
  readonly durable: number;
  readonly openedAt: number;
  readonly signal: NodeJS.Signals | null;
}

/** Runs the child over `directory`; kills it with SIGKILL after `killAfterDurable` durable lines, or lets it kill itself at `kill`. */
async function runChild(directory: string, kill: string, killAfterDurable: number): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD_PATH, directory, kill], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  let durable = 0;
  let openedAt = 0;
  let lines = 0;
  const reader = createInterface({ input: child.stdout });
  const readAll = new Promise<void>((resolve) => reader.once("close", resolve));
  reader.on("line", (line) => {
    if (line.startsWith("{")) openedAt = Number((JSON.parse(line) as { nextSequence: number }).nextSequence);
    else if (line.startsWith("durable ")) {
      durable = Math.max(durable, Number(line.slice(8)));
      lines += 1;
      if (kill === "none" && lines === killAfterDurable) child.kill("SIGKILL");
    }
  });
  const signal = await exited;
  await readAll;
  if (signal !== "SIGKILL") throw new Error(`the child exited without being killed (${String(signal)}): ${stderr}`);
  return { durable, openedAt, signal };
}

describe("FileCommitLog killed with SIGKILL during appends", () => {
  const root = makeTemporaryDirectory("commit-log-kill");
  afterAll(root.remove);

  it("keeps, with identical bytes, every record whose whenDurable resolved, over kills at random moments, at each crash point and in torn writes", async () => {
    if (!existsSync(CHILD_PATH)) throw new Error(`${CHILD_PATH} is missing: run npm run build first`);
    const directory = join(root.path, "log");
    const kills = ["none", "before-write:7", "torn-write:9", "none", "after-write-before-sync:11", "torn-write:30", "none", "after-sync:5", "torn-write:61", "none", "after-write-before-sync:40", "torn-write:17", "none"];
    let acknowledged = 0;
    let tornTails = 0;
    for (const [round, kill] of kills.entries()) {
      const run = await runChild(directory, kill, 20 + ((round * 53) % 150));
      expect(run.openedAt).toBeGreaterThan(acknowledged);
      acknowledged = Math.max(acknowledged, run.durable);
      const opened = await openFileCommitLog({ directory, ...CRASH_LOG_OPTIONS });
      const records = [...opened.replay(1)];
      expect(records.length).toBeGreaterThanOrEqual(acknowledged);
      if (opened.recovery.tornTail !== null) tornTails += 1;
      // A SIGKILL alone leaves what was written in the page cache: only the acted-out torn writes tear.
      if (!kill.startsWith("torn-write")) expect(opened.recovery.tornTail).toBeNull();
      records.forEach((record, index) => {
        expect(record.sequence).toBe(index + 1);
        expect(Buffer.from(record.payload).equals(Buffer.from(crashPayload(record.sequence)))).toBe(true);
      });
      await opened.log.close();
    }
    expect(tornTails).toBeGreaterThanOrEqual(3);
    expect(acknowledged).toBeGreaterThan(500);
    expect(writtenSegmentPaths(directory).length).toBeGreaterThan(3);
  }, 120_000);
});
