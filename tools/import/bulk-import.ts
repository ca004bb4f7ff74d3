import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { assert } from "../../domain/assert/assert.js";
import type { DirectoryEntry } from "../../gateway/directory/directory-store.js";
import type { LmdbDirectoryStore, ReceiptOwner } from "../../gateway/directory/lmdb-directory-store.js";
import type { Program } from "../../protocol/program-document.js";
import { validateProgramDocument } from "../../domain/program/validate-program-document.js";
import { openShardStorage } from "../../shard/recovery.js";
import type { LmdbShardStore } from "../../shard/storage/lmdb-shard-store.js";
import { triggerProgressKey } from "../../shard/storage/record-keys.js";
import { INDEX_PROGRESS } from "../../shard/trigger-walk.js";
import type { Mutation } from "../../shard/storage/mutation.js";
import type { ControlStore } from "../../gateway/control/control-store.js";
import { storedSubscribedKinds } from "../../gateway/notifications/webhook-endpoints.js";
import { openDataDirectory, type OpenedDataDirectory } from "../../gateway/data-directory.js";
import { acquireDataDirectoryLock, type DataDirectoryLock } from "../../gateway/data-directory-lock.js";
import { DEMO_PROGRAM, demoCard, demoPhone } from "../../gateway/demo.js";
import { buildImportBatch, type ImportBatch, type ImportTask } from "./import-worker.js";
import type { MigratedMember, SyntheticHistoryStored } from "./member-builder.js";
import { readMemberFile, type LineProblem } from "./member-source.js";
import { otherProcessesUsing } from "./running-server-check.js";
import { SYNTHETIC_REFERENCE_TIME_DEFAULT } from "./synthetic-history.js";

/**
 * Members per worker task. A task's records are about 3 KB a member, so a
 * task moves a few MB between threads: large enough that the hop costs
 * nothing next to the work, small enough that every worker stays busy.
 */
export const IMPORT_TASK_MEMBERS = 2_000;
/** Tasks queued or running per worker thread: one running, one ready for when it finishes. */
const IMPORT_TASKS_IN_FLIGHT_PER_THREAD = 2;
/**
 * Members per LMDB write transaction (batches that are ready together are
 * written together, up to this). With one fsync per transaction, 20,000
 * members (about 60 MB of records) make the sync cost negligible, and bound
 * the memory held between the workers and the disk to well under 1 GB.
 */
export const IMPORT_WRITE_MEMBERS_MAX = 20_000;
/** Problems kept for the report; the rest are only counted (a file can be wrong on every line). */
export const IMPORT_PROBLEMS_REPORTED_MAX = 100;
/** Card numbers are 13 digits "2000" + 9: a billion synthetic members is the numbering's limit. */
export const SYNTHETIC_INDEX_MAX = 999_999_999;
/** Synthetic members per run: the benchmark goes to 10 million; ten times that is a sanity bound. */
export const SYNTHETIC_MEMBERS_MAX = 100_000_000;
/** A progress report at most this often. */
const PROGRESS_INTERVAL_MILLISECONDS = 1_000;

export type MemberSourceOption =
  | {
      readonly kind: "synthetic";
      readonly count: number;
      /** First member index; demo card and phone numbering (demoCard(i), demoPhone(i)). */
      readonly startIndex: number;
      /** The end of every synthetic history; fixed by default so that runs are deterministic. */
      readonly referenceTime: number;
      /** How much of each history is stored (member-builder.ts). */
      readonly stored: SyntheticHistoryStored;
    }
  | {
      readonly kind: "ndjson";
      readonly path: string;
      /**
       * false: the whole file is validated first and, if any line is bad,
       * nothing is written. true: bad lines are reported and skipped.
       */
      readonly skipBadLines: boolean;
      /** When opening balances accrue and accounts are created. */
      readonly now: number;
    };

export interface BulkImportOptions {
  readonly dataDirectory: string;
  readonly source: MemberSourceOption;
  /** Worker threads building records; 0 builds them in this thread (small imports, tests). */
  readonly importThreads: number;
  /** Shard threads of a new data directory (an existing one keeps its own); undefined: the gateway's default. */
  readonly shardThreads: number | undefined;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  readonly imported: number;
  readonly existing: number;
  readonly rejected: number;
  /** Members the source will offer in all, when known (synthetic). */
  readonly total: number | null;
  readonly seconds: number;
  readonly membersPerSecond: number;
}

export interface ImportSummary extends ImportProgress {
  readonly dataDirectory: string;
  readonly shardThreads: number;
  readonly importThreads: number;
  /** The first IMPORT_PROBLEMS_REPORTED_MAX problems, by line. */
  readonly problems: readonly LineProblem[];
  /** True when nothing was written because the file had bad lines (without skipBadLines). */
  readonly refused: boolean;
}

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

/** The default worker count: every core but the one the importing thread writes from. */
export function defaultImportThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The compiled worker: next to this file when running from dist, from dist when running from sources (tests). */
function importWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith(".ts")
    ? fileURLToPath(new URL("../../dist/tools/import/import-worker.js", import.meta.url))
    : fileURLToPath(new URL("./import-worker.js", import.meta.url));
  if (!existsSync(path)) throw new ImportError(`${path} is missing: build first (npm run build), or import with 0 import threads`);
  return path;
}

/** A task ready for a worker, and what it accounts for. */
interface PreparedTask {
  readonly task: ImportTask | null;
  readonly members: number;
  readonly existing: number;
  readonly problems: readonly LineProblem[];
}

interface RunningTask {
  readonly members: number;
  readonly claimedCards: readonly string[];
  readonly claimedPhones: readonly string[];
  batch: ImportBatch | undefined;
  readonly done: Promise<ImportBatch>;
}

/**
 * Imports members straight into a data directory's LMDB environments, with
 * no server running: each member's account and history go to the shard
 * environment that owns its logical shard (the directory's placement table),
 * its card and phone to the member directory.
 *
 * Idempotent and safe to interrupt: a card already in the directory is
 * skipped and counted; member ids are derived from the card; each batch's
 * shard records are durable before its directory entries are written, so an
 * interrupted import leaves at worst records no card points to yet, which
 * the next run writes again, identically, and then points to.
 */
export async function bulkImport(options: BulkImportOptions): Promise<ImportSummary> {
  validateOptions(options);
  // One process at a time (data-directory-lock.ts), taken before anything in the directory is read. A
  // directory that does not exist yet is locked as it is created, after a members file is validated, so
  // a refused file leaves nothing behind.
  let lock: DataDirectoryLock | undefined = existsSync(options.dataDirectory) ? await acquireDataDirectoryLock(options.dataDirectory) : undefined;
  try {
    return await importLocked(options, async () => {
      lock ??= await acquireDataDirectoryLock(options.dataDirectory);
    });
  } finally {
    await lock?.release();
  }
}

/** bulkImport, with the lock held or taken by `lockBeforeOpening`. */
async function importLocked(options: BulkImportOptions, lockBeforeOpening: () => Promise<void>): Promise<ImportSummary> {
  const startedAt = performance.now();
  await refuseDirectoryInUse(options.dataDirectory);
  const problems = new ProblemTally();
  const source = options.source;
  if (source.kind === "ndjson" && !source.skipBadLines) {
    // Validate everything before writing anything: a migration file is fixed and run again, never half-applied.
    for await (const batch of readMemberFile(source.path, IMPORT_TASK_MEMBERS)) problems.note(batch.problems);
    if (problems.rejected > 0) return refusedSummary(options, startedAt, problems);
  }

  await lockBeforeOpening();
  const opened = await openDataDirectory({ dataDirectory: options.dataDirectory, shardThreads: options.shardThreads });
  const stores: LmdbShardStore[] = [];
  const pool =
    options.importThreads === 0
      ? null
      : new Piscina<ImportTask, ImportBatch>({ filename: importWorkerPath(), minThreads: options.importThreads, maxThreads: options.importThreads });
  try {
    const program = await ensureProgram(opened.control);
    // A directory without cards has no member without search keys: the importer writes them with its entries.
    if (opened.directory.countCards() === 0) await opened.directory.markSearchIndexesComplete();
    await openShardStores(opened, stores);
    const claims = new Claims();
    // Members get the reminder index entries the endpoints' kinds call for, as a running shard's backfill would give them.
    const eventKinds = storedSubscribedKinds(opened.control);
    const pipeline = new ImportPipeline(options, startedAt, preparedTasks(source, { program, eventKinds }, opened.directory, claims), {
      stores,
      placement: opened.placement,
      directory: opened.directory,
      pool,
      problems,
      claims,
    });
    await pipeline.run();
    for (const store of stores.splice(0)) await store.close();
    await opened.close();
    const finished = pipeline.progress();
    return {
      ...finished,
      dataDirectory: options.dataDirectory,
      shardThreads: opened.placement.shardThreadCount,
      importThreads: options.importThreads,
      problems: problems.reported,
      refused: false,
    };
  } finally {
    await pool?.destroy();
    for (const store of stores) await store.close();
    // Closing twice is harmless in lmdb-js; on the error path this is the only close.
    await opened.close().catch(() => undefined);
  }
}

/** Refuses a data directory another process has open, even without the lock (an older build, a server started in-process). */
async function refuseDirectoryInUse(dataDirectory: string): Promise<void> {
  const others = await otherProcessesUsing(dataDirectory);
  if (others.length > 0) {
    throw new ImportError(`the data directory ${dataDirectory} is open in process ${others.join(", ")} (a running loycore?): stop it before importing`);
  }
}

/** Rejected lines: all counted, the first IMPORT_PROBLEMS_REPORTED_MAX kept for the report. */
class ProblemTally {
  readonly reported: LineProblem[] = [];
  rejected = 0;

  note(found: readonly LineProblem[]): void {
    this.rejected += found.length;
    for (const problem of found) if (this.reported.length < IMPORT_PROBLEMS_REPORTED_MAX) this.reported.push(problem);
  }
}

/** The summary of a members file refused for its bad lines: nothing written. */
function refusedSummary(options: BulkImportOptions, startedAt: number, problems: ProblemTally): ImportSummary {
  const seconds = (performance.now() - startedAt) / 1000;
  return {
    dataDirectory: options.dataDirectory,
    shardThreads: 0,
    importThreads: options.importThreads,
    imported: 0,
    existing: 0,
    rejected: problems.rejected,
    total: null,
    seconds,
    membersPerSecond: 0,
    problems: problems.reported,
    refused: true,
  };
}

/** Opens every shard environment into `stores` (the caller closes them); a shard's log is replayed first, as a start would. */
async function openShardStores(opened: OpenedDataDirectory, stores: LmdbShardStore[]): Promise<void> {
  for (let shardIndex = 0; shardIndex < opened.placement.shardThreadCount; shardIndex += 1) {
    // A shard's log may hold operations after its last checkpoint: replay them first, as a start would.
    const recovered = await openShardStorage({ storePath: opened.shardStorePath(shardIndex), monotonicSeconds: () => performance.now() / 1000 });
    await recovered.log.close();
    stores.push(recovered.store);
  }
}

type TaskSource = AsyncGenerator<{ prepared: PreparedTask; claimedCards: string[]; claimedPhones: string[] }>;

/** What the pipeline works with: where batches are written, who builds them, the problems and the claims. */
interface ImportPipelineParts {
  readonly stores: readonly LmdbShardStore[];
  readonly placement: { ownerOf(logicalShard: number): number };
  readonly directory: LmdbDirectoryStore;
  /** null: batches are built in this thread. */
  readonly pool: Piscina<ImportTask, ImportBatch> | null;
  readonly problems: ProblemTally;
  /** The claims the task source made, released once their batch is written. */
  readonly claims: Claims;
}

/**
 * The import proper: tasks go to the workers (IMPORT_TASKS_IN_FLIGHT_PER_THREAD per thread), built
 * batches are written in source order, those ready together in one transaction (writeBatches), and
 * their claims released; progress is reported at most every PROGRESS_INTERVAL_MILLISECONDS.
 */
class ImportPipeline {
  private readonly running: RunningTask[] = [];
  private readonly tasksInFlightMax: number;
  private readonly total: number | null;
  private sourceDone = false;
  private imported = 0;
  private existing = 0;
  private lastProgressAt: number;

  constructor(
    private readonly options: BulkImportOptions,
    private readonly startedAt: number,
    private readonly tasks: TaskSource,
    private readonly parts: ImportPipelineParts,
  ) {
    this.lastProgressAt = startedAt;
    this.total = options.source.kind === "synthetic" ? options.source.count : null;
    this.tasksInFlightMax = Math.max(1, options.importThreads) * IMPORT_TASKS_IN_FLIGHT_PER_THREAD;
  }

  progress(): ImportProgress {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const { imported, existing, total } = this;
    return { imported, existing, rejected: this.parts.problems.rejected, total, seconds, membersPerSecond: seconds > 0 ? imported / seconds : 0 };
  }

  async run(): Promise<void> {
    await this.fill();
    while (this.running.length > 0) {
      const { ready, members } = await this.nextTransaction();
      // Keep the workers busy while this thread waits for the disk.
      await this.fill();
      await writeBatches(ready.map((task) => task.batch as ImportBatch), this.parts.stores, this.parts.placement, this.parts.directory);
      for (const task of ready) this.parts.claims.release(task.claimedCards, task.claimedPhones);
      this.imported += members;
      this.reportProgress();
    }
  }

  /** Starts tasks until the source is done or the workers have enough. */
  private async fill(): Promise<void> {
    while (!this.sourceDone && this.running.length < this.tasksInFlightMax) {
      const next = await this.tasks.next();
      if (next.done === true) {
        this.sourceDone = true;
        return;
      }
      const prepared = next.value.prepared;
      this.existing += prepared.existing;
      this.parts.problems.note(prepared.problems);
      if (prepared.task === null) continue;
      const pool = this.parts.pool;
      const done = pool === null ? Promise.resolve(buildImportBatch(prepared.task)) : pool.run(prepared.task);
      const entry: RunningTask = {
        members: prepared.members,
        claimedCards: next.value.claimedCards,
        claimedPhones: next.value.claimedPhones,
        batch: undefined,
        done,
      };
      void done.then((batch) => (entry.batch = batch), () => undefined);
      this.running.push(entry);
    }
  }

  /** The oldest task, once built, and the tasks after it already built, up to IMPORT_WRITE_MEMBERS_MAX members. */
  private async nextTransaction(): Promise<{ ready: RunningTask[]; members: number }> {
    const first = this.running.shift();
    assert(first !== undefined, "a running task is there");
    first.batch = await first.done;
    const ready: RunningTask[] = [first];
    let members = first.members;
    // Batches already built join this transaction, up to its bound.
    while (this.running[0]?.batch !== undefined && members + this.running[0].members <= IMPORT_WRITE_MEMBERS_MAX) {
      const next = this.running.shift();
      assert(next !== undefined, "a built task is there");
      ready.push(next);
      members += next.members;
    }
    return { ready, members };
  }

  private reportProgress(): void {
    const now = performance.now();
    if (this.options.onProgress !== undefined && now - this.lastProgressAt >= PROGRESS_INTERVAL_MILLISECONDS) {
      this.lastProgressAt = now;
      this.options.onProgress(this.progress());
    }
  }
}

function validateOptions(options: BulkImportOptions): void {
  if (options.dataDirectory.length === 0) throw new ImportError("dataDirectory must not be empty");
  if (!Number.isInteger(options.importThreads) || options.importThreads < 0 || options.importThreads > 64) {
    throw new ImportError(`importThreads must be a whole number from 0 to 64, got ${options.importThreads}`);
  }
  const source = options.source;
  if (source.kind === "synthetic") {
    if (!Number.isInteger(source.count) || source.count < 1 || source.count > SYNTHETIC_MEMBERS_MAX) {
      throw new ImportError(`synthetic count must be a whole number from 1 to ${SYNTHETIC_MEMBERS_MAX}, got ${source.count}`);
    }
    if (!Number.isInteger(source.startIndex) || source.startIndex < 1 || source.startIndex + source.count - 1 > SYNTHETIC_INDEX_MAX) {
      throw new ImportError(`startIndex must be at least 1 and startIndex + count - 1 at most ${SYNTHETIC_INDEX_MAX}, got ${source.startIndex}`);
    }
    if (!Number.isSafeInteger(source.referenceTime)) throw new ImportError("referenceTime must be epoch milliseconds");
  } else if (source.path.length === 0) {
    throw new ImportError("the members file path must not be empty");
  } else if (!existsSync(source.path)) {
    throw new ImportError(`the members file ${source.path} does not exist`);
  }
}

/**
 * The program histories are computed with: the data directory's current one,
 * or, in a new directory, the demo program, stored as version 1 as the admin
 * API would (the gateway's --demo then finds it and keeps it).
 */
async function ensureProgram(control: ControlStore): Promise<Program> {
  const current = control.currentProgram();
  if (current !== undefined) return current;
  const program: Program = { ...validateProgramDocument(DEMO_PROGRAM), version: 1 };
  await control.appendProgram(program);
  await control.appendAudit({ at: Date.now(), action: "put-program", operator: "import", detail: { version: 1, name: program.name } });
  return program;
}

/**
 * Cards and phones handed to workers whose directory entries are not written
 * yet: a second line with the same card is then "existing", with the same
 * phone "taken", as if the first were already in the directory.
 */
class Claims {
  private readonly cards = new Set<string>();
  private readonly phones = new Map<string, string>();

  admit(directory: LmdbDirectoryStore, card: string, phone: string | null): "new" | "existing" | "phone taken" {
    if (this.cards.has(card) || directory.findMemberByCard(card) !== undefined) return "existing";
    if (phone !== null && (this.phones.has(phone) || directory.findMemberByPhone(phone) !== undefined)) return "phone taken";
    this.cards.add(card);
    if (phone !== null) this.phones.set(phone, card);
    return "new";
  }

  release(cards: readonly string[], phones: readonly string[]): void {
    for (const card of cards) this.cards.delete(card);
    for (const phone of phones) this.phones.delete(phone);
  }
}

async function* preparedTasks(
  source: MemberSourceOption,
  { program, eventKinds }: { readonly program: Program; readonly eventKinds: readonly string[] },
  directory: LmdbDirectoryStore,
  claims: Claims,
): AsyncGenerator<{ prepared: PreparedTask; claimedCards: string[]; claimedPhones: string[] }> {
  if (source.kind === "synthetic") {
    const end = source.startIndex + source.count;
    for (let start = source.startIndex; start < end; start += IMPORT_TASK_MEMBERS) {
      const indices: number[] = [];
      const claimedCards: string[] = [];
      const claimedPhones: string[] = [];
      const problems: LineProblem[] = [];
      let existing = 0;
      for (let index = start; index < Math.min(end, start + IMPORT_TASK_MEMBERS); index += 1) {
        const card = demoCard(index);
        const phone = demoPhone(index);
        const admitted = claims.admit(directory, card, phone);
        if (admitted === "existing") existing += 1;
        else if (admitted === "phone taken") {
          problems.push({ line: index, code: "PHONE_TAKEN", message: `member ${index}: phone ${phone} belongs to another member` });
        } else {
          indices.push(index);
          claimedCards.push(card);
          claimedPhones.push(phone);
        }
      }
      const task: ImportTask | null = indices.length === 0 ? null : { kind: "synthetic", indices, program, referenceTime: source.referenceTime, stored: source.stored, eventKinds };
      yield { prepared: { task, members: indices.length, existing, problems }, claimedCards, claimedPhones };
    }
    return;
  }
  for await (const batch of readMemberFile(source.path, IMPORT_TASK_MEMBERS)) {
    const members: MigratedMember[] = [];
    const claimedCards: string[] = [];
    const claimedPhones: string[] = [];
    const problems: LineProblem[] = [...batch.problems];
    let existing = 0;
    for (const member of batch.members) {
      const { card, phone } = member.profile;
      const admitted = claims.admit(directory, card, phone);
      if (admitted === "existing") existing += 1;
      else if (admitted === "phone taken") {
        problems.push({ line: member.line, code: "PHONE_TAKEN", message: `phone ${phone ?? ""} belongs to another member` });
      } else {
        members.push(member);
        claimedCards.push(card);
        if (phone !== null) claimedPhones.push(phone);
      }
    }
    const task: ImportTask | null = members.length === 0 ? null : { kind: "migrated", members, program, now: source.now, eventKinds };
    yield { prepared: { task, members: members.length, existing, problems }, claimedCards, claimedPhones };
  }
}

/**
 * One transaction per shard environment (all written at once, each by LMDB's
 * own write thread), durable; then one directory transaction, durable.
 */
async function writeBatches(
  batches: readonly ImportBatch[],
  stores: readonly LmdbShardStore[],
  placement: { ownerOf(logicalShard: number): number },
  directory: LmdbDirectoryStore,
): Promise<void> {
  const byShard: Mutation[][] = stores.map(() => []);
  const touched = new Set<number>();
  const entries: DirectoryEntry[] = [];
  const receiptOwners: ReceiptOwner[] = [];
  for (const batch of batches) {
    let keyStart = 0;
    let valueStart = 0;
    batch.keyEnds.forEach((keyEnd, index) => {
      const valueEnd = batch.valueEnds[index];
      assert(valueEnd !== undefined, "every key has a value");
      const key = Buffer.from(batch.keyBytes.buffer, batch.keyBytes.byteOffset + keyStart, keyEnd - keyStart);
      const value = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset + valueStart, valueEnd - valueStart);
      byShard[placement.ownerOf(key[0] as number)]?.push({ key, value });
      touched.add(key[0] as number);
      keyStart = keyEnd;
      valueStart = valueEnd;
    });
    entries.push(...batch.entries);
    receiptOwners.push(...batch.receiptOwners);
  }
  // Imported members have no trigger index entries: the index of each logical shard written is marked
  // to be built again (its backfill, docs/campaigns.md "Triggers at scale"), in the same transaction.
  for (const logicalShard of touched) byShard[placement.ownerOf(logicalShard)]?.push({ key: triggerProgressKey(logicalShard, INDEX_PROGRESS), value: null });
  await Promise.all(
    stores.map((store, shardIndex) => {
      const mutations = byShard[shardIndex] ?? [];
      return mutations.length === 0 ? undefined : store.importRecords(mutations);
    }),
  );
  await directory.writeBulk(entries, receiptOwners);
}

export { SYNTHETIC_REFERENCE_TIME_DEFAULT };
