import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** The compiled server: integration tests run what production runs (`npm test` builds first). */
export const SERVER_MAIN_PATH = fileURLToPath(new URL("../../dist/gateway/main.js", import.meta.url));
const START_TIMEOUT_MILLISECONDS = 60_000;
const STOP_TIMEOUT_MILLISECONDS = 30_000;

export interface Announcement {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly shardThreads: number;
  readonly adminToken: string | null;
  readonly terminalToken: string | null;
  readonly demoCards: readonly string[];
}

export interface ServerProcess extends Announcement {
  readonly child: ChildProcess;
  /** SIGTERM and wait: the graceful path. Resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the crash path. */
  kill(): Promise<void>;
}

/** Starts `node dist/gateway/main.js` on 127.0.0.1 with a free port over `dataDirectory`. */
export async function startServerProcess(
  dataDirectory: string,
  extraArguments: readonly string[] = [],
  environment: Readonly<Record<string, string>> = {},
): Promise<ServerProcess> {
  if (!existsSync(SERVER_MAIN_PATH)) throw new Error(`${SERVER_MAIN_PATH} is missing: run npm run build first`);
  const child = spawn(
    process.execPath,
    [SERVER_MAIN_PATH, "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory, ...extraArguments],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...environment } },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A server that dies on its own is a finding: show why.
  void exited.then((code) => {
    if (code !== 0 && child.signalCode !== "SIGTERM" && child.signalCode !== "SIGKILL") {
      process.stderr.write(`server exited with ${String(code)} (${String(child.signalCode)}): ${stderr}\n`);
    }
  });
  const announcement = await new Promise<Announcement>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), START_TIMEOUT_MILLISECONDS);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const parsed = JSON.parse(line) as Announcement & { event?: string };
      if (parsed.event === "listening") {
        clearTimeout(timer);
        resolve(parsed);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)} before listening: ${stderr}`));
    });
  });
  return {
    ...announcement,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MILLISECONDS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Runs `node dist/gateway/main.js` expecting it to refuse to start; resolves with its exit code and stderr. */
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
  const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MILLISECONDS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stderr };
}

/** Calls the HTTP API with JSON. */
export async function postJson(
  url: string,
  token: string,
  body: unknown,
  method: "POST" | "PUT" = "POST",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getJson(url: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
