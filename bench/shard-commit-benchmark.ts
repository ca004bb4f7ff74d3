import { createHash, type Hash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { serialize } from "node:v8";
import type { Program } from "../protocol/program-document.js";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import type { Receipt, ReceiptLine } from "../domain/receipt/receipt.js";
import type { CommitLog } from "../shard/log/commit-log.js";
import { openShardStorage } from "../shard/recovery.js";
import { ShardActor } from "../shard/shard-actor.js";
import { channelReply } from "../shard/packed-replies.js";
import type { ChannelReply, ShardReply, ShardRequest, ShardRequestKind } from "../shard/shard-messages.js";
import { PlacementTable } from "../domain/placement/placement-table.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { integerBetween, seededRandom } from "../domain/random/seeded-random.js";
import { readBoundedFlag } from "./bounded-flag.js";

/**
 * CPU a shard thread spends per committed receipt, in process: one
 * ShardActor over a real LMDB store and file commit log in a temporary
 * directory, driven as shard-worker.ts drives it. Members are enrolled and
 * given points first (each with a welcome receipt) and checkpointed to LMDB;
 * then each measured receipt goes through the lanes flow (identify, calculate,
 * commit; 10 % pay with points), `--lanes` receipts per event-loop turn, each
 * turn's answers serialized as the worker's postMessage would, the turn's
 * commits waited for as one durable group. A fixed seed and a simulated clock
 * make every run do the same work; `--digest` prints a hash of every log
 * payload and answer, to show that two builds did the same thing.
 *
 *   npm run bench:shard-commit -- [--members 20000] [--commits 20000] [--lanes 32] [--digest] [--features]
 */
const MEMBERS_MAX = 200_000;
const COMMITS_MAX = 200_000;
const LANES_MAX = 1_000;
/** The measured phase stops early after this long, whatever --commits says: the benchmark is bounded in time. */
const MEASURED_SECONDS_MAX = 120;
/** As the load kit's defaults: 1 to 10 lines, a tenth of receipts paid with points. */
const LINES_MIN = 1;
const LINES_MAX = 10;
const REDEEM_SHARE = 0.1;
/** Distinct SKUs and unit prices as the load kit draws them (bench/kit/receipt-mix.ts). */
const SKU_CATALOGUE_SIZE = 5_000;
const PRICE_MINIMUM_MINOR = 100;
const PRICE_MAXIMUM_MINOR = 100_000;
const QUANTITY_MAX = 3;
/** 200.00 roubles: every member starts with points to redeem (as gateway/demo.ts's welcome receipt). */
const WELCOME_AMOUNT_MINOR = 20_000;
/** The simulated clock starts here and moves this much per operation: deterministic times, lots activating along the way. */
const CLOCK_START_MILLISECONDS = Date.UTC(2026, 0, 1);
const CLOCK_STEP_MILLISECONDS = 1_000;
const SEED = 10;

const { values } = parseArgs({
  options: { members: { type: "string" }, commits: { type: "string" }, lanes: { type: "string" }, digest: { type: "boolean" }, features: { type: "boolean" } },
  strict: true,
});
const memberCount = readBoundedFlag(values.members, 20_000, MEMBERS_MAX, "members");
const commitCount = readBoundedFlag(values.commits, 20_000, COMMITS_MAX, "commits");
const lanes = readBoundedFlag(values.lanes, 32, LANES_MAX, "lanes");
const digest: Hash | null = values.digest === true ? createHash("sha256") : null;

/**
 * --features: the member-base features of issue 12 on (a coalition policy by pairs, so every spend
 * filters lots by issuer, and two levels by active points checked after every commit), to compare a
 * receipt's cost with them against without.
 */
const FEATURES = {
  coalition: { redemption: "pairs", pairs: [{ issuer: "other-partner", redeemer: "bench-partner" }] },
  pointLevels: {
    levels: [
      { id: "club", name: "Club", threshold: 2_000, validityDays: 30, pointsOnReach: 50 },
      { id: "gold", name: "Gold", threshold: 20_000, validityDays: null, pointsOnReach: 0 },
    ],
  },
};

const program: Program = {
  ...validateProgramDocument({
    ...FULL_EXAMPLE_PROGRAM,
    points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000, pointValueMinor: 1 },
    ...(values.features === true ? FEATURES : {}),
  }),
  version: 1,
};
const random = seededRandom(SEED);
let now = CLOCK_START_MILLISECONDS;
const tickClock = (): number => (now += CLOCK_STEP_MILLISECONDS);

function memberIdOf(index: number): string {
  return `m${index.toString(16).padStart(16, "0")}`;
}

function randomLines(): ReceiptLine[] {
  const lines: ReceiptLine[] = [];
  for (let count = integerBetween(random, LINES_MIN, LINES_MAX); count > 0; count -= 1) {
    const qty = integerBetween(random, 1, QUANTITY_MAX);
    const price = integerBetween(random, PRICE_MINIMUM_MINOR, PRICE_MAXIMUM_MINOR);
    lines.push({ sku: `sku-${integerBetween(random, 1, SKU_CATALOGUE_SIZE)}`, qty, price, amount: qty * price });
  }
  return lines;
}

/** With --digest, every appended payload joins the digest: the log's bytes are the format that must not change. */
function digestingLog(log: CommitLog): CommitLog {
  if (digest === null) return log;
  const append = log.append.bind(log);
  log.append = (payload) => {
    digest.update(payload);
    return append(payload);
  };
  return log;
}

const directory = mkdtempSync(join(tmpdir(), "loycore-shard-commit-benchmark-"));
const monotonicSeconds = (): number => performance.now() / 1000;
const { store, log } = await openShardStorage({ storePath: directory, monotonicSeconds });
const actor = new ShardActor({
  shardIndex: 0,
  store,
  log: digestingLog(log),
  ownedLogicalShards: PlacementTable.roundRobin(1).logicalShardsOf(0),
  program,
  clock: () => now,
  monotonicSeconds,
});

/** Answers batched per run of work and serialized once, as shard-worker.ts's sendPendingReplies posts them. */
let pendingReplies: ChannelReply[] = [];
let repliesScheduled = false;
let serializedBytes = 0;
const failures = new Map<string, number>();
const sendPendingReplies = (): void => {
  repliesScheduled = false;
  const replies = pendingReplies;
  pendingReplies = [];
  if (replies.length === 0) return;
  const bytes = serialize(replies);
  serializedBytes += bytes.length;
};
const send = (kind: ShardRequestKind, reply: ShardReply): void => {
  if (!reply.ok) failures.set(reply.code, (failures.get(reply.code) ?? 0) + 1);
  // One by one: how answers group into postMessage arrays depends on when syncs finish.
  digest?.update(JSON.stringify(reply));
  // As the worker sends it: a terminal answer packed once (shard/packed-replies.ts).
  pendingReplies.push(channelReply(kind, reply));
  if (!repliesScheduled) {
    repliesScheduled = true;
    queueMicrotask(sendPendingReplies);
  }
};

let nextRef = 1;
/** Handles `request` now; resolves with its answer (a commit's once its record is durable). */
function handle(request: ShardRequest): Promise<ShardReply> {
  return new Promise((resolve) => {
    actor.handle(request, (reply) => {
      send(request.kind, reply);
      resolve(reply);
    });
  });
}

/** Runs `operations(index)` for indices [0, count), `lanes` per turn, each turn's answers awaited together. */
async function inTurns(count: number, operation: (index: number) => Promise<unknown>, deadline = Infinity): Promise<number> {
  let done = 0;
  while (done < count && performance.now() < deadline) {
    const turn: Promise<unknown>[] = [];
    for (const end = Math.min(count, done + lanes); done < end; done += 1) turn.push(operation(done));
    actor.tick();
    await Promise.all(turn);
  }
  return done;
}

/** Enrols member `index` and commits its welcome receipt (not measured). */
async function setUpMember(index: number): Promise<unknown> {
  const memberId = memberIdOf(index);
  const logicalShard = logicalShardOf(memberId);
  const card = `2000${String(index).padStart(9, "0")}`;
  tickClock();
  const enrolled = handle({ kind: "enroll", ref: nextRef++, logicalShard, memberId, profile: { card, phone: null, name: `Member ${index}`, birthDate: null } });
  const receipt: Receipt = { id: `welcome-${card}`, store: "bench-store", at: now, lines: [{ sku: "welcome", qty: 1, price: WELCOME_AMOUNT_MINOR, amount: WELCOME_AMOUNT_MINOR }] };
  return Promise.all([enrolled, handle({ kind: "commit", ref: nextRef++, logicalShard, memberId, receipt, redeem: 0, partner: "bench-partner" })]);
}

/** One lane's receipt: identify, calculate, commit (a tenth redeem what calculate offers). */
function laneReceipt(index: number): Promise<ShardReply> {
  const memberId = memberIdOf(integerBetween(random, 0, memberCount - 1));
  const logicalShard = logicalShardOf(memberId);
  const paysWithPoints = random() < REDEEM_SHARE;
  const receipt: Receipt = { id: `r-${index}`, store: "bench-store", at: tickClock(), lines: randomLines() };
  void handle({ kind: "identify", ref: nextRef++, logicalShard, memberId, presented: null });
  let redeemable = 0;
  actor.handle({ kind: "calculate", ref: nextRef++, logicalShard, memberId, receipt, redeem: 0, partner: "bench-partner" }, (reply) => {
    send("calculate", reply);
    if (reply.ok) redeemable = reply.value.redeemable;
  });
  return handle({ kind: "commit", ref: nextRef++, logicalShard, memberId, receipt, redeem: paysWithPoints ? redeemable : 0, partner: "bench-partner" });
}

const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;
try {
  const setupStarted = process.cpuUsage();
  await inTurns(memberCount, setUpMember);
  await actor.checkpointNow();
  const setupCpu = cpuSeconds(process.cpuUsage(setupStarted));
  failures.clear();
  serializedBytes = 0;

  const measuredStarted = performance.now();
  const cpuStarted = process.cpuUsage();
  const committed = await inTurns(commitCount, laneReceipt, measuredStarted + MEASURED_SECONDS_MAX * 1000);
  const cpu = process.cpuUsage(cpuStarted);
  const wallSeconds = (performance.now() - measuredStarted) / 1000;
  await actor.drain();
  await log.close();
  await store.close();

  const perCommitMicroseconds = (cpu.user + cpu.system) / committed;
  process.stdout.write(
    [
      `setup: ${memberCount} members enrolled and welcomed in ${setupCpu.toFixed(2)} s CPU`,
      `measured: ${committed} receipts (identify, calculate, commit), ${lanes} per turn, in ${wallSeconds.toFixed(2)} s: ${Math.round(committed / wallSeconds)} commits/s`,
      `cpu per commit: ${perCommitMicroseconds.toFixed(1)} us (user ${(cpu.user / committed).toFixed(1)} us, system ${(cpu.system / committed).toFixed(1)} us), whole process`,
      `answers serialized: ${(serializedBytes / committed).toFixed(0)} bytes per receipt; refusals: ${failures.size === 0 ? "none" : [...failures].map(([code, count]) => `${code} ${count}`).join(", ")}`,
      ...(digest === null ? [] : [`digest of log payloads and answers: ${digest.digest("hex")}`]),
      "",
    ].join("\n"),
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}
