import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { demoCard } from "../../../gateway/demo.js";
import { SYNTHETIC_REFERENCE_TIME_DEFAULT } from "../../../tools/import/synthetic-history.js";
import { datasetOptionsFrom, DATASET_FLAGS } from "../dataset-flags.js";
import { describeMachine } from "../describe-machine.js";
import { describeDiskSync, diskSyncCheck, probeDiskSync } from "../disk-sync-probe.js";
import type { DiskSyncFigures } from "../disk-sync-probe.js";
import type { FlagSpec, FlagValues } from "../kit-flags.js";
import { OUTPUT_FLAGS, stringFlag } from "../kit-flags.js";
import { check } from "../target-check.js";
import type { ScenarioResult } from "../scenario-result.js";
import type { Scenario } from "../scenario.js";
import { DATASET_DEMO_MEMBERS, startLoycoreWithMembers } from "../started-loycore.js";

/** The served-members check asks this long for one identify before calling the gateway unresponsive. */
const IDENTIFY_TIMEOUT_MILLISECONDS = 5_000;
const BYTES_PER_MEBIBYTE = 2 ** 20;

const FLAGS: readonly FlagSpec[] = [
  ...DATASET_FLAGS,
  {
    name: "history",
    kind: "choice",
    choices: ["account", "full"],
    default: "account",
    help: "account: each member's account as its synthetic history left it; full: also every past receipt's record (about 3x the disk)",
  },
  ...OUTPUT_FLAGS,
];

/** Bytes of every file under a directory (LMDB files are not sparse once written). */
async function directoryBytes(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += await directoryBytes(child);
    else if (entry.isFile()) total += (await stat(child)).size;
  }
  return total;
}

/**
 * `npm run bench -- dataset`: imports N synthetic members (only those --data-dir lacks), starts the
 * gateway over them, and reports members/s of the import, the gateway's start-up time, its resident
 * memory after start and the bytes a member takes on disk. No load: the other scenarios load the same
 * dataset (pass them the same --data-dir).
 */
async function run(values: FlagValues, progress: (line: string) => void): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const options = datasetOptionsFrom(values);
  const history = stringFlag(values, "history") === "full" ? "full" : "account";
  const notes: string[] = [];
  const started = await startLoycoreWithMembers({ ...options, history }, progress);
  let diskSync: DiskSyncFigures | null = null;
  try {
    diskSync = probeDiskSync(started.dataset.dataDirectory);
    progress(describeDiskSync(diskSync));
    notes.push(describeDiskSync(diskSync));
    if (started.dataset.existing > 0) notes.push(`${started.dataset.existing} of the members were in the data directory already; members/s counts the new ones`);
    const bytes = await directoryBytes(started.dataset.dataDirectory);
    notes.push(`data directory: ${(bytes / BYTES_PER_MEBIBYTE).toFixed(0)} MiB, ${Math.round(bytes / options.members)} bytes a member`);
    // The last member must be served: the import reached every shard and the member directory.
    const card = demoCard(options.members);
    const response = await fetch(`${started.gateway.url}/v1/identify`, {
      method: "POST",
      headers: { authorization: `Bearer ${started.gateway.terminalToken}`, "content-type": "application/json" },
      body: JSON.stringify({ card }),
      signal: AbortSignal.timeout(IDENTIFY_TIMEOUT_MILLISECONDS),
    });
    if (response.status !== 200) throw new Error(`the gateway does not serve imported card ${card}: HTTP ${response.status} ${await response.text()}`);
    notes.push(`gateway started in ${started.figures.serverStartSeconds} s with ${DATASET_DEMO_MEMBERS} demo members seeded over the dataset; card ${card} is served`);
    if (!started.dataset.temporary) notes.push(`data directory kept: ${started.dataset.dataDirectory}`);
  } finally {
    await started.stop();
  }
  return {
    scenario: "dataset",
    startedAt,
    machine,
    settings: { ...values, referenceTime: SYNTHETIC_REFERENCE_TIME_DEFAULT },
    phases: [],
    checks: [
      check("import throughput", started.figures.membersPerSecond ?? 0, "members/s", null, "at-least"),
      check("gateway start-up over the dataset", started.figures.serverStartSeconds ?? 0, "s", null, "at-most"),
      diskSyncCheck(diskSync),
    ],
    dataset: started.figures,
    notes,
  };
}

export const datasetScenario: Scenario = {
  name: "dataset",
  summary: "imports N members with the bulk importer (members/s), starts loycore over them (start-up time, RSS); no load",
  flags: FLAGS,
  validate: () => undefined,
  run,
};
