import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { StartupError } from "./data-directory.js";

/**
 * One process at a time on a data directory.
 *
 * LMDB lets several processes open one environment (that is its design), so
 * two gateways on one directory would both start, each with its own staged
 * batches and in-memory state, and overwrite each other's acknowledged
 * commits. The gateway and the offline importer therefore take this lock
 * before they open or write anything in the directory, and hold it for the
 * life of the process.
 *
 * The mechanism, on Linux: a Unix socket bound in the abstract namespace
 * (a name beginning with "\0"), named after the directory's device and inode
 * number. Binding is atomic (exactly one process gets a name; the others get
 * EADDRINUSE), and the kernel frees the name when the socket is closed, which
 * it does for every process that exits, SIGKILL and crashes included: there
 * is never a stale lock to clean up. The name is derived from the directory's
 * identity, not its spelling, so "data", "./data/", an absolute path and a
 * symlink to it are one lock. Nothing is created on disk for it.
 *
 * Alternatives considered: flock(2)/fcntl(2) would do the same, but Node has
 * no binding for them without a native addon; pid files and lock-file
 * packages (mkdir plus an age) are not released by the kernel, so a crash
 * leaves a lock that has to be judged stale by guessing (pid reuse, clocks);
 * LMDB's own lock file is shared by design; a Unix socket *file* in the
 * directory outlives its process, and removing a stale one races with
 * another starter.
 *
 * Limits: the abstract namespace belongs to a network namespace, so the lock
 * separates processes on one machine (one host, or one container), not
 * containers with their own network namespaces sharing one volume, nor hosts
 * sharing a network file system; run one loycore per data directory there.
 *
 * The file `lock` in the directory records the holder's process id, host and
 * start time, only so that a refused process can say who holds the lock; it
 * is written after the lock is taken and removed on release, and one left by
 * a crash means nothing.
 *
 * Elsewhere (macOS, Windows: no abstract namespace) the lock falls back to
 * that file: created atomically with the holder's details, and taken over
 * when its process is gone (process.kill(pid, 0)). That is weaker: a reused
 * process id keeps a dead holder's lock (remove the file), a holder on another
 * host cannot be checked (refused, remove the file if it is gone), and two
 * processes taking over one stale file at the same moment can both succeed.
 */
export interface DataDirectoryLock {
  /** The directory as given to acquireDataDirectoryLock. */
  readonly dataDirectory: string;
  readonly mechanism: DataDirectoryLockMechanism;
  /** Frees the lock (idempotent). Exiting frees it too. */
  release(): Promise<void>;
}

/** "abstract-socket": Linux, kernel-released. "pid-file": the weaker fallback elsewhere. */
export type DataDirectoryLockMechanism = "abstract-socket" | "pid-file";

/** The holder's details, in the data directory; informational on Linux, the lock itself in the fallback. */
export const DATA_DIRECTORY_LOCK_FILE = "lock";
/** Distinguishes our abstract socket names from any other program's. */
const ABSTRACT_SOCKET_PREFIX = "\0loycore-data-directory-lock/";
/** The fallback removes a stale file and retries this often before giving up (a race with another starter). */
const PID_FILE_ATTEMPTS = 3;
/** What a refused process should do, in every refusal. */
const WHAT_TO_DO = "stop the other loycore process using this data directory, or choose another --data-dir";

/** Held locks, referenced from here so that nothing held is ever collected before release. */
const heldLocks = new Set<DataDirectoryLock>();

/** What the lock file records. */
interface HolderDetails {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601: when the holder took the lock. */
  readonly since: string;
}

/**
 * Locks a data directory for this process, creating the directory (and only
 * it) if it does not exist. Throws StartupError, touching nothing in the
 * directory, when another live process holds it (or this process already
 * does). `mechanism` is for tests of the fallback; the default suits the
 * platform.
 */
export async function acquireDataDirectoryLock(
  dataDirectory: string,
  mechanism: DataDirectoryLockMechanism = process.platform === "linux" ? "abstract-socket" : "pid-file",
): Promise<DataDirectoryLock> {
  try {
    mkdirSync(dataDirectory, { recursive: true });
  } catch (error) {
    throw new StartupError(`could not create the data directory ${dataDirectory}: ${describe(error)}`);
  }
  let lock: DataDirectoryLock;
  try {
    lock = mechanism === "abstract-socket" ? await acquireAbstractSocket(dataDirectory) : acquirePidFile(dataDirectory);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    // Not a refusal: the lock could not be tried (permissions, a full disk in the fallback). Refuse to start all the same.
    throw new StartupError(`could not lock the data directory ${dataDirectory}: ${describe(error)}`);
  }
  heldLocks.add(lock);
  return lock;
}

/** The abstract socket name of a directory: its device and inode, whatever the path's spelling. */
export function dataDirectoryLockName(dataDirectory: string): string {
  let identity;
  try {
    identity = statSync(dataDirectory, { bigint: true });
  } catch (error) {
    throw new StartupError(`could not read the data directory ${dataDirectory}: ${describe(error)}`);
  }
  if (!identity.isDirectory()) throw new StartupError(`the data directory ${dataDirectory} is not a directory`);
  return `${ABSTRACT_SOCKET_PREFIX}${identity.dev.toString(16)}/${identity.ino.toString(16)}`;
}

async function acquireAbstractSocket(dataDirectory: string): Promise<DataDirectoryLock> {
  const name = dataDirectoryLockName(dataDirectory);
  const server = createServer();
  // Nobody has reason to connect; whoever does is hung up on.
  server.on("connection", (socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ path: name, exclusive: true }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    server.close();
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    // A record left by a crashed holder is not the holder's (the new one may not have written its own yet).
    const holder = readHolder(dataDirectory);
    throw refusal(dataDirectory, holder !== undefined && holder.host === hostname() && !isAlive(holder.pid) ? undefined : holder);
  }
  // Held for the life of the process without keeping it alive.
  server.unref();
  server.on("error", () => undefined);
  writeHolderDetails(dataDirectory);
  return lockReleasedBy(dataDirectory, "abstract-socket", () => new Promise<void>((resolve) => server.close(() => resolve())));
}

/** A lock whose release removes the details file (while still holding, so no new holder's file is removed), then frees it. */
function lockReleasedBy(dataDirectory: string, mechanism: DataDirectoryLockMechanism, free: () => Promise<void>): DataDirectoryLock {
  let released = false;
  const lock: DataDirectoryLock = {
    dataDirectory,
    mechanism,
    release: async () => {
      if (released) return;
      released = true;
      heldLocks.delete(lock);
      removeIfPresent(join(dataDirectory, DATA_DIRECTORY_LOCK_FILE), mechanism === "abstract-socket");
      await free();
    },
  };
  return lock;
}

/**
 * Records this process as the holder: written aside and renamed, so a reader
 * never sees half a file. Best effort: the record only improves a refusal's
 * message, so a directory that cannot take it (a full disk) still starts.
 */
function writeHolderDetails(dataDirectory: string): void {
  let aside: string | undefined;
  try {
    aside = writeDetailsAside(dataDirectory);
    renameSync(aside, join(dataDirectory, DATA_DIRECTORY_LOCK_FILE));
  } catch {
    if (aside !== undefined) removeIfPresent(aside, true);
  }
}

function writeDetailsAside(dataDirectory: string): string {
  const details: HolderDetails = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const aside = join(dataDirectory, `${DATA_DIRECTORY_LOCK_FILE}.${process.pid}.tmp`);
  writeFileSync(aside, `${JSON.stringify(details)}\n`);
  return aside;
}

/** The recorded holder, or undefined when there is no readable record. */
function readHolder(dataDirectory: string): HolderDetails | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDirectory, DATA_DIRECTORY_LOCK_FILE), "utf8")) as Partial<HolderDetails>;
    if (typeof parsed.pid !== "number" || !Number.isSafeInteger(parsed.pid)) return undefined;
    return { pid: parsed.pid, host: typeof parsed.host === "string" ? parsed.host : "?", since: typeof parsed.since === "string" ? parsed.since : "?" };
  } catch {
    return undefined;
  }
}

function refusal(dataDirectory: string, holder: HolderDetails | undefined): StartupError {
  const who =
    holder === undefined
      ? "is in use by another process (its process id is not recorded)"
      : `is open in process ${holder.pid}${holder.pid === process.pid ? " (this process)" : ""} on host ${holder.host}, since ${holder.since}`;
  return new StartupError(`the data directory ${dataDirectory} ${who}: ${WHAT_TO_DO}`);
}

/**
 * The fallback: the details file is the lock. It is linked into place whole
 * (link(2) fails if the name exists), so it is never seen half-written; one
 * whose process is gone (on this host) is removed and the lock retried.
 */
function acquirePidFile(dataDirectory: string): DataDirectoryLock {
  const path = join(dataDirectory, DATA_DIRECTORY_LOCK_FILE);
  for (let attempt = 0; attempt < PID_FILE_ATTEMPTS; attempt += 1) {
    const holder = readHolder(dataDirectory);
    if (holder !== undefined && (holder.host !== hostname() || isAlive(holder.pid))) throw refusal(dataDirectory, holder);
    // Refused above without writing; from here on the file is missing, unreadable or stale.
    removeIfPresent(path);
    const aside = writeDetailsAside(dataDirectory);
    try {
      linkSync(aside, path);
      return lockReleasedBy(dataDirectory, "pid-file", async () => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      removeIfPresent(aside);
    }
  }
  throw refusal(dataDirectory, readHolder(dataDirectory));
}

/** Whether a process with this id exists (EPERM: it does, owned by another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Unlinks a file; a missing one is fine, and with `quietly` so is any failure. */
function removeIfPresent(path: string, quietly = false): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!quietly && (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
