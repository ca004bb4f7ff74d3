import { spawn } from "node:child_process";
import { stopChildProcess } from "./child-process.js";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** What the gateway announces on stdout once it listens (one JSON line). */
export interface ListeningAnnouncement {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly terminalToken: string;
  /** Null when the data directory already had an admin token (a reused --data-dir). */
  readonly adminToken: string | null;
  readonly demoCards: readonly string[];
}

export interface StartedGatewayOnDataDirectory extends ListeningAnnouncement {
  /** The gateway's process id, for reading its CPU time and memory from /proc. */
  readonly pid: number;
  /** From spawning the process until it announced it listens: opening LMDB, starting shards, seeding the demo. */
  readonly startSeconds: number;
  /** SIGTERM, then SIGKILL if the gateway has not exited in time; the data directory is left in place. */
  stop(): Promise<void>;
}

/**
 * Starting means spawning Node, opening LMDB (up to a 10M-member dataset), starting shard threads and
 * seeding the few demo members; two minutes covers a slow machine with the largest dataset.
 */
const GATEWAY_START_TIMEOUT_MILLISECONDS = 120_000;

/** A graceful shutdown flushes and closes LMDB; five seconds is plenty, after that it is stuck. */
const GATEWAY_STOP_GRACE_MILLISECONDS = 5_000;

/** Enough of the gateway's stderr to explain why it failed to start, without keeping all of it. */
const STDERR_TAIL_LINES = 40;

/**
 * dist/bench/kit/started-loycore.js runs dist/gateway/main.js: the same build, wherever the current
 * directory is. Tests run this file from its TypeScript source; they start the built gateway too.
 */
export const GATEWAY_MAIN_PATH = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "../dist/gateway/main.js" : "../gateway/main.js", import.meta.url),
);

/**
 * Starts the gateway with --demo over an existing data directory (an imported dataset, see
 * gateway/import), and leaves the directory in place when stopped. The demo seeding enrols
 * `demoMembers` demo members: over an imported dataset they already exist (same cards, same welcome
 * receipt), so it only reads them; keep it small and use the imported card numbering (demoCard(i))
 * for load.
 */
export async function startGatewayOnDataDirectory(options: {
  readonly dataDirectory: string;
  readonly demoMembers: number;
}): Promise<StartedGatewayOnDataDirectory> {
  const { dataDirectory, demoMembers: members } = options;
  if (!existsSync(dataDirectory)) throw new Error(`the data directory ${dataDirectory} does not exist`);
  if (!existsSync(GATEWAY_MAIN_PATH)) {
    throw new Error(`${GATEWAY_MAIN_PATH} does not exist: build the gateway first (npm run build), or pass --url`);
  }
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      GATEWAY_MAIN_PATH,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDirectory,
      "--demo",
      "--demo-members",
      String(members),
      // All simulated lanes share the demo terminal: its rate limit must not be what the bench measures.
      "--terminal-requests-per-second",
      "1000000",
    ],
    // Its own process group: Ctrl-C stops the bench's lanes first; the bench then reads /metrics and
    // stops the gateway itself, instead of the terminal killing both at once.
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  // If the bench dies without reaching stop(), the gateway must not outlive it.
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const stop = async (): Promise<void> => {
    await stopChildProcess(child, GATEWAY_STOP_GRACE_MILLISECONDS);
    process.removeListener("exit", killOnExit);
  };

  try {
    const announcement = await waitForAnnouncement(child);
    const startSeconds = (performance.now() - spawnedAt) / 1000;
    const pid = child.pid;
    if (pid === undefined) throw new Error("the gateway process has no pid");
    return { ...announcement, pid, stop, startSeconds };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitForAnnouncement(child: ChildProcess): Promise<ListeningAnnouncement> {
  const stdout = child.stdout;
  const stderr = child.stderr;
  if (stdout === null || stderr === null) throw new Error("the gateway's output is not piped");

  const stderrTail: string[] = [];
  // Both pipes are read to the end: a full pipe would block the gateway's writes and stall it.
  createInterface({ input: stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  const stdoutLines = createInterface({ input: stdout });

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const tail = stderrTail.length > 0 ? `\ngateway stderr (last lines):\n${stderrTail.join("\n")}` : "";
      reject(new Error(`${message}${tail}`));
    };
    const timer = setTimeout(
      () => fail(`the gateway did not announce it was listening within ${GATEWAY_START_TIMEOUT_MILLISECONDS} ms`),
      GATEWAY_START_TIMEOUT_MILLISECONDS,
    );
    child.once("error", (error) => fail(`cannot start the gateway: ${error.message}`));
    child.once("exit", (code, signal) => fail(`the gateway exited before listening (code ${code}, signal ${signal})`));
    stdoutLines.on("line", (line) => {
      if (settled) return;
      let announcement: ListeningAnnouncement | undefined;
      try {
        announcement = readAnnouncement(line);
      } catch (error) {
        fail(error instanceof Error ? error.message : String(error));
        return;
      }
      if (announcement === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve(announcement);
    });
  });
}

/** The announcement in one stdout line, or undefined for any other line (logs, blank lines). */
export function readAnnouncement(line: string): ListeningAnnouncement | undefined {
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
  const { url, webSocketUrl, terminalToken, adminToken, demoCards } = fields;
  if (
    typeof url !== "string" ||
    typeof webSocketUrl !== "string" ||
    typeof terminalToken !== "string" ||
    (typeof adminToken !== "string" && adminToken !== null) ||
    !Array.isArray(demoCards) ||
    !demoCards.every((card): card is string => typeof card === "string")
  ) {
    throw new Error(`the gateway's listening line lacks url, webSocketUrl, terminalToken (is --demo on?), adminToken or demoCards: ${line.slice(0, 200)}`);
  }
  return { url, webSocketUrl, terminalToken, adminToken, demoCards };
}
