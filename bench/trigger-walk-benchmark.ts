import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { once } from "node:events";
import { DEMO_PROGRAM } from "../gateway/demo.js";
import { openDataDirectory } from "../gateway/data-directory.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { validateCampaignsDocument } from "../domain/campaigns/validate-campaigns.js";
import { localMidnightOf } from "../domain/campaigns/local-date.js";
import { openShardStorage } from "../shard/recovery.js";
import { ShardActor } from "../shard/shard-actor.js";
import { triggerProgressKey } from "../shard/storage/record-keys.js";
import { DATES_PROGRESS, INDEX_PROGRESS } from "../shard/trigger-walk.js";
import { readBoundedFlag } from "./bounded-flag.js";

/**
 * The birthday trigger at scale (docs/campaigns.md, "Triggers at scale"):
 * imports `--members` members with birth dates spread evenly over the year
 * (about members / 365 a day) into a kept data directory, once, with the
 * bulk importer; then, in this process, over each shard environment as a
 * shard thread runs it (ShardActor, real LMDB and commit log, a fixed clock
 * at noon of `--day` in the program's time zone, a birthday campaign for
 * everyone), times the month-day index's backfill over every account and the
 * day's birthday walk, both in the production step (500 members a step).
 * Each run builds the index again (its progress records are deleted first);
 * the walk's accruals are written into the directory, so a second run on the
 * same --day walks the same entries and fires nothing (the records say they
 * fired): pass another --day to fire again.
 *
 *   npm run build && node dist/bench/trigger-walk-benchmark.js --data-dir /var/tmp/loycore-birthdays-1m [--members 1000000] [--day 2026-03-10]
 */
const MEMBERS_MAX = 10_000_000;
/** The walk's step as the shard worker runs it (TRIGGER_MEMBERS_PER_STEP, once a second). */
const MEMBERS_PER_STEP = 500;
const MEMBERS_DEFAULT = 1_000_000;
/** Steps per shard, at most: the benchmark is bounded (10M accounts at 500 a step is 20,000 steps). */
const STEPS_MAX = 100_000;

const { values } = parseArgs({ options: { "data-dir": { type: "string" }, members: { type: "string" }, day: { type: "string" } } });
const dataDirectory = values["data-dir"];
if (dataDirectory === undefined) throw new Error("--data-dir DIR is required (kept between runs: the import is done once)");
const members = readBoundedFlag(values.members, MEMBERS_DEFAULT, MEMBERS_MAX, "members");
const day = values.day ?? "2026-03-10";
if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error("--day must be YYYY-MM-DD");

const program = { ...validateProgramDocument(DEMO_PROGRAM), version: 1 };
/** Noon of `--day` in the program's time zone; the backfill runs the day before (and walks that day, a few steps among its 2,000). */
const walkNow = localMidnightOf(day, program.timeZone) + 12 * 3_600_000;
const backfillNow = walkNow - 86_400_000;
const campaigns = {
  ...validateCampaignsDocument(
    { segments: [], campaigns: [{ id: "birthday", name: "Birthday", start: "2020-01-01", end: "2099-12-31", state: "active", partner: "legal-1", trigger: { kind: "birthday", points: 500, lifetimeDays: 30 } }] },
    program,
  ),
  version: 1,
};

/** The i-th member's line: a card and a birth date; day of year i mod 365 (a common year's calendar), so each day has members / 365. */
function memberLine(index: number): string {
  const date = new Date(Date.UTC(2025, 0, 1) + (index % 365) * 86_400_000);
  const birthDate = `${1960 + (index % 40)}-${date.toISOString().slice(5, 10)}`;
  return `${JSON.stringify({ card: `3${String(index).padStart(12, "0")}`, birthDate })}\n`;
}

async function importOnce(): Promise<number | null> {
  const marker = join(dataDirectory as string, "birthdays-imported");
  if (existsSync(marker)) return null;
  mkdirSync(dataDirectory as string, { recursive: true });
  const file = join(dataDirectory as string, "..", `birthdays-${members}.ndjson`);
  const out = createWriteStream(file);
  for (let index = 1; index <= members; index += 1) if (!out.write(memberLine(index))) await once(out, "drain");
  out.end();
  await once(out, "finish");
  const started = performance.now();
  const run = spawnSync(process.execPath, ["dist/tools/import/main.js", "--data-dir", dataDirectory as string, "--members-file", file, "--import-threads", "1"], { stdio: "inherit" });
  if (run.status !== 0) throw new Error(`the import failed (${run.status})`);
  createWriteStream(marker).end("done\n");
  return (performance.now() - started) / 1000;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the walk on one shard environment until it has nothing left: steps, members, seconds of each phase. */
interface ShardFigures {
  backfillSteps: number;
  backfilled: number;
  backfillSeconds: number;
  walkSteps: number;
  walked: number;
  fired: number;
  walkSeconds: number;
}

async function measureShard(storePath: string, owned: readonly number[]): Promise<ShardFigures> {
  const monotonicSeconds = (): number => performance.now() / 1000;
  const { store, log } = await openShardStorage({ storePath, monotonicSeconds });
  // A new index each run: the backfill is what is measured.
  await store.importRecords(owned.flatMap((logicalShard) => [INDEX_PROGRESS, DATES_PROGRESS].map((name) => ({ key: triggerProgressKey(logicalShard, name), value: null }))));
  let now = backfillNow;
  const actor = new ShardActor({ shardIndex: 0, store, log, ownedLogicalShards: owned, program, campaigns, clock: () => now, monotonicSeconds });
  const figures: ShardFigures = { backfillSteps: 0, backfilled: 0, backfillSeconds: 0, walkSteps: 0, walked: 0, fired: 0, walkSeconds: 0 };
  // The day before: the backfill (and that day's walk, interleaved with it logical shard by logical shard).
  for (let step = 0; step < STEPS_MAX; step += 1) {
    const started = performance.now();
    const report = actor.walkTriggers(MEMBERS_PER_STEP);
    if (report === null || report.progressed === 0) break;
    figures.backfillSeconds += (performance.now() - started) / 1000;
    figures.backfillSteps += 1;
    figures.backfilled += report.backfilled;
    actor.tick();
    await turn();
  }
  await actor.checkpointNow();
  // The day: its birthdays' walk alone, over the complete index.
  now = walkNow;
  for (let step = 0; step < STEPS_MAX; step += 1) {
    const started = performance.now();
    const report = actor.walkTriggers(MEMBERS_PER_STEP);
    if (report === null || report.progressed === 0) break;
    figures.walkSeconds += (performance.now() - started) / 1000;
    figures.walkSteps += 1;
    figures.walked += report.walked;
    figures.fired += Object.values(report.fired).reduce((sum, count) => sum + count, 0);
    actor.tick();
    await turn();
  }
  await actor.drain();
  await log.close();
  await store.close();
  return figures;
}

const importSeconds = await importOnce();
const opened = await openDataDirectory({ dataDirectory, shardThreads: undefined });
const shardCount = opened.placement.shardThreadCount;
const paths = Array.from({ length: shardCount }, (_, index) => ({ path: opened.shardStorePath(index), owned: opened.placement.logicalShardsOf(index) }));
await opened.close();
for (const [index, { path, owned }] of paths.entries()) {
  const figures = await measureShard(path, owned);
  const perSecond = (count: number, seconds: number): number => (seconds === 0 ? 0 : Math.round(count / seconds));
  process.stdout.write(
    `${JSON.stringify({
      shard: index,
      members,
      day,
      importSeconds,
      ...figures,
      backfillAccountsPerCpuSecond: perSecond(figures.backfilled, figures.backfillSeconds),
      walkEntriesPerCpuSecond: perSecond(figures.walked, figures.walkSeconds),
      // The worker runs one step a second: the wall time the shard thread takes in production.
      backfillWallSecondsAtOneStepASecond: figures.backfillSteps,
      walkWallSecondsAtOneStepASecond: figures.walkSteps,
    })}\n`,
  );
}
