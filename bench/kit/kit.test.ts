import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoCard } from "../../gateway/demo.js";
import { DISK_SYNC_CHECK_NAME } from "./disk-sync-probe.js";
import { MIX_LEGITIMATE_CODES } from "./receipt-mix.js";
import type { ScenarioResult } from "./scenario-result.js";

/**
 * Smoke runs of every scenario through the built CLI (npm test builds before it runs vitest): tiny
 * loads, a few seconds each, checking that a run completes without errors, never a speed.
 */

const KIT_MAIN_PATH = fileURLToPath(new URL("../../dist/bench/kit/main.js", import.meta.url));

/** A smoke run imports a few hundred members, starts a gateway, warms up (or finds the maximum) and runs two 2-second phases: 40 s is a very busy machine. */
const SMOKE_RUN_TIMEOUT_MILLISECONDS = 40_000;

interface Completed {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI; `onStderr` sees its progress as it comes (to interrupt it at the right moment). */
function runKit(argumentsAfterScript: readonly string[], onStderr: (text: string, child: ChildProcess) => void = () => undefined): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIT_MAIN_PATH, ...argumentsAfterScript], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr(stderr, child);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), SMOKE_RUN_TIMEOUT_MILLISECONDS);
    child.once("error", reject);
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

let outputRoot = "";

beforeAll(async () => {
  if (!existsSync(KIT_MAIN_PATH)) throw new Error(`${KIT_MAIN_PATH} is missing: build first (npm run build; npm test does)`);
  outputRoot = await mkdtemp(join(tmpdir(), "loycore-kit-"));
});

afterAll(async () => {
  if (outputRoot !== "") await rm(outputRoot, { recursive: true, force: true });
});

/** Few members keep the import (and so every smoke run) to a second or two. */
const SMOKE_MEMBERS = 300;
const TINY_DATASET = ["--members", String(SMOKE_MEMBERS), "--import-threads", "1"];
const TINY = [...TINY_DATASET, "--warm-up-seconds", "1"];

/** Checks every smoke run shares: reports written, successes in every phase, no error but those the mix itself causes. */
async function expectCompletedRun(scenario: string, completed: Completed, outputDirectory: string): Promise<ScenarioResult> {
  expect(completed.status, completed.stderr).toBe(0);
  expect(completed.stdout).toContain(`scenario ${scenario}`);
  expect(existsSync(join(outputDirectory, "report.html"))).toBe(true);
  const result = JSON.parse(await readFile(join(outputDirectory, "result.json"), "utf8")) as ScenarioResult;
  expect(result.scenario).toBe(scenario);
  expect(result.checks.length).toBeGreaterThan(0);
  expect(result.dataset?.members).toBe(SMOKE_MEMBERS);
  expect(result.dataset?.serverStartSeconds).toBeGreaterThan(0);
  expect(result.dataset?.serverRssMebibytesAfterStart).toBeGreaterThan(10);
  for (const phase of result.phases) {
    const successes = phase.operations.reduce((sum, operation) => sum + operation.successes, 0);
    expect(successes, `${phase.name} successes`).toBeGreaterThan(0);
    // A one-second warm-up of a cold server with a thousand receipts in flight may finish none of them.
    const commits = phase.operations.find((operation) => operation.operation === "commit")?.successes ?? 0;
    if (phase.name !== "warm-up") expect(commits, `${phase.name} commits`).toBeGreaterThan(0);
    expect(phase.intervals.length, `${phase.name} intervals`).toBeGreaterThan(0);
    for (const operation of phase.operations) {
      // On a loaded machine a peak smoke run can overfill a shard's mailbox: BUSY is the gateway's coded answer to overload.
      const unexpected = Object.keys(operation.errorsByCode).filter((code) => !MIX_LEGITIMATE_CODES.includes(code) && code !== "BUSY");
      expect(unexpected, `${phase.name} ${operation.operation} errors ${JSON.stringify(operation.errorsByCode)}`).toEqual([]);
    }
  }
  return result;
}

const LOAD_SMOKE_RUNS: readonly (readonly [string, readonly string[]])[] = [
  ["lanes", ["--lanes", "20", "--duration-seconds", "2"]],
  ["pipelined", ["--connections", "2", "--depth", "16", "--duration-seconds", "2", "--refund-share", "0.2"]],
  // Without --rate: a maximum-finding phase first, then the open loop at half of it.
  ["peak", ["--maximum-seconds", "2", "--maximum-connections", "2", "--maximum-depth", "16", "--ramp-seconds", "0", "--plateau-seconds", "2", "--connections", "4", "--redeem-share", "0.5"]],
];

describe("benchmark kit smoke runs", () => {
  it.each(LOAD_SMOKE_RUNS)(
    "completes a tiny %s run over imported members with a ceiling and a loycore phase, successes in every phase and no unexpected errors",
    async (scenario, flags) => {
      const outputDirectory = join(outputRoot, scenario);
      const completed = await runKit([scenario, ...TINY, ...flags, "--out-dir", outputDirectory]);
      const result = await expectCompletedRun(scenario, completed, outputDirectory);
      expect(result.phases.map((phase) => phase.target)).toEqual(expect.arrayContaining(["ceiling", "loycore"]));
      const loycore = result.phases.filter((phase) => phase.target === "loycore" && phase.name !== "warm-up");
      expect(loycore.every((phase) => phase.receiptsPerSecond > 0)).toBe(true);
      // Commits were durable in group commits, and the figures came from the gateway's /metrics.
      expect(loycore.every((phase) => phase.notes.some((note) => note.startsWith("group commit: loycore_shard_commit_batch_size")))).toBe(true);
      expect(result.dataset?.membersPerSecond).toBeGreaterThan(0);
      // The disk under the gateway's data directory was probed before the load: reported, no target.
      expect(result.checks.find((check) => check.name === DISK_SYNC_CHECK_NAME)).toMatchObject({ target: null, met: null });
      expect(result.notes.join("\n")).toContain("4 KiB write + fdatasync p50");
    },
    SMOKE_RUN_TIMEOUT_MILLISECONDS + 5_000,
  );

  it(
    "imports a dataset once with the dataset scenario, then an http run over the same --data-dir imports nothing and loads it",
    async () => {
      const dataDirectory = join(outputRoot, "data");
      const datasetOutput = join(outputRoot, "dataset");
      const imported = await runKit(["dataset", ...TINY_DATASET, "--data-dir", dataDirectory, "--out-dir", datasetOutput]);
      const dataset = await expectCompletedRun("dataset", imported, datasetOutput);
      expect(dataset.dataset?.membersPerSecond).toBeGreaterThan(0);
      expect(dataset.notes.join("\n")).toContain(`card ${demoCard(SMOKE_MEMBERS)} is served`);
      expect(dataset.checks.find((check) => check.name === DISK_SYNC_CHECK_NAME)?.measured).toBeGreaterThan(0);
      expect(existsSync(join(dataDirectory, "control"))).toBe(true);

      const httpOutput = join(outputRoot, "http");
      const http = await runKit(["http", ...TINY_DATASET, "--connections", "10", "--duration-seconds", "2", "--data-dir", dataDirectory, "--out-dir", httpOutput]);
      const result = await expectCompletedRun("http", http, httpOutput);
      expect(result.phases.map((phase) => phase.target)).toEqual(["ceiling", "loycore"]);
      expect(result.phases[1]?.receiptsPerSecond).toBeGreaterThan(0);
      // Every member was there already: nothing new was written.
      expect(result.dataset?.membersPerSecond).toBe(0);
    },
    2 * SMOKE_RUN_TIMEOUT_MILLISECONDS,
  );

  it(
    "on Ctrl-C ends the current phase and still writes result.json and report.html with what it measured",
    async () => {
      const outputDirectory = join(outputRoot, "interrupted");
      let interrupted = false;
      const completed = await runKit(["lanes", ...TINY, "--lanes", "10", "--duration-seconds", "60", "--out-dir", outputDirectory], (stderr, child) => {
        // Interrupt once the ceiling phase has measured its first second.
        if (!interrupted && stderr.includes("[ceiling] 1 s")) {
          interrupted = true;
          child.kill("SIGINT");
        }
      });
      expect(interrupted, completed.stderr).toBe(true);
      expect(completed.status, completed.stderr).toBe(130);
      expect(existsSync(join(outputDirectory, "report.html"))).toBe(true);
      const result = JSON.parse(await readFile(join(outputDirectory, "result.json"), "utf8")) as ScenarioResult;
      expect(result.phases.map((phase) => phase.name)).toEqual(["warm-up", "ceiling"]);
      expect(result.phases[1]?.elapsedSeconds).toBeLessThan(30);
      expect(result.phases[1]?.requestsPerSecond).toBeGreaterThan(0);
      expect(result.notes.join("\n")).toContain("interrupted by Ctrl-C");
    },
    SMOKE_RUN_TIMEOUT_MILLISECONDS + 5_000,
  );

  it("refuses a bad flag with status 2 and a message naming it", async () => {
    const completed = await runKit(["lanes", "--lanes", "5001"]);
    expect(completed.status).toBe(2);
    expect(completed.stderr).toContain("--lanes must be at most 5000");
  });

  it("refuses an unknown scenario with status 2", async () => {
    const completed = await runKit(["marathon"]);
    expect(completed.status).toBe(2);
    expect(completed.stderr).toContain('unknown scenario "marathon"');
  });

  it("lists every scenario and the flags they share once in --help", async () => {
    const completed = await runKit(["--help"]);
    expect(completed.status).toBe(0);
    for (const scenario of ["lanes", "peak", "pipelined", "http", "dataset"]) expect(completed.stdout).toContain(`  ${scenario} `);
    expect(completed.stdout).toContain("flags of every scenario:");
    expect(completed.stdout.match(/^ {2}--data-dir /gm)?.length).toBe(1);
  });
});
