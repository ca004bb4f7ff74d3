import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIX_LEGITIMATE_CODES } from "./receipt-mix.js";
import type { ScenarioResult } from "./scenario-result.js";

/**
 * Smoke runs of every scenario through the built CLI (npm test builds before it runs vitest): tiny
 * loads, a few seconds each, checking that a run completes without errors, never a speed.
 */

const KIT_MAIN_PATH = fileURLToPath(new URL("../../dist/bench/kit/main.js", import.meta.url));

/** A smoke run starts a gateway, warms up (or finds the maximum) and runs two 2-second phases: 40 s is a very busy machine. */
const SMOKE_RUN_TIMEOUT_MILLISECONDS = 40_000;

interface Completed {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runKit(argumentsAfterScript: readonly string[]): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KIT_MAIN_PATH, ...argumentsAfterScript], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
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

const TINY = ["--members", "200", "--warm-up-seconds", "1"];

const SMOKE_RUNS: readonly (readonly [string, readonly string[]])[] = [
  ["lanes", ["--lanes", "20", "--duration-seconds", "2"]],
  ["pipelined", ["--connections", "2", "--depth", "16", "--duration-seconds", "2", "--refund-share", "0.2"]],
  // Without --rate: a maximum-finding phase first, then the open loop at half of it.
  ["peak", ["--maximum-seconds", "2", "--maximum-connections", "2", "--maximum-depth", "16", "--ramp-seconds", "0", "--plateau-seconds", "2", "--connections", "4", "--redeem-share", "0.5"]],
];

describe("benchmark kit smoke runs", () => {
  it.each(SMOKE_RUNS)(
    "completes a tiny %s run with a ceiling and a loycore phase, successes in every phase and no unexpected errors",
    async (scenario, flags) => {
      const outputDirectory = join(outputRoot, scenario);
      const completed = await runKit([scenario, ...TINY, ...flags, "--out-dir", outputDirectory]);
      expect(completed.status, completed.stderr).toBe(0);
      expect(completed.stdout).toContain(`scenario ${scenario}`);
      const result = JSON.parse(await readFile(join(outputDirectory, "result.json"), "utf8")) as ScenarioResult;
      expect(result.scenario).toBe(scenario);
      expect(result.phases.map((phase) => phase.target)).toEqual(expect.arrayContaining(["ceiling", "loycore"]));
      expect(result.checks.length).toBeGreaterThan(0);
      for (const phase of result.phases) {
        const successes = phase.operations.reduce((sum, operation) => sum + operation.successes, 0);
        expect(successes, `${phase.name} successes`).toBeGreaterThan(0);
        // A one-second warm-up of a cold server with a thousand receipts in flight may finish none of them.
        const commits = phase.operations.find((operation) => operation.operation === "commit")?.successes ?? 0;
        if (phase.name !== "warm-up") expect(commits, `${phase.name} commits`).toBeGreaterThan(0);
        expect(phase.intervals.length, `${phase.name} intervals`).toBeGreaterThan(0);
        for (const operation of phase.operations) {
          const unexpected = Object.keys(operation.errorsByCode).filter((code) => !MIX_LEGITIMATE_CODES.includes(code));
          expect(unexpected, `${phase.name} ${operation.operation} errors ${JSON.stringify(operation.errorsByCode)}`).toEqual([]);
        }
      }
      const loycore = result.phases.filter((phase) => phase.target === "loycore" && phase.name !== "warm-up");
      expect(loycore.every((phase) => phase.receiptsPerSecond > 0)).toBe(true);
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
});
