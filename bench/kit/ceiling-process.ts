import { spawn } from "node:child_process";
import { stopChildProcess } from "../child-process.js";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** A ceiling server starts in well under a second; ten means it will not. */
const CEILING_START_TIMEOUT_MILLISECONDS = 10_000;

/** It holds nothing to flush: SIGTERM ends it at once, SIGKILL after this. */
const CEILING_STOP_GRACE_MILLISECONDS = 2_000;

/** Enough of its stderr to say why it failed to start. */
const STDERR_TAIL_LINES = 20;

/**
 * dist/bench/kit/ceiling-process.js starts dist/bench/kit/ceiling-server.js: the same build. From the
 * TypeScript source (vitest) it is the build of it in dist/, since Node cannot run the .ts file.
 */
export const CEILING_SERVER_MAIN_PATH = import.meta.url.includes("/dist/")
  ? fileURLToPath(new URL("./ceiling-server.js", import.meta.url))
  : fileURLToPath(new URL("../../dist/bench/kit/ceiling-server.js", import.meta.url));

export interface CeilingServerOptions {
  /** WebSocket answer size in bytes per operation (identify, calculate, commit, refund, ...). */
  readonly answerBytes: Readonly<Record<string, number>>;
  /** HTTP JSON body size in bytes per operation. */
  readonly httpBodyBytes: Readonly<Record<string, number>>;
}

export interface StartedCeilingServer {
  readonly pid: number;
  readonly url: string;
  readonly webSocketUrl: string;
  stop(): Promise<void>;
}

function sizesArgument(sizes: Readonly<Record<string, number>>): string {
  return Object.entries(sizes)
    .map(([operation, bytes]) => `${operation}=${Math.round(bytes)}`)
    .join(",");
}

/** Starts the ceiling server as a child process on 127.0.0.1 (a free port) and resolves once it listens. */
export async function startCeilingServer(options: CeilingServerOptions): Promise<StartedCeilingServer> {
  if (!existsSync(CEILING_SERVER_MAIN_PATH)) throw new Error(`${CEILING_SERVER_MAIN_PATH} does not exist: build first (npm run build)`);
  const child = spawn(
    process.execPath,
    [CEILING_SERVER_MAIN_PATH, "--sizes", sizesArgument(options.answerBytes), "--http-sizes", sizesArgument(options.httpBodyBytes)],
    // Its own process group, like the gateway's: Ctrl-C stops the load first, then the kit stops the server.
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const stop = async (): Promise<void> => {
    await stopChildProcess(child, CEILING_STOP_GRACE_MILLISECONDS);
    process.removeListener("exit", killOnExit);
  };
  try {
    const { url, webSocketUrl } = await waitForListening(child);
    if (child.pid === undefined) throw new Error("the ceiling server has no pid");
    return { pid: child.pid, url, webSocketUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitForListening(child: ChildProcess): Promise<{ url: string; webSocketUrl: string }> {
  const { stdout, stderr } = child;
  if (stdout === null || stderr === null) throw new Error("the ceiling server's output is not piped");
  const stderrTail: string[] = [];
  createInterface({ input: stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${message}${stderrTail.length > 0 ? `\nceiling server stderr:\n${stderrTail.join("\n")}` : ""}`));
    };
    const timer = setTimeout(() => fail(`the ceiling server did not listen within ${CEILING_START_TIMEOUT_MILLISECONDS} ms`), CEILING_START_TIMEOUT_MILLISECONDS);
    child.once("error", (error) => fail(`cannot start the ceiling server: ${error.message}`));
    child.once("exit", (code, signal) => fail(`the ceiling server exited before listening (code ${code}, signal ${signal})`));
    createInterface({ input: stdout }).on("line", (line) => {
      if (settled || !line.startsWith("{")) return;
      try {
        const document = JSON.parse(line) as Record<string, unknown>;
        if (document["event"] !== "listening" || typeof document["url"] !== "string" || typeof document["webSocketUrl"] !== "string") return;
        settled = true;
        clearTimeout(timer);
        resolve({ url: document["url"], webSocketUrl: document["webSocketUrl"] });
      } catch {
        // Not the announcement.
      }
    });
  });
}
