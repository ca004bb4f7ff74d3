import { join } from "node:path";
import { formatFlagHelp, KitUsageError, parseFlags, stringFlag } from "./kit-flags.js";
import type { FlagSpec } from "./kit-flags.js";
import { formatResultTable } from "./report/format-result-table.js";
import { writeReports } from "./report/write-reports.js";
import { installInterruptHandler, RunInterrupted } from "./run-interruption.js";
import type { ScenarioResult } from "./scenario-result.js";
import type { Scenario } from "./scenario.js";
import { datasetScenario } from "./scenarios/dataset-scenario.js";
import { httpScenario } from "./scenarios/http-scenario.js";
import { lanesScenario } from "./scenarios/lanes-scenario.js";
import { peakScenario } from "./scenarios/peak-scenario.js";
import { pipelinedScenario } from "./scenarios/pipelined-scenario.js";

/**
 * `npm run bench -- <scenario> [flags]` (= `node dist/bench/kit/main.js <scenario> [flags]`).
 * Exit status: 0 when the run completed (targets are reported, not enforced), 1 when the kit failed,
 * 2 on a bad command line, 130 when Ctrl-C cut the run short (its reports are written all the same).
 * See docs/benchmarks.md.
 */

/** The scenarios; adding one is one line here. */
const SCENARIOS: readonly Scenario[] = [lanesScenario, peakScenario, pipelinedScenario, httpScenario, datasetScenario];

const EXIT_COMPLETED = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** 128 + SIGINT, as a shell reports a process Ctrl-C ended; the reports of what ran are written. */
const EXIT_INTERRUPTED = 130;

/**
 * Flags grouped by the scenarios that take them (the same spec object), so a flag several scenarios
 * share is listed once: each scenario's own flags first, then the shared groups, widest last.
 */
function flagGroups(): { readonly heading: string; readonly flags: FlagSpec[] }[] {
  const groups = new Map<string, { heading: string; size: number; flags: FlagSpec[] }>();
  for (const scenario of SCENARIOS) {
    for (const flag of scenario.flags) {
      const takers = SCENARIOS.filter((candidate) => candidate.flags.includes(flag)).map((candidate) => candidate.name);
      const key = takers.join(",");
      let group = groups.get(key);
      if (group === undefined) {
        const heading = takers.length === SCENARIOS.length ? "flags of every scenario" : `flags of ${takers.join(", ")}`;
        group = { heading, size: takers.length, flags: [] };
        groups.set(key, group);
      }
      if (!group.flags.includes(flag)) group.flags.push(flag);
    }
  }
  return [...groups.values()].sort((left, right) => left.size - right.size);
}

function usage(): string {
  const list = SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(10)} ${scenario.summary}`).join("\n");
  return [
    "usage: npm run bench -- <scenario> [flags]      (node dist/bench/kit/main.js <scenario> [flags])",
    "",
    "scenarios:",
    list,
    "",
    "Every load scenario runs, in the same run and with the same client and load, a ceiling phase against a",
    "minimal uWebSockets.js server answering each request with a fixed answer of loycore's size, and a",
    "loycore phase; figures are reported as shares of that ceiling. Without --url the kit imports --members",
    "members (cards demoCard(1..N)) with the bulk importer into a temporary data directory (or --data-dir,",
    "reused and kept: only missing members are imported), starts a loycore gateway over it and stops it at",
    "the end. Results: a table on stdout, result.json and report.html in --out-dir. Progress goes to stderr",
    "once a second. Ctrl-C ends the current phase and writes the reports of what ran; twice quits at once.",
    "",
    "Against a remote loycore (--url, --token), its terminal's rate limit (--terminal-requests-per-second,",
    "default 20,000) caps the load: raise it for the benchmark terminal, or the run measures RATE_LIMITED.",
    "Server CPU and memory then come from its /metrics; for a started gateway or the ceiling, from /proc.",
    "More: docs/benchmarks.md.",
    "",
    ...flagGroups().flatMap((group) => [`${group.heading}:`, formatFlagHelp(group.flags), ""]),
    "exit status: 0 run completed (whether or not targets were met), 1 the kit failed, 2 bad flags,",
    "130 Ctrl-C cut the run short (the reports of what ran are written)",
  ].join("\n");
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

async function main(argumentsAfterScript: readonly string[]): Promise<number> {
  const [scenarioName, ...rest] = argumentsAfterScript;
  if (scenarioName === undefined || scenarioName === "--help" || scenarioName === "-h" || scenarioName === "help") {
    process.stdout.write(`${usage()}\n`);
    return scenarioName === undefined ? EXIT_USAGE : EXIT_COMPLETED;
  }
  const scenario = SCENARIOS.find((candidate) => candidate.name === scenarioName);
  if (scenario === undefined) {
    process.stderr.write(`unknown scenario "${scenarioName}"; one of: ${SCENARIOS.map((candidate) => candidate.name).join(", ")} (see --help)\n`);
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${scenario.name}: ${scenario.summary}\n\nflags:\n${formatFlagHelp(scenario.flags)}\n`);
    return EXIT_COMPLETED;
  }
  let values;
  try {
    values = parseFlags(rest, scenario.flags);
    scenario.validate(values);
  } catch (error) {
    if (error instanceof KitUsageError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  const progress = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  installInterruptHandler(progress);
  let result: ScenarioResult;
  let status = EXIT_COMPLETED;
  try {
    result = await scenario.run(values, progress);
  } catch (error) {
    if (error instanceof RunInterrupted) {
      result = error.partial;
      status = EXIT_INTERRUPTED;
    } else if (error instanceof KitUsageError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    } else {
      process.stderr.write(`the ${scenario.name} run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return EXIT_FAILED;
    }
  }
  const json = values["json"] === true;
  const table = formatResultTable(result);
  // With --json, stdout carries only the JSON document.
  if (json) process.stderr.write(`${table}\n`);
  else process.stdout.write(`${table}\n`);
  const directory = stringFlag(values, "out-dir") ?? join("bench-results", `${scenario.name}-${timestamp(new Date(result.startedAt))}`);
  const written = await writeReports(result, directory);
  progress(`wrote ${written.jsonPath} and ${written.htmlPath}`);
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return status;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`the kit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_FAILED;
  },
);
