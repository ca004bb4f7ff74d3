import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import {
  acquireDataDirectoryLock,
  DATA_DIRECTORY_LOCK_FILE,
  dataDirectoryLockName,
  type DataDirectoryLockMechanism,
} from "./data-directory-lock.js";
import { StartupError } from "./data-directory.js";
import { runServerExpectingFailure, startServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

/** The compiled lock: other processes take it as the gateway does (`npm run build` first). */
const LOCK_MODULE_URL = pathToFileURL(fileURLToPath(new URL("../dist/gateway/data-directory-lock.js", import.meta.url))).href;
const WHAT_TO_DO = "stop the other loycore process using this data directory, or choose another --data-dir";
/** A child that has not reported within this long is a failure, not a slow machine. */
const CHILD_TIMEOUT_MILLISECONDS = 20_000;
/** Exit status of a child refused the lock. */
const EXIT_REFUSED = 2;
/** A fixed receipt time, so that committing the receipt again is a repeat, not a conflict. */
const RECEIPT_AT = 1_763_800_000_000;

/**
 * Run by `node --input-type=module -e`: argv is [node, module URL, directory, mechanism, "hold" | "release"].
 * Prints "locked" once the lock is held; a refusal goes to stderr with status 2.
 */
const LOCK_SCRIPT = `
const [moduleUrl, directory, mechanism, mode] = process.argv.slice(1);
const { acquireDataDirectoryLock } = await import(moduleUrl);
try {
  const lock = await acquireDataDirectoryLock(directory, mechanism);
  process.stdout.write("locked\\n");
  if (mode === "hold") setInterval(() => undefined, 60_000);
  else await lock.release();
} catch (error) {
  process.stderr.write(error.name + ": " + error.message + "\\n");
  process.exitCode = ${EXIT_REFUSED};
}
`;

interface ChildOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnLockChild(directory: string, mechanism: DataDirectoryLockMechanism, mode: "hold" | "release"): ChildProcess {
  return spawn(process.execPath, ["--input-type=module", "-e", LOCK_SCRIPT, LOCK_MODULE_URL, directory, mechanism, mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Takes the lock in another process, which holds it until killed. */
async function holdInAnotherProcess(directory: string, mechanism: DataDirectoryLockMechanism = "abstract-socket"): Promise<ChildProcess> {
  const child = spawnLockChild(directory, mechanism, "hold");
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the holder did not lock: ${stderr}`)), CHILD_TIMEOUT_MILLISECONDS);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("locked")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the holder exited with ${String(code)}: ${stderr}`));
    });
  });
  return child;
}

/** Tries the lock in another process, which releases it at once if it got it. */
async function tryInAnotherProcess(directory: string, mechanism: DataDirectoryLockMechanism = "abstract-socket"): Promise<ChildOutcome> {
  const child = spawnLockChild(directory, mechanism, "release");
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MILLISECONDS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** Every file under a directory with its size and modification time: what "untouched" compares. */
function snapshot(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const stat = statSync(path);
    files[path.slice(directory.length)] = `${stat.size} ${stat.mtimeMs}`;
  }
  return files;
}

describe("the data directory lock", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function temporaryDirectory(prefix: string): string {
    const directory = makeTemporaryDirectory(prefix);
    cleanups.push(directory.remove);
    return directory.path;
  }

  async function holder(directory: string, mechanism?: DataDirectoryLockMechanism): Promise<ChildProcess> {
    const child = await holdInAnotherProcess(directory, mechanism);
    cleanups.push(() => killHard(child));
    return child;
  }

  it("refuses a second process while another holds the directory, naming the directory, the holder's process id and what to do", async () => {
    const directory = temporaryDirectory("lock-refused");
    const first = await holder(directory);
    const before = snapshot(directory);
    const recorded = readFileSync(join(directory, DATA_DIRECTORY_LOCK_FILE), "utf8");
    expect(JSON.parse(recorded)).toMatchObject({ pid: first.pid });

    const second = await tryInAnotherProcess(directory);
    expect(second.code).toBe(EXIT_REFUSED);
    expect(second.stdout).toBe("");
    expect(second.stderr).toContain(`StartupError: the data directory ${directory} is open in process ${first.pid}`);
    expect(second.stderr).toContain(WHAT_TO_DO);
    // The refused process wrote nothing.
    expect(snapshot(directory)).toEqual(before);
    expect(readFileSync(join(directory, DATA_DIRECTORY_LOCK_FILE), "utf8")).toBe(recorded);
  });

  it("is free again as soon as the holder is killed with SIGKILL", async () => {
    const directory = temporaryDirectory("lock-killed");
    const first = await holder(directory);
    expect((await tryInAnotherProcess(directory)).code).toBe(EXIT_REFUSED);
    await killHard(first);

    const lock = await acquireDataDirectoryLock(directory);
    expect(lock.mechanism).toBe("abstract-socket");
    expect(JSON.parse(readFileSync(join(directory, DATA_DIRECTORY_LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(existsSync(join(directory, DATA_DIRECTORY_LOCK_FILE))).toBe(false);
    expect((await tryInAnotherProcess(directory)).code).toBe(0);
  });

  it("is one lock for every path to the directory, a symlink included", async () => {
    const base = temporaryDirectory("lock-symlink");
    const directory = join(base, "data");
    const link = join(base, "link-to-data");
    mkdirSync(directory);
    symlinkSync(directory, link);
    expect(dataDirectoryLockName(link)).toBe(dataDirectoryLockName(`${directory}/./`));

    const first = await holder(link);
    for (const spelling of [directory, `${directory}/`, join(base, ".", "data", "..", "data")]) {
      const refused = await tryInAnotherProcess(spelling);
      expect(refused.code, spelling).toBe(EXIT_REFUSED);
      expect(refused.stderr).toContain(`is open in process ${first.pid}`);
    }
  });

  it("refuses a second acquire in the same process until the first is released", async () => {
    const directory = temporaryDirectory("lock-same-process");
    const lock = await acquireDataDirectoryLock(directory);
    cleanups.push(() => lock.release());
    await expect(acquireDataDirectoryLock(directory)).rejects.toThrow(StartupError);
    await expect(acquireDataDirectoryLock(directory)).rejects.toThrow(`is open in process ${process.pid} (this process)`);
    await lock.release();
    await lock.release();
    const again = await acquireDataDirectoryLock(directory);
    await again.release();
  });

  it("creates a missing data directory and, besides its record of the holder, nothing in it", async () => {
    const directory = join(temporaryDirectory("lock-missing"), "not", "yet");
    const lock = await acquireDataDirectoryLock(directory);
    expect(readdirSync(directory)).toEqual([DATA_DIRECTORY_LOCK_FILE]);
    await lock.release();
    expect(readdirSync(directory)).toEqual([]);
  });

  it("falls back to a pid file elsewhere: a live holder is refused and a dead holder's file is taken over", async () => {
    const directory = temporaryDirectory("lock-pid-file");
    const first = await holder(directory, "pid-file");
    const refused = await tryInAnotherProcess(directory, "pid-file");
    expect(refused.code).toBe(EXIT_REFUSED);
    expect(refused.stderr).toContain(`is open in process ${first.pid}`);
    expect(refused.stderr).toContain(WHAT_TO_DO);

    await killHard(first);
    // The dead holder's file is still there; the next process finds its process gone and takes over.
    expect(JSON.parse(readFileSync(join(directory, DATA_DIRECTORY_LOCK_FILE), "utf8"))).toMatchObject({ pid: first.pid });
    const lock = await acquireDataDirectoryLock(directory, "pid-file");
    expect(JSON.parse(readFileSync(join(directory, DATA_DIRECTORY_LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
    await expect(acquireDataDirectoryLock(directory, "pid-file")).rejects.toThrow(`is open in process ${process.pid} (this process)`);
    await lock.release();
    expect(readdirSync(directory)).toEqual([]);
  });
});

describe("a second server on a running server's data directory", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("exits with status 2 and a clear message, while the first still serves and its data is untouched", async () => {
    const directory = makeTemporaryDirectory("lock-server");
    cleanups.push(directory.remove);
    // Another spelling of the directory, through a symlink (removing its directory removes only the link).
    const linkBase = makeTemporaryDirectory("lock-server-link");
    cleanups.push(linkBase.remove);
    const link = join(linkBase.path, "data");
    symlinkSync(directory.path, link);

    // No checkpoint during the test: the first server's own writes would change the files compared below.
    const first = await startServerProcess(directory.path, ["--demo", "--demo-members", "3", "--checkpoint-interval-milliseconds", "3600000"]);
    cleanups.push(() => first.kill());
    const token = first.terminalToken ?? "";
    const card = first.demoCards[0] ?? "";
    const receipt = { id: "lock-1", at: RECEIPT_AT, lines: [{ sku: "SKU-1", qty: 1, price: 10_000, amount: 10_000 }] };
    const committed = await postJson(`${first.url}/v1/commit`, token, { card, receipt });
    expect(committed.status).toBe(200);
    // The receipt index is written a turn and an fsync after the answer; let it land.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = snapshot(directory.path);

    const second = await runServerExpectingFailure(["--data-dir", link]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`loycore could not start: the data directory ${link} is open in process ${first.child.pid}`);
    expect(second.stderr).toContain(WHAT_TO_DO);

    expect(snapshot(directory.path)).toEqual(before);
    expect((await getJson(`${first.url}/health`)).status).toBe(200);
    // The receipt is still there, with the same answer.
    expect(await postJson(`${first.url}/v1/commit`, token, { card, receipt })).toEqual(committed);

    // A graceful stop releases the lock: its record is removed and the next process gets it.
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(directory.path, DATA_DIRECTORY_LOCK_FILE))).toBe(false);
    const lock = await acquireDataDirectoryLock(directory.path);
    await lock.release();
  });
});
