/**
 * Runs in the process that starts a gateway (tests, the benchmark kit, the
 * crash audit, the fuzzer), never in the gateway itself: the one way to
 * start the built gateway (`dist/gateway/main.js`) as a child process on
 * 127.0.0.1 with a free port, wait for its "listening" line, and stop or
 * kill it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The compiled gateway, whether this file runs from its TypeScript source (tests) or from dist/. */
export const SERVER_MAIN_PATH = fileURLToPath(new URL(import.meta.url.endsWith(".ts") ? "../dist/gateway/main.js" : "./main.js", import.meta.url));

/**
 * Starting means spawning Node, opening LMDB (up to a 10M-member dataset), replaying shard logs and
 * seeding the demo members; two minutes covers a slow machine with the largest dataset.
 */
const START_TIMEOUT_DEFAULT_MILLISECONDS = 120_000;
/** A graceful stop drains the shards and syncs their logs; after this it is stuck, and is killed. */
const STOP_GRACE_DEFAULT_MILLISECONDS = 30_000;
/** Enough of stderr to explain a failure, without keeping all of it. */
const STDERR_TAIL_CHARACTERS = 4_000;

/** What the gateway announces on stdout once it listens (one JSON line with `event: "listening"`). */
export interface Announcement {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly shardThreads: number;
  /** Null when the data directory already had an admin token. */
  readonly adminToken: string | null;
  /** The demo terminal's token; null without --demo. */
  readonly terminalToken: string | null;
  readonly demoCards: readonly string[];
}

export interface ServerLaunch {
  /** Flags after --host, --port and --data-dir (e.g. --demo). */
  readonly arguments?: readonly string[];
  /** Added to this process's environment. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Its own process group, so a terminal's Ctrl-C reaches the caller first (the benchmark kit). */
  readonly detached?: boolean;
  readonly startTimeoutMilliseconds?: number;
  /** Each line the gateway writes to stderr. */
  readonly onStderrLine?: (line: string) => void;
}

export interface ServerProcess extends Announcement {
  readonly child: ChildProcess;
  readonly pid: number;
  /** From spawning until the listening line. */
  readonly startSeconds: number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  /** Whether `kill()` was called (else an exit was the gateway's own doing). */
  killedByCaller(): boolean;
  /** The last few thousand characters of stderr. */
  stderrTail(): string;
  /** SIGTERM, SIGKILL after the grace: the graceful path. Resolves with the exit code. */
  stop(graceMilliseconds?: number): Promise<number | null>;
  /** SIGKILL: the crash path. */
  kill(): Promise<void>;
}

/** The gateway exited before it listened; with fault injection a SIGKILL is a crash point firing. */
export class ServerExitedError extends Error {
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(`the gateway exited before listening (code ${String(code)}, signal ${String(signal)}): ${stderrTail}`);
    this.name = "ServerExitedError";
  }
}

/** Starts `node dist/gateway/main.js` on 127.0.0.1 with a free port over `dataDirectory`. */
export async function startServerProcess(
  dataDirectory: string,
  extraArguments: readonly string[] = [],
  environment: Readonly<Record<string, string>> = {},
  launch: Omit<ServerLaunch, "arguments" | "environment"> = {},
): Promise<ServerProcess> {
  if (!existsSync(SERVER_MAIN_PATH)) throw new Error(`${SERVER_MAIN_PATH} is missing: run npm run build first`);
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [SERVER_MAIN_PATH, "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory, ...extraArguments],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...environment }, detached: launch.detached === true },
  );
  const state = watch(child, launch.onStderrLine);
  try {
    const announcement = await waitForAnnouncement(child, state, launch.startTimeoutMilliseconds ?? START_TIMEOUT_DEFAULT_MILLISECONDS);
    const pid = child.pid;
    if (pid === undefined) throw new Error("the gateway process has no pid");
    return {
      ...announcement,
      child,
      pid,
      startSeconds: (performance.now() - spawnedAt) / 1000,
      exited: state.exited,
      hasExited: () => state.hasExited,
      killedByCaller: () => state.killed,
      stderrTail: () => state.stderrTail,
      stop: (graceMilliseconds = STOP_GRACE_DEFAULT_MILLISECONDS) => stop(child, state, graceMilliseconds),
      kill: () => kill(child, state),
    };
  } catch (error) {
    await kill(child, state);
    throw error;
  }
}

/** Runs the gateway expecting it to refuse to start; resolves with its exit code and stderr. */
export async function runServerExpectingFailure(
  arguments_: readonly string[],
  environment: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [SERVER_MAIN_PATH, "--host", "127.0.0.1", "--port", "0", ...arguments_], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...environment },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_DEFAULT_MILLISECONDS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stderr };
}

/** The announcement in one stdout line, or undefined for any other line (logs, blank lines). */
export function readAnnouncement(line: string): Announcement | undefined {
  if (!line.startsWith("{")) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof document !== "object" || document === null) return undefined;
  const fields = document as Readonly<Record<string, unknown>>;
  if (fields["event"] !== "listening") return undefined;
  const { url, webSocketUrl, shardThreads, terminalToken, adminToken, demoCards } = fields;
  if (
    typeof url !== "string" ||
    typeof webSocketUrl !== "string" ||
    typeof shardThreads !== "number" ||
    (typeof terminalToken !== "string" && terminalToken !== null && terminalToken !== undefined) ||
    (typeof adminToken !== "string" && adminToken !== null) ||
    !Array.isArray(demoCards) ||
    !demoCards.every((card): card is string => typeof card === "string")
  ) {
    throw new Error(`the gateway's listening line lacks url, webSocketUrl, shardThreads, adminToken or demoCards: ${line.slice(0, 200)}`);
  }
  return { url, webSocketUrl, shardThreads, terminalToken: terminalToken ?? null, adminToken, demoCards };
}

interface WatchState {
  readonly exited: Promise<void>;
  hasExited: boolean;
  killed: boolean;
  stderrTail: string;
}

/** Follows the child's exit and stderr; the child never outlives this process. */
function watch(child: ChildProcess, onStderrLine: ((line: string) => void) | undefined): WatchState {
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const state: WatchState = {
    exited: new Promise<void>((resolve) =>
      child.once("exit", () => {
        state.hasExited = true;
        process.removeListener("exit", killOnExit);
        resolve();
      }),
    ),
    hasExited: false,
    killed: false,
    stderrTail: "",
  };
  child.stderr?.on("data", (chunk: Buffer) => {
    state.stderrTail = (state.stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARACTERS);
  });
  if (onStderrLine !== undefined && child.stderr !== null) createInterface({ input: child.stderr }).on("line", onStderrLine);
  return state;
}

function waitForAnnouncement(child: ChildProcess, state: WatchState, timeoutMilliseconds: number): Promise<Announcement> {
  return new Promise<Announcement>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const timer = setTimeout(
      () => settle(() => reject(new Error(`the gateway did not listen within ${timeoutMilliseconds} ms: ${state.stderrTail}`))),
      timeoutMilliseconds,
    );
    child.once("error", (error) => settle(() => reject(new Error(`cannot start the gateway: ${error.message}`))));
    void state.exited.then(() => settle(() => reject(new ServerExitedError(child.exitCode, child.signalCode, state.stderrTail))));
    // stdout is read to its end: a full pipe would block the gateway's writes and stall it.
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (settled) return;
      try {
        const announcement = readAnnouncement(line);
        if (announcement !== undefined) settle(() => resolve(announcement));
      } catch (error) {
        settle(() => reject(error instanceof Error ? error : new Error(String(error))));
      }
    });
  });
}

async function stop(child: ChildProcess, state: WatchState, graceMilliseconds: number): Promise<number | null> {
  if (!state.hasExited && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMilliseconds);
  await state.exited;
  clearTimeout(timer);
  return child.exitCode;
}

async function kill(child: ChildProcess, state: WatchState): Promise<void> {
  if (!state.hasExited && child.exitCode === null && child.signalCode === null) {
    state.killed = true;
    child.kill("SIGKILL");
  }
  await state.exited;
}
