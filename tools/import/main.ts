// Process: the offline bulk importer (the server must be stopped); its threads are piscina workers.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import {
  bulkImport,
  defaultImportThreads,
  ImportError,
  SYNTHETIC_MEMBERS_MAX,
  SYNTHETIC_REFERENCE_TIME_DEFAULT,
  type BulkImportOptions,
  type ImportProgress,
  type ImportSummary,
  type MemberSourceOption,
} from "./bulk-import.js";
import { StartupError } from "../../gateway/data-directory.js";
import type { SyntheticHistoryStored } from "./member-builder.js";

export const IMPORT_USAGE = `Usage: node dist/tools/import/main.js --data-dir DIR (--members-file FILE | --synthetic N) [options]

Imports members straight into a loycore data directory, offline: accounts go to the
shard environment that owns each member, cards and phones to the member directory.
The loycore server must NOT be running on DIR: the importer refuses a directory that
another live process has open, and a server must not be started until it has finished.
A directory that does not exist yet is created as the server would create it.

Sources (exactly one):
  --members-file FILE   NDJSON, one member a line (migration from another platform):
                        {"card":"2000000000017","phone":"+79001234567","name":"Anna",
                         "birthDate":"1990-05-01","points":1500,
                         "lifetime":{"sold":1250000,"paid":1190000,"visits":14},
                         "firstVisitAt":1700000000000,"lastVisitAt":1760000000000}
                        Only "card" is required; money in kopecks, times in epoch ms.
                        "points" becomes one opening lot, active at once.
  --synthetic N         N generated members (1 to ${SYNTHETIC_MEMBERS_MAX}) numbered like the demo: card
                        2000 + 9-digit index, phone +7900 + 7-digit index, name "Demo Member i".
                        Each gets the demo welcome receipt and 0 to 4 receipts in the 90
                        days before the reference time, committed through the engine.

Options:
  --start-index I       first synthetic index (default 1)
  --history account|full
                        account (default): store each synthetic member's account as its
                        history left it, and the welcome receipt's record; full: also every
                        past receipt's record and history entry, as a server would (~3x disk)
  --reference-time MS   end of synthetic histories, epoch ms (default ${SYNTHETIC_REFERENCE_TIME_DEFAULT},
                        ${new Date(SYNTHETIC_REFERENCE_TIME_DEFAULT).toISOString()}: fixed, so runs are identical)
  --skip-bad-lines      import the good lines of a members file and report the bad ones;
                        without it a file with any bad line is refused and nothing is written
  --import-threads T    worker threads building records (default ${defaultImportThreads()}; 0 = this thread)
  --shards S            shard threads of a NEW data directory (an existing one keeps its own)
  --help                this text

Histories use the directory's current program; a new directory gets the demo program
(version 1), which "main.js --demo" keeps. Importing again is safe: a card already in
the directory is skipped and counted as existing; an interrupted import can be re-run.

Exit status: 0 done; 1 the file had bad lines (refused, or skipped with --skip-bad-lines);
2 bad options or the directory is in use.
`;

/** Bad lines listed on stderr, at most; the summary counts them all. */
const PROBLEM_LINES_PRINTED_MAX = 20;
const EXIT_BAD_LINES = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

function readWholeNumber(text: string | undefined, field: string, minimum: number, maximum: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${field} must be a whole number, got "${text}"`);
  const value = Number(text);
  if (value < minimum || value > maximum) throw new UsageError(`--${field} must be between ${minimum} and ${maximum}, got ${value}`);
  return value;
}

function readHistoryStored(text: string | undefined): SyntheticHistoryStored {
  if (text === undefined || text === "account") return "account";
  if (text === "full") return "full";
  throw new UsageError(`--history must be "account" or "full", got "${text}"`);
}

function formatProgress(progress: ImportProgress): string {
  const of = progress.total === null ? "" : ` of ${progress.total}`;
  return `import: ${progress.imported + progress.existing}${of} members (${progress.imported} new, ${progress.existing} existing, ${progress.rejected} rejected), ${Math.round(progress.membersPerSecond)} members/s, ${progress.seconds.toFixed(1)} s`;
}

/** The command line's flags (parseArgs). */
const IMPORT_FLAGS = {
  "data-dir": { type: "string" },
  "members-file": { type: "string" },
  synthetic: { type: "string" },
  "start-index": { type: "string" },
  "reference-time": { type: "string" },
  history: { type: "string" },
  "skip-bad-lines": { type: "boolean", default: false },
  "import-threads": { type: "string" },
  shards: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

function parseFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: IMPORT_FLAGS, strict: true, allowPositionals: false }).values;
}

type ImportFlags = ReturnType<typeof parseFlags>;

/** What the flags ask bulkImport for (all of BulkImportOptions but the progress report). */
type ImportRequest = Omit<BulkImportOptions, "onProgress">;

/** The import the flags ask for; a UsageError when they are wrong. */
function readImportRequest(values: ImportFlags): ImportRequest {
  const dataDirectory = values["data-dir"];
  if (dataDirectory === undefined) throw new UsageError("--data-dir is required");
  if ((values["members-file"] === undefined) === (values.synthetic === undefined)) {
    throw new UsageError("give exactly one of --members-file and --synthetic");
  }
  const importThreads = readWholeNumber(values["import-threads"], "import-threads", 0, 64) ?? defaultImportThreads();
  const shardThreads = readWholeNumber(values.shards, "shards", 1, LOGICAL_SHARD_COUNT);
  let source: MemberSourceOption;
  if (values.synthetic !== undefined) {
    source = {
      kind: "synthetic",
      count: readWholeNumber(values.synthetic, "synthetic", 1, SYNTHETIC_MEMBERS_MAX) ?? 0,
      startIndex: readWholeNumber(values["start-index"], "start-index", 1, Number.MAX_SAFE_INTEGER) ?? 1,
      referenceTime: readWholeNumber(values["reference-time"], "reference-time", 0, Number.MAX_SAFE_INTEGER) ?? SYNTHETIC_REFERENCE_TIME_DEFAULT,
      stored: readHistoryStored(values.history),
    };
  } else {
    source = { kind: "ndjson", path: resolve(values["members-file"] ?? ""), skipBadLines: values["skip-bad-lines"] === true, now: Date.now() };
  }
  return { dataDirectory: resolve(dataDirectory), source, importThreads, shardThreads };
}

/** Runs the import with progress on stderr; the exit code instead when the directory is in use or wrong. */
async function runImport(request: ImportRequest): Promise<ImportSummary | number> {
  try {
    return await bulkImport({ ...request, onProgress: (progress) => process.stderr.write(`${formatProgress(progress)}\n`) });
  } catch (error) {
    if (error instanceof ImportError || error instanceof StartupError) {
      process.stderr.write(`import: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

/** The bad lines and the outcome on stderr; one JSON line on stdout. */
function reportSummary(summary: ImportSummary): void {
  for (const problem of summary.problems.slice(0, PROBLEM_LINES_PRINTED_MAX)) {
    process.stderr.write(`import: line ${problem.line}: ${problem.code}: ${problem.message}\n`);
  }
  if (summary.rejected > PROBLEM_LINES_PRINTED_MAX) {
    process.stderr.write(`import: ... ${summary.rejected - PROBLEM_LINES_PRINTED_MAX} more bad lines\n`);
  }
  if (summary.refused) {
    process.stderr.write(`import: refused: ${summary.rejected} bad line(s); nothing was written (fix them, or use --skip-bad-lines)\n`);
  } else {
    process.stderr.write(`${formatProgress(summary)}\n`);
  }
  // One JSON line on stdout for tools (the bench and tests read it).
  const { problems, ...figures } = summary;
  process.stdout.write(`${JSON.stringify({ event: "imported", ...figures, problems: problems.slice(0, PROBLEM_LINES_PRINTED_MAX) })}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  let values: ImportFlags;
  try {
    values = parseFlags(argv);
  } catch (error) {
    process.stderr.write(`import: ${error instanceof Error ? error.message : String(error)}\n\n${IMPORT_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help === true) {
    process.stdout.write(IMPORT_USAGE);
    return 0;
  }
  let request: ImportRequest;
  try {
    request = readImportRequest(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`import: ${error.message}\n\n${IMPORT_USAGE}`);
    return EXIT_USAGE;
  }
  const summary = await runImport(request);
  if (typeof summary === "number") return summary;
  reportSummary(summary);
  return summary.rejected > 0 ? EXIT_BAD_LINES : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`import failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
