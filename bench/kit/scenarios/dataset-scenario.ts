import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bulkImport, defaultImportThreads, type ImportProgress } from "../../../gateway/import/bulk-import.js";
import type { SyntheticHistoryStored } from "../../../gateway/import/member-builder.js";
import { SYNTHETIC_REFERENCE_TIME_DEFAULT } from "../../../gateway/import/synthetic-history.js";
import { demoCard } from "../../../gateway/demo.js";
import { startGatewayOnDataDirectory } from "../../gateway-process.js";
import type { MachineDescription, ScenarioResult } from "../scenario-result.js";

/** The default dataset; 1M and 10M are the options it names. */
export const DATASET_MEMBERS_DEFAULT = 100_000;
export const DATASET_MEMBERS_MAX = 10_000_000;
/**
 * Demo members the gateway seeds over the dataset. They exist already (the import numbers its members
 * like the demo), so seeding only reads them; load uses the imported numbering, demoCard(1..members).
 */
export const DATASET_DEMO_MEMBERS = 5;
/** The served-members check asks this long for one identify before calling the gateway unresponsive. */
const IDENTIFY_TIMEOUT_MILLISECONDS = 5_000;
const BYTES_PER_MEBIBYTE = 1024 * 1024;

export interface ScenarioContext {
  log(line: string): void;
  progress(line: string): void;
}

export interface PreparedDataset {
  readonly dataDirectory: string;
  readonly importSeconds: number;
  /** New members written per second of the import (0 when every member was there already). */
  readonly membersPerSecond: number;
  readonly imported: number;
  readonly existing: number;
}

/**
 * Makes sure `dataDirectory` (a new temporary directory when not given) holds synthetic members
 * 1..members, numbered like the demo (card demoCard(i)), importing those that are missing. Nothing
 * may have the directory open meanwhile. Other scenarios call this, then start a gateway over it
 * (startGatewayOnDataDirectory); the caller removes a temporary directory when done.
 */
export async function prepareDataset(options: {
  readonly members: number;
  readonly dataDirectory?: string;
  readonly importThreads?: number;
  readonly history?: SyntheticHistoryStored;
  readonly onProgress?: (progress: ImportProgress) => void;
}): Promise<PreparedDataset> {
  if (!Number.isInteger(options.members) || options.members < 1 || options.members > DATASET_MEMBERS_MAX) {
    throw new Error(`members must be a whole number from 1 to ${DATASET_MEMBERS_MAX}, got ${options.members}`);
  }
  const dataDirectory = options.dataDirectory ?? (await mkdtemp(join(tmpdir(), "loycore-dataset-")));
  const summary = await bulkImport({
    dataDirectory,
    source: {
      kind: "synthetic",
      count: options.members,
      startIndex: 1,
      referenceTime: SYNTHETIC_REFERENCE_TIME_DEFAULT,
      stored: options.history ?? "account",
    },
    importThreads: options.importThreads ?? defaultImportThreads(),
    shardThreads: undefined,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return {
    dataDirectory,
    importSeconds: summary.seconds,
    membersPerSecond: summary.membersPerSecond,
    imported: summary.imported,
    existing: summary.existing,
  };
}

interface DatasetSettings {
  readonly members: number;
  readonly dataDirectory: string | undefined;
  readonly importThreads: number;
  readonly history: SyntheticHistoryStored;
}

function readSettings(argv: readonly string[]): DatasetSettings {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      members: { type: "string" },
      "data-dir": { type: "string" },
      "import-threads": { type: "string" },
      history: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const wholeNumber = (text: string | undefined, field: string, minimum: number, maximum: number): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text.replaceAll("_", ""));
    if (!Number.isInteger(value) || value < minimum || value > maximum) {
      throw new Error(`--${field} must be a whole number from ${minimum} to ${maximum}, got "${text}"`);
    }
    return value;
  };
  const history = values.history ?? "account";
  if (history !== "account" && history !== "full") throw new Error(`--history must be "account" or "full", got "${history}"`);
  return {
    members: wholeNumber(values.members, "members", 1, DATASET_MEMBERS_MAX) ?? DATASET_MEMBERS_DEFAULT,
    dataDirectory: values["data-dir"] === undefined ? undefined : resolve(values["data-dir"]),
    importThreads: wholeNumber(values["import-threads"], "import-threads", 0, 64) ?? defaultImportThreads(),
    history,
  };
}

/** Resident memory of a process in MiB, from /proc (Linux); null elsewhere. */
async function residentMebibytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match?.[1] === undefined ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}

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

function describeMachine(): MachineDescription {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    totalMemoryGibibytes: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg(),
  };
}

/**
 * `npm run bench -- dataset [--members N] [--data-dir D] [--import-threads T] [--history account|full]`:
 * imports N synthetic members, starts the gateway over them, and reports members/s of the import,
 * the gateway's start-up time and its resident memory after start. A --data-dir is kept (and a second
 * run over it imports nothing); without one the temporary directory is removed.
 */
export async function runDatasetScenario(argv: readonly string[], context: ScenarioContext): Promise<ScenarioResult> {
  const settings = readSettings(argv);
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const notes: string[] = [];
  context.log(`dataset: importing ${settings.members} synthetic members with ${settings.importThreads} import thread(s)`);
  const dataset = await prepareDataset({
    members: settings.members,
    importThreads: settings.importThreads,
    history: settings.history,
    ...(settings.dataDirectory === undefined ? {} : { dataDirectory: settings.dataDirectory }),
    onProgress: (progress) =>
      context.progress(
        `dataset: ${progress.imported + progress.existing}/${progress.total ?? "?"} members, ${Math.round(progress.membersPerSecond)} members/s, ${progress.seconds.toFixed(0)} s`,
      ),
  });
  try {
    if (dataset.existing > 0) notes.push(`${dataset.existing} of the members were in the data directory already; members/s counts the new ones`);
    const bytes = await directoryBytes(dataset.dataDirectory);
    notes.push(`data directory: ${(bytes / BYTES_PER_MEBIBYTE).toFixed(0)} MiB, ${Math.round(bytes / settings.members)} bytes a member`);
    context.log(`dataset: imported ${dataset.imported} in ${dataset.importSeconds.toFixed(1)} s (${Math.round(dataset.membersPerSecond)} members/s); starting the gateway`);

    const gateway = await startGatewayOnDataDirectory({ dataDirectory: dataset.dataDirectory, demoMembers: DATASET_DEMO_MEMBERS });
    let rss: number | null;
    try {
      rss = await residentMebibytes(gateway.pid);
      // The last member must be served: the import reached every shard and the directory.
      const card = demoCard(settings.members);
      const response = await fetch(`${gateway.url}/v1/identify`, {
        method: "POST",
        headers: { authorization: `Bearer ${gateway.terminalToken}`, "content-type": "application/json" },
        body: JSON.stringify({ card }),
        signal: AbortSignal.timeout(IDENTIFY_TIMEOUT_MILLISECONDS),
      });
      if (response.status !== 200) throw new Error(`the gateway does not serve imported card ${card}: HTTP ${response.status} ${await response.text()}`);
      notes.push(`gateway started in ${gateway.startSeconds.toFixed(2)} s with ${DATASET_DEMO_MEMBERS} demo members seeded over the dataset; card ${card} is served`);
    } finally {
      await gateway.stop();
    }
    if (settings.dataDirectory !== undefined) notes.push(`data directory kept: ${dataset.dataDirectory}`);
    return {
      scenario: "dataset",
      startedAt,
      machine,
      settings: {
        members: settings.members,
        dataDirectory: settings.dataDirectory ?? null,
        importThreads: settings.importThreads,
        history: settings.history,
        referenceTime: SYNTHETIC_REFERENCE_TIME_DEFAULT,
      },
      phases: [],
      checks: [
        { name: "import throughput", measured: dataset.membersPerSecond, unit: "members/s", target: null, direction: "at-least", met: null },
        { name: "gateway start-up over the dataset", measured: gateway.startSeconds, unit: "s", target: null, direction: "at-most", met: null },
      ],
      dataset: {
        members: settings.members,
        importSeconds: dataset.importSeconds,
        membersPerSecond: dataset.membersPerSecond,
        serverStartSeconds: gateway.startSeconds,
        serverRssMebibytesAfterStart: rss,
      },
      notes,
    };
  } finally {
    if (settings.dataDirectory === undefined) await rm(dataset.dataDirectory, { recursive: true, force: true });
  }
}
