// The long run's command line (node dist/tools/fuzz/main.js); runs in the fuzzer's own process, not in the gateway.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServerProcess } from "../../gateway/server-process.js";
import type { ServerProcess } from "../../gateway/server-process.js";
import { OPERATIONS, describe } from "./vocabulary.js";
import type { Tally } from "./vocabulary.js";
import { FuzzSocket } from "./websocket-client.js";
import {
  firstDifference,
  fuzzHttp,
  fuzzRawFrames,
  fuzzWebSocketRequests,
  readHealth,
  readSentinelMembers,
  readSentinelState,
} from "./properties.js";
import type { FuzzTarget } from "./properties.js";
import { runAsScript } from "../run-as-script.js";

const USAGE = `Usage: node dist/tools/fuzz/main.js [--runs <n>] [--seed <n>] [--batch <n>]

Starts node dist/gateway/main.js --demo --demo-members 3 in a temporary directory, fuzzes it (raw WebSocket
frames, invalid requests of every operation over WebSocket and HTTP), prints the answers per code and
exits 1 on any violation: a malformed or missing answer, an unexpected code, INTERNAL, a closed
connection, a changed demo member, an unhealthy or exited gateway.

  --runs <n>    runs of each property (raw frames, each operation, HTTP); default ${1_000}, at most ${1_000_000}
  --seed <n>    fast-check seed, 0 to ${2 ** 31 - 1}; default: random (printed, to reproduce a run)
  --batch <n>   requests pipelined per WebSocket run, 1 to 64; default 16
`;

interface LongRunOptions {
  readonly runs: number;
  readonly seed: number;
  readonly batch: number;
}

class UsageError extends Error {}

function readBoundedInteger(text: string | undefined, flag: string, minimum: number, maximum: number, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) throw new UsageError(`--${flag} must be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(text)}`);
  return value;
}

function parseLongRunOptions(argv: readonly string[]): LongRunOptions | "help" {
  let values: { runs?: string; seed?: string; batch?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { runs: { type: "string" }, seed: { type: "string" }, batch: { type: "string" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return "help";
  return {
    runs: readBoundedInteger(values.runs, "runs", 1, 1_000_000, 1_000),
    seed: readBoundedInteger(values.seed, "seed", 0, 2 ** 31 - 1, Math.floor(Math.random() * 2 ** 31)),
    batch: readBoundedInteger(values.batch, "batch", 1, 64, 16),
  };
}

interface StartedGateway {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly terminalToken: string;
  readonly adminToken: string;
  readonly demoCards: readonly string[];
  readonly child: ChildProcess;
  /** The exit, once it happened. */
  exit(): string | undefined;
  /** Lines of stderr that report an internal error. */
  internalErrors(): readonly string[];
  stop(): Promise<void>;
}

/** A graceful stop drains the shards; ten seconds is plenty, after that it is stuck. */
const GATEWAY_STOP_GRACE_MILLISECONDS = 10_000;
/** The fuzzer's gateway starts over an empty directory with three demo members: a minute is plenty. */
const GATEWAY_START_TIMEOUT_MILLISECONDS = 60_000;

/** Starts the compiled gateway with a fresh data directory and reads its listening line. */
async function startGateway(): Promise<StartedGateway> {
  const dataDirectory = await mkdtemp(join(tmpdir(), "loycore-fuzz-"));
  const internalErrors: string[] = [];
  const onStderrLine = (line: string): void => {
    if (/internal error|invariant/i.test(line)) internalErrors.push(line);
  };
  let gateway: ServerProcess;
  try {
    gateway = await startServerProcess(dataDirectory, ["--demo", "--demo-members", "3"], {}, { onStderrLine, startTimeoutMilliseconds: GATEWAY_START_TIMEOUT_MILLISECONDS });
  } catch (error) {
    await rm(dataDirectory, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await gateway.stop(GATEWAY_STOP_GRACE_MILLISECONDS);
    await rm(dataDirectory, { recursive: true, force: true });
  };
  const { terminalToken, adminToken } = gateway;
  if (terminalToken === null || adminToken === null) {
    await stop();
    throw new Error("the gateway announced no terminal or admin token over a fresh --demo directory");
  }
  const exit = (): string | undefined =>
    gateway.hasExited() ? `code ${String(gateway.child.exitCode)}, signal ${String(gateway.child.signalCode)}` : undefined;
  return { ...gateway, terminalToken, adminToken, exit, internalErrors: () => internalErrors, stop };
}

/** Each property gets its own seed, derived from --seed and kept in fast-check's 31-bit range. */
function phaseSeed(seed: number, phase: number): number {
  return (seed + phase) % 2 ** 31;
}

function formatTally(tally: Tally): string {
  const entries = [...tally.entries()].sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, value]) => sum + value, 0);
  return `${entries.map(([code, value]) => `${code.padEnd(24)} ${String(value).padStart(9)}`).join("\n")}\n${"total".padEnd(24)} ${String(total).padStart(9)}`;
}

async function longRun(options: LongRunOptions): Promise<number> {
  const log = (message: string): void => {
    process.stderr.write(`fuzz: ${message}\n`);
  };
  log(`runs ${options.runs} per property, seed ${options.seed}, batch ${options.batch}`);
  const gateway = await startGateway();
  const violations: string[] = [];
  const tallies = new Map<string, Tally>();
  const started = Date.now();
  try {
    const members = await readSentinelMembers(gateway.url, gateway.adminToken, gateway.demoCards);
    const target: FuzzTarget = { ...gateway, members };
    const socket = await FuzzSocket.open(gateway.webSocketUrl, gateway.terminalToken);
    const before = await readSentinelState(target, socket);
    const phase = async (name: string, run: (tally: Tally) => Promise<void>): Promise<void> => {
      const tally: Tally = new Map();
      tallies.set(name, tally);
      const phaseStarted = Date.now();
      try {
        await run(tally);
      } catch (error) {
        violations.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      log(`${name}: ${[...tally.values()].reduce((sum, value) => sum + value, 0)} answers in ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
    };
    let openSocket = socket;
    let failedPhases = 0;
    // After a failed phase the connection may be closed or hold answers of the failing run: start afresh.
    const reopenIfClosed = async (): Promise<void> => {
      if (openSocket.isOpen && failedPhases === violations.length) return;
      failedPhases = violations.length;
      openSocket.close();
      openSocket = await FuzzSocket.open(gateway.webSocketUrl, gateway.terminalToken);
    };
    await phase("raw WebSocket frames", (tally) => fuzzRawFrames(openSocket, options, tally));
    for (const [index, op] of OPERATIONS.entries()) {
      await reopenIfClosed();
      await phase(`WebSocket ${op}`, (tally) => fuzzWebSocketRequests(openSocket, op, members, { ...options, seed: phaseSeed(options.seed, index + 1) }, tally));
    }
    await reopenIfClosed();
    await phase("HTTP", (tally) => fuzzHttp(target, openSocket, { ...options, seed: phaseSeed(options.seed, OPERATIONS.length + 1) }, tally));
    await reopenIfClosed();
    const after = await readSentinelState(target, openSocket);
    const difference = firstDifference(before, after);
    if (difference !== undefined) violations.push(`a demo member changed: ${difference}`);
    const health = await readHealth(gateway.url);
    if (health.status !== 200) violations.push(`GET /health answered ${health.status}: ${describe(health.body)}`);
    openSocket.close();
  } catch (error) {
    violations.push(`the run stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  const exit = gateway.exit();
  if (exit !== undefined) violations.push(`the gateway exited during the run (${exit})`);
  for (const line of gateway.internalErrors()) violations.push(`the gateway logged: ${line}`);
  await gateway.stop();
  return printReport(tallies, violations, (Date.now() - started) / 1000, options.seed);
}

/** Prints the answers per code of each phase and of all, then the violations; the exit status. */
function printReport(tallies: ReadonlyMap<string, Tally>, violations: readonly string[], seconds: number, seed: number): number {
  const all: Tally = new Map();
  for (const [name, tally] of tallies) {
    process.stdout.write(`\n${name}\n${formatTally(tally)}\n`);
    for (const [code, value] of tally) all.set(code, (all.get(code) ?? 0) + value);
  }
  process.stdout.write(`\nall answers (${seconds.toFixed(1)} s, seed ${seed})\n${formatTally(all)}\n`);
  if (violations.length > 0) {
    process.stdout.write(`\n${violations.length} violation(s):\n${violations.map((violation) => `- ${violation}`).join("\n")}\n`);
    return 1;
  }
  process.stdout.write("\nno violations\n");
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: LongRunOptions | "help";
  try {
    options = parseLongRunOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`fuzz: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  return longRun(options);
}

runAsScript(import.meta.url, "fuzz", main);
