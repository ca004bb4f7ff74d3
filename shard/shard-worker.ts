// Thread: a shard worker thread, its entry point; it owns its logical shards' accounts, commit log, overlay and LMDB environment.
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { assert } from "../domain/assert/assert.js";
import { crashPointHook } from "./crash-points.js";
import { openShardStorage } from "./recovery.js";
import { ShardActor, type ShardInstruments } from "./shard-actor.js";
import { isPackedAnswerKind, packedReply } from "./packed-replies.js";
import type { ChannelReply, PackedAnswerKind, ShardReadyNotice, ShardReply, ShardRequest, ShardWorkerData } from "./shard-messages.js";

/**
 * Entry point of a shard thread. It owns one LMDB environment, one commit
 * log and one ShardActor; every message from the gateway goes to the actor
 * in order. At start it recovers (recovery.ts): the log's records after the
 * last checkpoint are applied to LMDB before the first message is handled.
 * Metrics live in a registry of this thread; the gateway collects them on
 * each scrape with a "metrics" message.
 */
const port = parentPort;
assert(port !== null, "shard-worker runs as a worker thread");
const data = workerData as ShardWorkerData;

/** A durable commit takes from a tenth of a millisecond (one sync, no queue) to a second (a stalled disk). */
const COMMIT_LATENCY_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

const registry = new Registry();
const shardLabel = { shard: String(data.shardIndex) };
const batchSize = new Histogram({
  name: "loycore_shard_commit_batch_size",
  help: "Answers released per durable log group (one per state change)",
  labelNames: ["shard"],
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
  registers: [registry],
});
const flushSeconds = new Histogram({
  name: "loycore_shard_flush_seconds",
  help: "Time from waiting on a log group until it is durable",
  labelNames: ["shard"],
  buckets: COMMIT_LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});
const commitSeconds = new Histogram({
  name: "loycore_shard_commit_seconds",
  help: "Time from a commit's arrival at its shard until its durable answer",
  labelNames: ["shard"],
  buckets: COMMIT_LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});
const messages = new Counter({
  name: "loycore_shard_messages_total",
  help: "Messages handled by shard threads, by kind",
  labelNames: ["shard", "kind"],
  registers: [registry],
});

const storageFullWrites = new Counter({
  name: "loycore_shard_storage_full_writes_total",
  help: "Operations refused because the log had no room on disk (answered STORAGE_FULL, nothing applied)",
  labelNames: ["shard"],
  registers: [registry],
});

const checkpointSeconds = new Histogram({
  name: "loycore_shard_checkpoint_seconds",
  help: "Time from the start of a checkpoint until LMDB has it on disk",
  labelNames: ["shard"],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const checkpointBytes = new Counter({
  name: "loycore_shard_checkpoint_bytes_total",
  help: "Overlay bytes written to LMDB by checkpoints",
  labelNames: ["shard"],
  registers: [registry],
});

const backfillAccounts = new Gauge({
  name: "loycore_reminder_backfill_accounts_walked",
  help: "Accounts the reminder index backfill walked since the shard thread started (docs/notifications.md, \"Backfill\")",
  labelNames: ["shard"],
  registers: [registry],
});
const backfillPending = new Gauge({
  name: "loycore_reminder_backfill_pending_logical_shards",
  help: "Logical shards whose reminder index backfill for the current settings is not done (0: complete)",
  labelNames: ["shard"],
  registers: [registry],
});

const classSwitchPending = new Gauge({
  name: "loycore_class_switch_pending_logical_shards",
  help: "Logical shards whose walk after a change of the program's classes (class.changed, cause program) is not done (0: every member told)",
  labelNames: ["shard"],
  registers: [registry],
});

const triggerAccruals = new Counter({
  name: "loycore_trigger_accruals_total",
  help: "Campaign trigger accruals the trigger walk fired, by trigger kind (docs/campaigns.md, \"Triggers\")",
  labelNames: ["shard", "kind"],
  registers: [registry],
});
const triggerMembersWalked = new Counter({
  name: "loycore_trigger_members_walked_total",
  help: "Members the trigger walk looked at: month-day index entries and oneTime sweeps' accounts",
  labelNames: ["shard"],
  registers: [registry],
});
const triggerIndexBackfilled = new Counter({
  name: "loycore_trigger_index_backfilled_total",
  help: "Accounts the trigger index's backfill indexed",
  labelNames: ["shard"],
  registers: [registry],
});
const triggerWalkLagDays = new Gauge({
  name: "loycore_trigger_walk_lag_days",
  help: "Days between today (program time zone) and the day the trigger walk is on, 0 when it is on today or done",
  labelNames: ["shard"],
  registers: [registry],
});
const triggerWalkDay = new Gauge({
  name: "loycore_trigger_walk_day",
  help: "The local day (program time zone) the trigger walk is on, as YYYYMMDD; 0 before any date trigger walk",
  labelNames: ["shard"],
  registers: [registry],
});
const triggerBackfillPending = new Gauge({
  name: "loycore_trigger_index_backfill_pending_logical_shards",
  help: "Logical shards of this thread whose trigger index the backfill is still building",
  labelNames: ["shard"],
  registers: [registry],
});

const instruments: ShardInstruments = {
  observeBatch: (writeCount, seconds) => {
    batchSize.observe(shardLabel, writeCount);
    flushSeconds.observe(shardLabel, seconds);
  },
  observeCommit: (seconds) => commitSeconds.observe(shardLabel, seconds),
  observeStorageFull: (refused) => storageFullWrites.inc(shardLabel, refused),
  observeCheckpoint: (bytes, seconds) => {
    checkpointBytes.inc(shardLabel, bytes);
    checkpointSeconds.observe(shardLabel, seconds);
  },
};

const monotonicSeconds = (): number => performance.now() / 1000;
const crashPoint = crashPointHook(process.env);
const receiptIndexThrough = data.receiptIndexThrough ?? 0;
const { store, log, report, unindexedReceipts, lastSequence } = await openShardStorage({
  storePath: data.storePath,
  monotonicSeconds,
  receiptIndexThrough,
  ...(crashPoint === undefined ? {} : { onLogCrashPoint: crashPoint }),
});
process.stderr.write(`${JSON.stringify({ event: "shardRecovered", shard: data.shardIndex, ...report, unindexedReceipts: unindexedReceipts.length })}\n`);
if (lastSequence < receiptIndexThrough) {
  // The receipt index says records up to receiptIndexThrough were written and synced; they are gone.
  // Serving would hand their sequences to new records the index believes covered: refuse instead.
  throw new Error(
    `shard ${data.shardIndex}: its commit log ends at sequence ${lastSequence}, but the receipt index recorded receipts through ${receiptIndexThrough}: durable log records are missing (restored from an older copy?); refusing to start`,
  );
}
const actor = new ShardActor({
  shardIndex: data.shardIndex,
  store,
  log,
  ownedLogicalShards: data.ownedLogicalShards,
  program: data.program,
  ...(data.partnerPrograms === undefined ? {} : { partnerPrograms: data.partnerPrograms }),
  ...(data.eventKinds === undefined ? {} : { eventKinds: data.eventKinds }),
  campaigns: data.campaigns ?? null,
  clock: () => Date.now(),
  monotonicSeconds,
  instruments,
  ...(crashPoint === undefined ? {} : { onCrashPoint: crashPoint }),
  ...(data.checkpoint === undefined ? {} : { checkpoint: data.checkpoint }),
  receiptIndexThrough,
});

/**
 * Checkpoints start when one is due after each array of messages, and on
 * this timer so an idle shard still checkpoints what it holds.
 */
const CHECKPOINT_TICK_MILLISECONDS = 250;
const checkpointTimer = setInterval(() => actor.tick(), CHECKPOINT_TICK_MILLISECONDS);
checkpointTimer.unref();

/**
 * Replies go back as one array per run of work (see the request side in
 * worker-shard-channel.ts): a group commit releases hundreds of answers at
 * once, and one postMessage for all of them is much cheaper than one each.
 * The array is sent in a microtask, right after the synchronous run that
 * produced it (a slice of requests, a group's release), not a turn later.
 */
let pendingReplies: ChannelReply[] = [];
let repliesScheduled = false;
const sendPendingReplies = (): void => {
  repliesScheduled = false;
  const replies = pendingReplies;
  pendingReplies = [];
  if (replies.length > 0) port.postMessage(replies);
};
const send = (reply: ChannelReply): void => {
  pendingReplies.push(reply);
  if (!repliesScheduled) {
    repliesScheduled = true;
    queueMicrotask(sendPendingReplies);
  }
};
/** The reply to a request of any other kind crosses as the shard answered it. */
const sendAsIs = (reply: ShardReply): void => send(reply as ChannelReply);
/** The reply to a request whose answer goes to the terminal as it is: packed here, once (packed-replies.ts). */
const sendPacked = (reply: ShardReply): void => send(packedReply(reply as ShardReply<PackedAnswerKind>));

/**
 * The expiry sweep: every second, at most this many accounts are read and
 * settled, between messages. 500 accounts a second visits a million members
 * a month per shard and costs a few milliseconds a second.
 */
const SWEEP_INTERVAL_MILLISECONDS = 1_000;
const SWEEP_ACCOUNTS_PER_STEP = 500;
/** While requests arrive the sweep yields to them: a tenth of its step (expiry applies on every read anyway). */
const SWEEP_ACCOUNTS_PER_BUSY_STEP = 50;
/**
 * The reminder sweep, on the same timer: at most this many due reminder index
 * entries a second (each one account read, and a log record when a reminder
 * is due): 500 a second is 43 million a day per shard, a few milliseconds a
 * second; a tenth of it while requests arrive.
 */
const REMINDER_ENTRIES_PER_STEP = 500;
const REMINDER_ENTRIES_PER_BUSY_STEP = 50;
/**
 * The trigger walk (docs/campaigns.md, "Triggers at scale"), on the same
 * timer: at most this many members a second (index entries, or accounts of
 * the index's backfill and of a oneTime sweep), each an account read and,
 * when a trigger fires, a log record. 500 a second walks a day's 2,740
 * birthdays of a million members in seconds and backfills a million
 * accounts in about half an hour per shard thread; a tenth of it while
 * requests arrive.
 */
const TRIGGER_MEMBERS_PER_STEP = 500;
const TRIGGER_MEMBERS_PER_BUSY_STEP = 50;
/**
 * The reminder index's backfill, on the same timer, after a reminder kind is
 * taken or its days change: at most this many accounts a second (each read,
 * its entries one log record a step): 200 a second walks a million members in
 * under an hour and a half per shard thread, a few milliseconds a second; a
 * tenth of it while requests arrive.
 */
const REMINDER_BACKFILL_ACCOUNTS_PER_STEP = 200;
const REMINDER_BACKFILL_ACCOUNTS_PER_BUSY_STEP = 20;
let requestsSinceSweep = 0;
const walkTriggers = (): void => {
  const report = actor.walkTriggers(requestsSinceSweep > 0 ? TRIGGER_MEMBERS_PER_BUSY_STEP : TRIGGER_MEMBERS_PER_STEP);
  const progress = actor.triggerProgress();
  triggerWalkLagDays.set(shardLabel, progress.lagDays);
  triggerWalkDay.set(shardLabel, progress.walkingDay);
  triggerBackfillPending.set(shardLabel, progress.backfillPending);
  if (report === null) return;
  triggerMembersWalked.inc(shardLabel, report.walked);
  triggerIndexBackfilled.inc(shardLabel, report.backfilled);
  for (const [kind, count] of Object.entries(report.fired)) triggerAccruals.inc({ ...shardLabel, kind }, count);
};
const sweepTimer = setInterval(() => {
  actor.sweepExpired(requestsSinceSweep > 0 ? SWEEP_ACCOUNTS_PER_BUSY_STEP : SWEEP_ACCOUNTS_PER_STEP);
  const backfill = actor.backfillReminders(requestsSinceSweep > 0 ? REMINDER_BACKFILL_ACCOUNTS_PER_BUSY_STEP : REMINDER_BACKFILL_ACCOUNTS_PER_STEP);
  backfillAccounts.set(shardLabel, backfill.walked);
  backfillPending.set(shardLabel, backfill.pending);
  // The walk after a change of the program's classes takes the same share of the timer as the backfill.
  classSwitchPending.set(shardLabel, actor.walkClassSwitch(requestsSinceSweep > 0 ? REMINDER_BACKFILL_ACCOUNTS_PER_BUSY_STEP : REMINDER_BACKFILL_ACCOUNTS_PER_STEP));
  actor.sweepReminders(requestsSinceSweep > 0 ? REMINDER_ENTRIES_PER_BUSY_STEP : REMINDER_ENTRIES_PER_STEP);
  walkTriggers();
  requestsSinceSweep = 0;
}, SWEEP_INTERVAL_MILLISECONDS);
sweepTimer.unref();

/** Tests of shard supervision ask a shard to die; only honoured when the process enables fault injection. */
const FAULT_INJECTION_ENABLED = process.env["LOYCORE_FAULT_INJECTION"] === "1";

const handleRequest = (message: ShardRequest): void => {
  requestsSinceSweep += 1;
  messages.inc({ ...shardLabel, kind: message.kind });
  if (message.kind === "metrics") {
    void registry.getMetricsAsJSON().then((metrics) => send({ ref: message.ref, ok: true, value: { metrics } }));
    return;
  }
  actor.handle(message, isPackedAnswerKind(message.kind) ? sendPacked : sendAsIs);
};

/**
 * Requests handled in one event-loop turn, at most. The gateway sends a
 * turn's requests as one array, up to a thousand under pipelined load;
 * handled in one go (~100 ms), nothing else happens meanwhile: the log
 * cannot write, answers cannot go out, and the gateway idles. Yielding every
 * 32 requests (a few milliseconds) lets the log sync one group while the
 * next is prepared and answers flow back while work continues.
 */
const REQUESTS_PER_TURN_MAX = 32;

/** Handles `requests` in order, REQUESTS_PER_TURN_MAX per event-loop turn; resolves after the last. */
function handleInSlices(requests: readonly ShardRequest[]): Promise<void> {
  return new Promise((resolve) => {
    const step = (start: number): void => {
      const end = Math.min(requests.length, start + REQUESTS_PER_TURN_MAX);
      for (let index = start; index < end; index += 1) handleRequest(requests[index] as ShardRequest);
      actor.tick();
      if (end < requests.length) setImmediate(() => step(end));
      else resolve();
    };
    step(0);
  });
}

/**
 * Requests are handled in arrival order, each array once the accounts it
 * names are in memory. An account read that misses the page cache is a disk
 * read on this thread, and it stalls every member of the shard behind it
 * (measured: 10M members, 29.7 GB on a 23.5 GiB machine, fell from about
 * 2,900 to 200 receipts/s). So each array's accounts are prefetched on
 * lmdb-js's threads as soon as it arrives (prefetches of several arrays
 * overlap), and the arrays are handled strictly one after another, in order.
 * Accounts already in the shard's memory need no prefetch: an array whose
 * accounts all are, with nothing ahead of it, is handled at once.
 */
let handledTail: Promise<void> = Promise.resolve();
/** Arrays received and not yet handled to the end: while any is, a new one waits its turn. */
let arraysPending = 0;
const handleArray = (requests: readonly ShardRequest[]): void => {
  const missing: { logicalShard: number; memberId: string }[] = [];
  for (const request of requests) {
    if ("memberId" in request && "logicalShard" in request && !actor.isResident(request.logicalShard, request.memberId)) {
      missing.push({ logicalShard: request.logicalShard, memberId: request.memberId });
    }
  }
  arraysPending += 1;
  const handled = (): void => {
    arraysPending -= 1;
  };
  if (arraysPending === 1 && (missing.length === 0 || requests.length === 1)) {
    // Nothing is ahead, and every account is in memory or this is a lone request: handle at once, no hop
    // through another thread. A lone request's read can only stall itself (nothing waits behind it), and
    // the hop costs a quiet lane more than a read from the page cache (identify p50 0.56 ms at one lane).
    handledTail = handleInSlices(requests).then(handled);
    return;
  }
  // A failed prefetch only means the reads will fault as they would have.
  const resident = missing.length === 0 ? Promise.resolve() : store.prefetchAccounts(missing).catch(() => undefined);
  handledTail = Promise.all([handledTail, resident]).then(() => handleInSlices(requests)).then(handled);
};

port.on("message", (message: readonly ShardRequest[] | { kind: "stop" } | { kind: "crashForTest" }) => {
  if (Array.isArray(message)) {
    handleArray(message as readonly ShardRequest[]);
    return;
  }
  const control = message as { kind: "stop" } | { kind: "crashForTest" };
  if (control.kind === "crashForTest") {
    if (FAULT_INJECTION_ENABLED) process.exit(1);
    return;
  }
  clearInterval(sweepTimer);
  clearInterval(checkpointTimer);
  // Requests that arrived before "stop" are handled first.
  void handledTail.then(() => actor.drain()).then(async () => {
    await log.close();
    await store.close();
    sendPendingReplies();
    port.postMessage({ kind: "stopped" });
  });
});

const ready: ShardReadyNotice = { kind: "ready", unindexedReceipts, lastSequence };
port.postMessage(ready);

