import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { formatResponseBytes } from "./http-ceiling-body.js";

/** Node starts and uWS listens in well under a second; ten covers a loaded two-core machine. */
const CEILING_START_TIMEOUT_MILLISECONDS = 10_000;

/** The ceiling holds no state: if SIGTERM has not ended it by then, it is stuck. */
const CEILING_STOP_GRACE_MILLISECONDS = 2_000;

export interface StartedHttpCeilingServer {
  readonly url: string;
  /** For reading its CPU time and memory from /proc, as for loycore. */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * From dist/bench/kit/ the server is the sibling http-ceiling-server.js; from the TypeScript source
 * (vitest) it is the build of it in dist/, since Node cannot run the .ts file.
 */
export function httpCeilingServerPath(): string {
  if (import.meta.url.includes("/dist/")) return fileURLToPath(new URL("./http-ceiling-server.js", import.meta.url));
  return fileURLToPath(new URL("../../dist/bench/kit/http-ceiling-server.js", import.meta.url));
}

/** Starts the HTTP ceiling in its own process; answers to each operation have the given size in bytes. */
export async function startHttpCeilingServer(responseBytes: ReadonlyMap<string, number>): Promise<StartedHttpCeilingServer> {
  const serverPath = httpCeilingServerPath();
  if (!existsSync(serverPath)) throw new Error(`${serverPath} does not exist: build the kit first (npm run build)`);
  // Standard input is a pipe the server watches: if the kit dies, the pipe closes and the ceiling exits.
  const child = spawn(process.execPath, [serverPath, "--response-bytes", formatResponseBytes(responseBytes)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const pid = child.pid;
  const url = await waitForListening(child).catch(async (error: unknown) => {
    await stopChild(child);
    throw error;
  });
  if (pid === undefined) throw new Error("the HTTP ceiling server has no pid");
  return { url, pid, stop: () => stopChild(child) };
}

function waitForListening(child: ChildProcess): Promise<string> {
  const stdout = child.stdout;
  const stderr = child.stderr;
  if (stdout === null || stderr === null) return Promise.reject(new Error("the ceiling server's output is not piped"));
  let stderrText = "";
  stderr.on("data", (chunk: Buffer) => {
    stderrText = (stderrText + chunk.toString("utf8")).slice(-2_000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the HTTP ceiling server did not listen within ${CEILING_START_TIMEOUT_MILLISECONDS} ms`)),
      CEILING_START_TIMEOUT_MILLISECONDS,
    );
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP ceiling server exited before listening (code ${code}): ${stderrText}`));
    });
    createInterface({ input: stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      const announcement = JSON.parse(line) as { event?: unknown; url?: unknown };
      if (announcement.event !== "listening" || typeof announcement.url !== "string") return;
      clearTimeout(timer);
      resolve(announcement.url);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), CEILING_STOP_GRACE_MILLISECONDS);
  await exited;
  clearTimeout(timer);
}
