/**
 * Crash audit of a loycore gateway: "an answer is sent only after the operation is durable"
 * (docs/protocol.md, Idempotency; docs/ARCHITECTURE.md, durability), checked from the outside.
 *
 * `runCrashAudit` starts `node dist/gateway/main.js --demo` on 127.0.0.1 over a data directory, installs
 * a plain points program (10 % back, points may pay the whole receipt) and drives `lanes` point-of-sale
 * lanes, each a LoycoreClient on its own two demo members, through a seeded random sequence of commits
 * (1-4 lines, some paying with points, some paid in part), refunds (lines and quantities of an earlier
 * receipt of the lane), cancels (of an earlier receipt) and payments (toward an earlier receipt paid in
 * part). Every request has a deterministic idempotency key and every
 * request is recorded with its outcome: acknowledged (ok), refused (a coded answer from the gateway), or
 * unknown (the connection dropped, a timeout). At seeded moments the gateway is killed with SIGKILL and
 * restarted over the same data directory, `kills` times; lanes reconnect to the new port.
 *
 * Events (docs/notifications.md): the audit runs a webhook receiver (event-receiver.ts) and configures it
 * for points.accrued before the load. After the checks below, every acknowledged commit that accrued
 * points must have its event delivered (within 30 s), and no event may name a transaction no
 * acknowledged commit has: the outbox writes an event in its operation's own log record.
 *
 * Crashes the server makes itself (option crashPoints, --crash-points "name:probability,..."): the server
 * runs with LOYCORE_FAULT_INJECTION=1 and LOYCORE_CRASH_POINTS (shard/crash-points.ts), so it also
 * SIGKILLs itself during a log group commit (before-write, after-write-before-sync, after-sync) or a
 * checkpoint (checkpoint-before-write, checkpoint-after-write-before-truncate). The audit notices the exit
 * it did not cause and restarts the server as after its own kill (a start that dies before listening is
 * started again). A SIGKILL leaves no message, so self-crashes are counted, not told apart by point.
 * After selfCrashesMax of them (--self-crashes-max) later starts run without fault injection, so a point
 * at probability 1 (say checkpoint-after-write-before-truncate:1: the server dies at its first checkpoint,
 * after LMDB has it and before the log segments are deleted, and the restart must skip the records the
 * checkpoint covers instead of applying them again) crashes the server that many times and then lets the
 * audit finish. awaitSelfCrashes (--await-self-crashes) waits after the lanes' run until that many
 * self-crashes happened (a checkpoint comes within seconds while the overlay holds the run's writes) and
 * is a violation if they do not come. Admin requests and reads are retried across crashes too. A start
 * that fails any other way (the log refused as corrupt, say) ends the audit with that error (exit 1).
 * shards and checkpointIntervalMilliseconds (--shards, --checkpoint-interval-milliseconds) are passed to
 * the server: a short interval (250 ms) makes the checkpoint crash points fire many times in a short run.
 *
 * Torn tails (option tornTail, --torn-tail / --torn-tail-probability): after a crash (either kind), with
 * that seeded probability, and before the restart, the tail of one shard's newest log segment is damaged
 * as a torn write leaves it: zeros from an offset to the end of the written data, or a few garbled bytes
 * (crash-log-tail.ts). The restart must cut it as a torn tail (the shard reports it on stderr,
 * `shardRecovered` with `log.tornTail`; counted as "cut by the server") and the invariants below must
 * hold. Which bytes may be damaged, soundly, from outside: power loss can tear only what was not synced,
 * and nothing unsynced was ever answered; the audit cannot see what the server synced, but it knows
 * exactly which answers its clients received, and each log record names the request that wrote it (the
 * keyed record of its receipt, refund or cancel id). So the damage starts inside a record of the
 * longest suffix of the newest segment whose records all belong to requests sent to the server that died
 * and never answered to a client (status unknown, decided after every client of that server was closed,
 * so no late answer can arrive), and within the last 4 KiB of written data. Cutting a suffix of records
 * leaves no record whose predecessor is gone, and each lost record's request is unknown to the audit, so
 * its retry must apply it exactly once. A crash whose tails offer no such record is left undamaged
 * (counted as skipped). "Torn records" counts the records lost this way and, separately, how many of them
 * had been acknowledged to a client before the damage: 0 by construction, a violation otherwise.
 * What remains of "the audit cannot see what was synced": such a record may have been synced, its answer
 * on the way to the client. Then the damage is harsher than power loss, and only the gateway can have
 * acted on that answer: its receipt index. So the damage also stays above each shard's receipt-index floor
 * (read from data/directory while the server is down: the sequence through which the gateway durably
 * says it had the shard's answers), and what is left (an index entry, not covered by a floor, for a
 * receipt whose record is gone) only lets the same member's retry commit the receipt again, which is
 * what the retry does. No client was told anything, so the invariants below still bind the server.
 *
 * After the last restart:
 * 1. every unknown request is sent again, in its lane's original order, with the same key, until it gets
 *    a definite answer (ok or a coded refusal);
 * 2. every acknowledged request is sent again: it must return the identical first answer, or it was lost;
 * 3. the auditor replays, per member, the acknowledged operations from their own answers (`points`,
 *    `redeem`, `pointsRevoked`, `pointsReturned`, `debtAdded`) and checks the member's final balance and
 *    debt and its visit counter (committed receipts - cancelled receipts) in the admin view; an operation
 *    applied twice shows up here as "doubled".
 *
 * Family receipts (option families, --families): before the load each lane's two members join one family
 * (admin API), so every commit, refund and cancel is a family receipt: the member's shard commits it with
 * an intent for the pool, which another shard applies (docs/ARCHITECTURE.md, "Family accounts"); a kill
 * can cut between the two hops, or between the pool's hold and the commit. The server runs with
 * LOYCORE_FAMILY_HOLD_STALE_MILLISECONDS=1000, so its relay resolves such holds within the run. Step 3
 * then checks, per lane, the pool (balance - debt against the model of both members' acknowledged
 * answers, no point left held), each member's own account (no points; its own visits) and the balance
 * operation of each card (the pool's).
 *
 * `node dist/tools/crash-audit/crash-audit.js --lanes 20 --operations 200 --kills 5 --seed 1` (npm run test:crash)
 * prints the summary and exits 1 on any violation; `--help` lists every flag, e.g.
 * `node dist/tools/crash-audit/crash-audit.js --lanes 40 --operations 200 --kills 8 --seed 20261201
 *    --crash-points after-write-before-sync:0.002,checkpoint-after-write-before-truncate:0.3 --torn-tail`.
 */
import { AUDIT_WEBHOOK, EventReceiver } from "./event-receiver.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { LoycoreClient, LoycoreClientError } from "../../client/index.js";
import type { CancelRequest, CommitRequest, PaymentRequest, ReceiptLineInput, RefundRequest } from "../../client/index.js";
import { parseCrashPoints } from "../../shard/crash-points.js";
import { damageLogTail, readReceiptIndexFloors, type TornDamage } from "./crash-log-tail.js";
import { seededRandom, integerBetween, pick } from "../../domain/random/seeded-random.js";
import { ServerExitedError, startServerProcess, type ServerProcess } from "../../gateway/server-process.js";
import { runAsScript } from "../run-as-script.js";

// ---------------------------------------------------------------------------------------------------
// Options and summary
// ---------------------------------------------------------------------------------------------------

export interface CrashAuditOptions {
  readonly lanes: number;
  readonly operationsPerLane: number;
  readonly kills: number;
  readonly seed: number;
  /** An empty directory to use (kept afterwards); a fresh temporary one (removed afterwards) if absent. */
  readonly dataDirectory?: string;
  readonly log: (line: string) => void;
  /**
   * LOYCORE_CRASH_POINTS for the server, "name:probability,..." (shard/crash-points.ts), passed with
   * LOYCORE_FAULT_INJECTION=1: the server SIGKILLs itself at those points. Default: none.
   */
  readonly crashPoints?: string;
  /** Self-crashes after which starts run without fault injection. Default SELF_CRASHES_DEFAULT. */
  readonly selfCrashesMax?: number;
  /** After the lanes' run, wait until the server crashed by itself this many times (a violation if not in time). Default 0. */
  readonly awaitSelfCrashes?: number;
  /** Probability, 0 (default) to 1, that a crash is followed by a torn tail (see the file header). */
  readonly tornTail?: number;
  /** --shards for the server (shard threads). Default: the server's own. */
  readonly shards?: number;
  /** --checkpoint-interval-milliseconds for the server (a server that has the flag). Default: the server's own (2 s). */
  readonly checkpointIntervalMilliseconds?: number;
  /**
   * Family receipts (--families): each lane's two members join one family before the load, so every
   * commit, refund and cancel of the run is a family receipt whose points part goes to the pool on its
   * own shard (a second hop a kill can cut). The audit then checks each pool against the model of both
   * members' acknowledged answers, and each member's own account: no points, its own visits.
   */
  readonly families?: boolean;
}

export interface TornTailSummary {
  /** Crashes the seeded coin chose for a torn tail. */
  readonly attempted: number;
  /** Of those, tails damaged; and by form. */
  readonly made: number;
  readonly truncated: number;
  readonly garbled: number;
  /** Attempts with no record that could be damaged soundly (every shard's last record may have been answered). */
  readonly skipped: number;
  /** Log records lost to the damage ("torn records"), each of a request no client had an answer to. */
  readonly records: number;
  /** Of those, records of requests acknowledged to a client before the damage: 0 by construction. */
  readonly recordsAcknowledged: number;
  /** Of those, requests that ended ok (their retry applied them again, or a checkpoint had them). */
  readonly recordsOkInTheEnd: number;
  /** Damaged tails the restarted server reported cutting (shardRecovered with log.tornTail, same shard). */
  readonly cutByServer: number;
}

export interface RecoverySummary {
  /** Shard starts that reported a recovery (shardRecovered on stderr: records replayed or a torn tail). */
  readonly reports: number;
  /** Log records those starts found, replayed into LMDB, and skipped as covered by the last checkpoint. */
  readonly recordsFound: number;
  readonly recordsReplayed: number;
  readonly recordsCovered: number;
  /** Torn tails the server cut (whoever made them). */
  readonly tornTailsCut: number;
}

export interface CrashAuditSummary {
  readonly lanes: number;
  readonly operationsPerLane: number;
  readonly seed: number;
  /** Distinct requests (idempotency keys) the lanes made. */
  readonly operationsSent: number;
  /** Sends in total, retries included. */
  readonly sends: number;
  /** Requests answered ok during the run, before any retry. */
  readonly acknowledgedDuringRun: number;
  /** Requests refused with a code during the run. */
  readonly refusedDuringRun: number;
  /** Requests with no definite answer during the run (dropped connection, timeout). */
  readonly unknownAfterRun: number;
  /** Of those, how many the retries after the last restart found ok (applied before or by the retry). */
  readonly unknownResolvedOk: number;
  /** Of those, how many the retries found refused. */
  readonly unknownResolvedRefused: number;
  /** Requests ok in the end (acknowledged during the run or by a retry). */
  readonly acknowledged: number;
  /** SIGKILLs the audit sent. */
  readonly kills: number;
  /** The crash points the server ran with ("" for none). */
  readonly crashPoints: string;
  /** Times the server died by itself (a crash point), running or while starting; and of those, while starting. */
  readonly selfCrashes: number;
  readonly selfCrashesDuringStart: number;
  /** Restarts after a death (kills and self-crashes while running; a start retried after dying counts once). */
  readonly restarts: number;
  readonly tornTails: TornTailSummary;
  readonly recovery: RecoverySummary;
  /** Acknowledged requests whose re-send did not return the identical first answer. */
  readonly lost: number;
  /** Members whose balance, debt or visits show an operation applied more often than acknowledged. */
  readonly doubled: number;
  /** Members whose state disagrees with the model in any way (doubled included). */
  readonly modelMismatches: number;
  /** Unknown requests that never got a definite answer within the retry budget. */
  readonly unresolved: number;
  /** INTERNAL answers (a server fault, never expected). */
  readonly internalErrors: number;
  /** Requests ok in the end, by operation. */
  readonly acknowledgedByKind: Readonly<Record<Operation["kind"], number>>;
  /** Refusal codes (during the run and on retry) and how often. */
  readonly refusalCodes: Readonly<Record<string, number>>;
  readonly violations: readonly string[];
  readonly durationMilliseconds: number;
}

// ---------------------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------------------

export const LANES_MAX = 200;
export const OPERATIONS_PER_LANE_MAX = 10_000;
export const KILLS_MAX = 100;
/** Self-crashes before fault injection is switched off: bounds a run whose crash points fire often. */
export const SELF_CRASHES_DEFAULT = 100;
export const SELF_CRASHES_MAX = 10_000;
const SEED_MAX = 2 ** 31 - 1;
const SHARDS_MAX = 256;
const GATEWAY_START_TIMEOUT_MILLISECONDS = 60_000;
/** Starts of one restart that may die before listening (self-crashes) before the audit gives up. */
const START_ATTEMPTS_MAX = 20;
/** How long awaitSelfCrashes waits: the default checkpoint interval (2 s) several times over. */
const AWAIT_SELF_CRASHES_MILLISECONDS = 20_000;
const REQUEST_TIMEOUT_MILLISECONDS = 10_000;
/** Retries of one unknown request after the last restart. */
const RETRY_ATTEMPTS_MAX = 50;
const RETRY_DELAY_MILLISECONDS = 100;
const CONNECT_ATTEMPTS_MAX = 50;
/** Attempts of one admin request across crashes. */
const ADMIN_ATTEMPTS_MAX = 100;
/** The receipts' time: fixed, so every receipt of a run has a known time and a retry sends the same content. */
const RECEIPT_AT_BASE = 1_763_800_000_000;
const PROGRAM = {
  name: "crash audit: 10 % back, points pay up to the whole receipt",
  points: { accrualRateBasisPoints: 1000, maxRedeemShareBasisPoints: 10000 },
};

/** --families: the relay resolves a hold a kill left after this long (LOYCORE_FAMILY_HOLD_STALE_MILLISECONDS). */
const FAMILY_HOLD_STALE_FOR_AUDIT_MILLISECONDS = 1_000;
/** --families: how long the audit waits for a pool's holds to be resolved (several relay passes). */
const FAMILY_HOLDS_RESOLVED_WAIT_MILLISECONDS = 15_000;

/** The family of a lane's two members (--families). */
function familyOfLane(lane: number): string {
  return `audit-${lane}`;
}

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

// ---------------------------------------------------------------------------------------------------
// The gateway process
// ---------------------------------------------------------------------------------------------------

type Gateway = ServerProcess;

/** How a server process is started: its extra flags and environment. */
interface GatewayLaunch {
  readonly dataDirectory: string;
  readonly demoMembers: number;
  readonly extraArguments: readonly string[];
  /** Added to the audit's environment (fault injection). */
  readonly environment: Readonly<Record<string, string>>;
  /** Each line the process writes to stderr. */
  readonly onStderrLine: (line: string) => void;
}

/** Starts a server for the audit; one that exits before listening rejects with ServerExitedError. */
async function startGateway(launch: GatewayLaunch): Promise<Gateway> {
  const gateway = await startServerProcess(
    launch.dataDirectory,
    ["--demo", "--demo-members", String(launch.demoMembers), ...launch.extraArguments],
    launch.environment,
    { onStderrLine: launch.onStderrLine, startTimeoutMilliseconds: GATEWAY_START_TIMEOUT_MILLISECONDS },
  );
  // An exit other than a SIGKILL (ours or a crash point's) is a finding: show why.
  void gateway.exited.then(() => {
    if (gateway.child.signalCode !== "SIGKILL") process.stderr.write(`gateway exited on its own (${String(gateway.child.exitCode)}): ${gateway.stderrTail()}\n`);
  });
  return gateway;
}

async function adminRequest(url: string, token: string, method: "GET" | "PUT" | "POST", body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// ---------------------------------------------------------------------------------------------------
// Requests and their records
// ---------------------------------------------------------------------------------------------------

type Operation =
  | { readonly kind: "commit"; readonly request: CommitRequest }
  | { readonly kind: "refund"; readonly request: RefundRequest }
  | { readonly kind: "cancel"; readonly request: CancelRequest }
  | { readonly kind: "payment"; readonly request: PaymentRequest };

type Answer = Readonly<Record<string, unknown>>;

interface OperationRecord {
  readonly lane: number;
  readonly sequence: number;
  readonly card: string;
  readonly key: string;
  readonly operation: Operation;
  /** ok: the gateway answered ok; refused: a coded answer; unknown: no definite answer yet. */
  status: "ok" | "refused" | "unknown";
  /** Whether the definite answer came during the run (before any retry). */
  definiteDuringRun: boolean;
  answer?: Answer;
  code?: string;
  sends: number;
  /** The server (epoch) the last send went to; -1 before the first. */
  lastSendEpoch: number;
  /** Whether a torn tail took the record this request wrote, and whether it had been acknowledged then. */
  torn: boolean;
  acknowledgedWhenTorn: boolean;
}

type SendOutcome = { readonly kind: "ok"; readonly answer: Answer } | { readonly kind: "refused"; readonly code: string } | { readonly kind: "unknown"; readonly code: string };

async function send(client: LoycoreClient, operation: Operation): Promise<SendOutcome> {
  try {
    let answer: unknown;
    if (operation.kind === "commit") answer = await client.commit(operation.request);
    else if (operation.kind === "refund") answer = await client.refund(operation.request);
    else if (operation.kind === "payment") answer = await client.payment(operation.request);
    else answer = await client.cancel(operation.request);
    return { kind: "ok", answer: answer as Answer };
  } catch (error) {
    if (error instanceof LoycoreClientError) {
      // BUSY promises nothing was done; the client's own codes (DISCONNECTED, CLOSED, TIMEOUT) know nothing.
      if (error.source === "server" && error.code !== "BUSY") return { kind: "refused", code: error.code };
      return { kind: "unknown", code: error.code };
    }
    return { kind: "unknown", code: error instanceof Error ? error.message : String(error) };
  }
}

// ---------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------

interface LaneReceipt {
  readonly id: string;
  readonly card: string;
  readonly quantities: number[];
  readonly returned: number[];
  cancelRequested: boolean;
  /** What the receipt owes as its last acknowledged answer said (0 once a return or cancel was asked: not known exactly then). */
  unpaid: number;
}

/** A shard's recovery as its start reported it on stderr (shard/shard-worker.ts, "shardRecovered"). */
interface ShardRecovered {
  /** The restart whose start printed it (0: the first start). */
  readonly restart: number;
  readonly shard: number;
  readonly recordsFound: number;
  readonly recordsReplayed: number;
  readonly tornTail: boolean;
}

function parseShardRecovered(line: string, restart: number): ShardRecovered | null {
  if (!line.startsWith('{"event":"shardRecovered"')) return null;
  try {
    const parsed = JSON.parse(line) as { shard?: unknown; recordsReplayed?: unknown; log?: { recordsFound?: unknown; tornTail?: unknown } };
    return {
      restart,
      shard: typeof parsed.shard === "number" ? parsed.shard : -1,
      recordsFound: typeof parsed.log?.recordsFound === "number" ? parsed.log.recordsFound : 0,
      recordsReplayed: typeof parsed.recordsReplayed === "number" ? parsed.recordsReplayed : 0,
      tornTail: parsed.log?.tornTail !== null && parsed.log?.tornTail !== undefined,
    };
  } catch {
    return null;
  }
}

interface CoordinatorOptions {
  readonly dataDirectory: string;
  readonly demoMembers: number;
  readonly extraArguments: readonly string[];
  /** The fault-injection environment, or null for none. */
  readonly faultEnvironment: Readonly<Record<string, string>> | null;
  /** Every start's environment besides fault injection. */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  readonly selfCrashesMax: number;
  readonly log: (line: string) => void;
  /** Runs between a death and its restart, once every client of the dead server is closed (torn tails). */
  readonly afterDeath: (deadEpoch: number, restart: number) => Promise<void>;
}

/**
 * The server's life: starts, the audit's kills, its own crashes, restarts. One restart at a time (a
 * chain); `ready` is pending while the server is down, so lanes wait instead of sending into the void.
 */
class Coordinator {
  private current: Gateway | null = null;
  epoch = 0;
  ready: Promise<void> = Promise.resolve();
  killsDone = 0;
  selfCrashes = 0;
  selfCrashesDuringStart = 0;
  restarts = 0;
  /** Restarts whose first start died before listening (their torn tails may have gone unreported). */
  readonly restartsWithStartCrash = new Set<number>();
  readonly recovered: ShardRecovered[] = [];
  readonly clients = new Set<LoycoreClient>();
  adminToken = "";
  private chain: Promise<void> = Promise.resolve();
  private unblock: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  private readonly replaced = new WeakSet<Gateway>();
  private stopping = false;
  private failure: unknown = null;

  constructor(private readonly options: CoordinatorOptions) {}

  get gateway(): Gateway {
    if (this.current === null) throw new Error("the gateway has not started");
    return this.current;
  }

  /** The first start. */
  async start(): Promise<Gateway> {
    this.current = await this.startWithRetries();
    return this.current;
  }

  /** Queues a SIGKILL and restart; kills never overlap. */
  scheduleKill(delayMilliseconds: number): void {
    this.enqueue(async () => {
      await sleep(delayMilliseconds);
      if (this.stopping) return;
      const gateway = this.gateway;
      // It died by itself meanwhile: that restart first, then the kill of the new one.
      if (gateway.hasExited() && !gateway.killedByCaller()) await this.replace(gateway, "self-crash");
      await this.replace(this.gateway, "kill");
    });
  }

  /** Resolves once no restart is queued or running (rejects if one failed). */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.chain;
      await seen;
    } while (seen !== this.chain);
    if (this.failure !== null) throw this.failure;
  }

  /** Waits until the server crashed by itself `count` times or the time is up; whether it did. */
  async waitForSelfCrashes(count: number, milliseconds: number): Promise<boolean> {
    const deadline = Date.now() + milliseconds;
    while (this.selfCrashes < count && Date.now() < deadline && this.failure === null) await sleep(50);
    await this.settled();
    return this.selfCrashes >= count;
  }

  /** No restart from here on; the caller kills the last server. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.settled().catch(() => undefined);
    for (const client of this.clients) await client.close().catch(() => undefined);
    this.clients.clear();
    if (this.current !== null) await this.current.kill();
  }

  /** An admin request to whichever server is up, retried across crashes. */
  async admin(method: "GET" | "PUT" | "POST", path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    for (let attempt = 1; ; attempt += 1) {
      await this.ready;
      try {
        return await adminRequest(`${this.gateway.url}${path}`, this.adminToken, method, body);
      } catch (error) {
        if (attempt >= ADMIN_ATTEMPTS_MAX) throw error;
        await sleep(RETRY_DELAY_MILLISECONDS);
      }
    }
  }

  /** A client on the current gateway (waits while it restarts). */
  async connect(): Promise<{ client: LoycoreClient; epoch: number }> {
    for (let attempt = 1; ; attempt += 1) {
      await this.ready;
      const epoch = this.epoch;
      try {
        const client = await LoycoreClient.connect({
          url: this.gateway.webSocketUrl,
          token: this.gateway.terminalToken ?? "",
          reconnect: true,
          requestTimeoutMilliseconds: REQUEST_TIMEOUT_MILLISECONDS,
        });
        if (epoch !== this.epoch) {
          await client.close().catch(() => undefined);
          continue;
        }
        this.clients.add(client);
        return { client, epoch };
      } catch (error) {
        if (attempt >= CONNECT_ATTEMPTS_MAX) throw error;
        await sleep(RETRY_DELAY_MILLISECONDS);
      }
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure !== null) return;
      try {
        await step();
      } catch (error) {
        // A restart that fails leaves nothing to audit: waiters hear it, settled() rethrows it.
        this.failure = error;
        if (this.unblock === null) this.ready = Promise.reject(error);
        else this.unblock.reject(error);
        this.ready.catch(() => undefined);
        this.unblock = null;
      }
    });
  }

  private block(): void {
    if (this.unblock !== null) return;
    this.ready = new Promise<void>((resolve, reject) => {
      this.unblock = { resolve, reject };
    });
    this.ready.catch(() => undefined);
  }

  private release(): void {
    const unblock = this.unblock;
    this.unblock = null;
    unblock?.resolve();
  }

  /** Notices a server that dies without the audit's kill and restarts it. */
  private watch(gateway: Gateway): void {
    void gateway.exited.then(() => {
      if (this.stopping || gateway.killedByCaller() || this.replaced.has(gateway)) return;
      this.block();
      this.enqueue(() => this.replace(gateway, "self-crash"));
    });
  }

  /** After a death (the audit's kill, or the server's own crash): close its clients, afterDeath, start again. */
  private async replace(old: Gateway, cause: "kill" | "self-crash"): Promise<void> {
    if (this.replaced.has(old) || this.stopping) return;
    this.replaced.add(old);
    this.block();
    const started = Date.now();
    const deadEpoch = this.epoch;
    if (cause === "kill") {
      await old.kill();
      this.killsDone += 1;
    } else {
      await old.exited;
      this.selfCrashes += 1;
    }
    for (const client of this.clients) await client.close().catch(() => undefined);
    this.clients.clear();
    this.restarts += 1;
    await this.options.afterDeath(deadEpoch, this.restarts);
    this.current = await this.startWithRetries();
    this.epoch += 1;
    const what = cause === "kill" ? `kill ${this.killsDone}: SIGKILL` : `self-crash ${this.selfCrashes}: the server died by itself;`;
    this.options.log(`${what} restart in ${Date.now() - started} ms, now ${this.gateway.webSocketUrl}`);
    this.release();
  }

  /** Starts a server; one that dies by a crash point before listening is started again. */
  private async startWithRetries(): Promise<Gateway> {
    const restart = this.restarts;
    for (let attempt = 1; ; attempt += 1) {
      const faulty = this.options.faultEnvironment !== null && this.selfCrashes < this.options.selfCrashesMax;
      try {
        const gateway = await startGateway({
          dataDirectory: this.options.dataDirectory,
          demoMembers: this.options.demoMembers,
          extraArguments: this.options.extraArguments,
          environment: { ...this.options.baseEnvironment, ...(faulty ? (this.options.faultEnvironment ?? {}) : {}) },
          onStderrLine: (line) => {
            const recovered = parseShardRecovered(line, restart);
            if (recovered !== null) this.recovered.push(recovered);
          },
        });
        this.watch(gateway);
        return gateway;
      } catch (error) {
        if (!(error instanceof ServerExitedError) || error.signal !== "SIGKILL" || !faulty || attempt >= START_ATTEMPTS_MAX) throw error;
        this.selfCrashes += 1;
        this.selfCrashesDuringStart += 1;
        this.restartsWithStartCrash.add(restart);
        this.options.log(`self-crash ${this.selfCrashes}: the server died by itself while starting; starting it again`);
      }
    }
  }
}

class Lane {
  private client: LoycoreClient | undefined;
  private clientEpoch = -1;

  constructor(private readonly coordinator: Coordinator) {}

  /** The server the current client talks to. */
  get epoch(): number {
    return this.clientEpoch;
  }

  async current(): Promise<LoycoreClient> {
    await this.coordinator.ready;
    if (this.client === undefined || this.clientEpoch !== this.coordinator.epoch) {
      if (this.client !== undefined) {
        this.coordinator.clients.delete(this.client);
        await this.client.close().catch(() => undefined);
      }
      const connected = await this.coordinator.connect();
      this.client = connected.client;
      this.clientEpoch = connected.epoch;
    }
    return this.client;
  }

  async close(): Promise<void> {
    if (this.client !== undefined) {
      this.coordinator.clients.delete(this.client);
      await this.client.close().catch(() => undefined);
      this.client = undefined;
    }
  }
}

function numberField(answer: Answer | undefined, field: string): number {
  const value = answer?.[field];
  return typeof value === "number" ? value : 0;
}

function validateOptions(options: CrashAuditOptions): void {
  const { lanes, operationsPerLane, kills, seed } = options;
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > LANES_MAX) throw new RangeError(`lanes must be 1-${LANES_MAX}`);
  if (!Number.isInteger(operationsPerLane) || operationsPerLane < 1 || operationsPerLane > OPERATIONS_PER_LANE_MAX) {
    throw new RangeError(`operationsPerLane must be 1-${OPERATIONS_PER_LANE_MAX}`);
  }
  if (!Number.isInteger(kills) || kills < 0 || kills > KILLS_MAX) throw new RangeError(`kills must be 0-${KILLS_MAX}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > SEED_MAX) throw new RangeError(`seed must be 0-${SEED_MAX}`);
  if (options.crashPoints !== undefined) parseCrashPoints(options.crashPoints);
  const selfCrashesMax = options.selfCrashesMax ?? SELF_CRASHES_DEFAULT;
  if (!Number.isInteger(selfCrashesMax) || selfCrashesMax < 0 || selfCrashesMax > SELF_CRASHES_MAX) throw new RangeError(`selfCrashesMax must be 0-${SELF_CRASHES_MAX}`);
  const awaitSelfCrashes = options.awaitSelfCrashes ?? 0;
  if (!Number.isInteger(awaitSelfCrashes) || awaitSelfCrashes < 0 || awaitSelfCrashes > selfCrashesMax) {
    throw new RangeError(`awaitSelfCrashes must be 0-${selfCrashesMax} (selfCrashesMax)`);
  }
  if (awaitSelfCrashes > 0 && (options.crashPoints ?? "").trim() === "") throw new RangeError("awaitSelfCrashes needs crashPoints");
  const tornTail = options.tornTail ?? 0;
  if (!(tornTail >= 0 && tornTail <= 1)) throw new RangeError("tornTail is a probability from 0 to 1");
  if (options.shards !== undefined && (!Number.isInteger(options.shards) || options.shards < 1 || options.shards > SHARDS_MAX)) {
    throw new RangeError(`shards must be 1-${SHARDS_MAX}`);
  }
  const interval = options.checkpointIntervalMilliseconds;
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 1)) throw new RangeError("checkpointIntervalMilliseconds must be a positive integer");
}

export async function runCrashAudit(options: CrashAuditOptions): Promise<CrashAuditSummary> {
  validateOptions(options);
  const started = Date.now();
  const ownDirectory = options.dataDirectory === undefined;
  const dataDirectory = options.dataDirectory ?? (await mkdtemp(join(tmpdir(), "loycore-crash-audit-")));
  const run = new CrashAuditRun(options, dataDirectory, started);
  try {
    return await run.execute();
  } finally {
    await run.close();
    if (ownDirectory) await rm(dataDirectory, { recursive: true, force: true });
  }
}

type MemberState = { balance: number; debt: number; visits: number };

/** What the lanes' run left: the counts logged after it and reported in the summary. */
interface RunCounts {
  readonly allRecords: readonly OperationRecord[];
  readonly unknownAfterRun: number;
  readonly acknowledgedDuringRun: number;
  readonly refusedDuringRun: number;
}

/** What the phases after the run found: the requests ok in the end, the retries' outcome, the violations counted. */
interface AuditResults {
  readonly acknowledgedRecords: readonly OperationRecord[];
  readonly unknownResolvedOk: number;
  readonly unknownResolvedRefused: number;
  readonly lost: number;
  readonly doubled: number;
  readonly modelMismatches: number;
  readonly unresolved: number;
}

/** The cost of the torn tails and whether each restart cut its tail (checkTornTails). */
interface TornTailCheck {
  readonly tornRecords: readonly OperationRecord[];
  readonly tornAcknowledged: readonly OperationRecord[];
  readonly cutByServer: number;
}

/** The seeded moments of the audit's kills: after these many operations were started, over all lanes, and the delay. */
interface KillPlan {
  readonly thresholds: readonly number[];
  readonly delays: readonly number[];
}

function planKills(seed: number, total: number, kills: number): KillPlan {
  const killRandom = seededRandom(seed ^ 0x5bd1e995);
  const thresholds = Array.from({ length: kills }, () => integerBetween(killRandom, Math.floor(total * 0.05), Math.max(1, Math.floor(total * 0.9))))
    .sort((a, b) => a - b);
  const delays = thresholds.map(() => integerBetween(killRandom, 0, 25));
  return { thresholds, delays };
}

/**
 * One crash audit, phase by phase (execute): the first start and the program, the lanes' load with the
 * kills, the wait for self-crashes, the retry of unknown requests, the re-send of acknowledged ones, the
 * members against the model, the kill and torn-tail checks, the summary. close() ends it, whatever happened.
 */
class CrashAuditRun {
  private readonly lanes: number;
  private readonly operationsPerLane: number;
  private readonly log: (line: string) => void;
  private readonly crashPoints: string;
  private readonly tornTail: number;
  private readonly violations: string[] = [];
  private readonly demoMembers: number;
  private readonly records: OperationRecord[][];
  private readonly byKey = new Map<string, OperationRecord>();
  private readonly coordinator: Coordinator;
  private readonly laneHandles: Lane[] = [];
  // Torn tails: decided with their own seeded random, applied between a death and its restart.
  private readonly tornRandom: () => number;
  private readonly tornDamages: { damage: TornDamage; restart: number }[] = [];
  private tornAttempted = 0;
  private tornSkipped = 0;
  // Set by startAndInstallProgram.
  private cards: string[] = [];
  private readonly initial = new Map<string, MemberState>();
  /** --families: each lane's pool before the load (its members' points moved in at the join). */
  private readonly poolsInitial = new Map<number, { balance: number; debt: number; held: number }>();
  // The lanes' progress towards the next kill.
  private operationsStarted = 0;
  private nextKill = 0;
  private internalErrors = 0;
  /** Receives the server's points.accrued events: every acknowledged commit's must arrive. */
  private readonly events = new EventReceiver();

  constructor(
    private readonly options: CrashAuditOptions,
    private readonly dataDirectory: string,
    private readonly started: number,
  ) {
    this.lanes = options.lanes;
    this.operationsPerLane = options.operationsPerLane;
    this.log = options.log;
    this.crashPoints = (options.crashPoints ?? "").trim();
    this.tornTail = options.tornTail ?? 0;
    this.demoMembers = options.lanes * 2;
    this.records = Array.from({ length: options.lanes }, () => []);
    this.tornRandom = seededRandom((options.seed ^ 0x27d4eb2f) >>> 0);
    const extraArguments = [
      ...(options.shards === undefined ? [] : ["--shards", String(options.shards)]),
      ...(options.checkpointIntervalMilliseconds === undefined ? [] : ["--checkpoint-interval-milliseconds", String(options.checkpointIntervalMilliseconds)]),
    ];
    this.coordinator = new Coordinator({
      dataDirectory,
      demoMembers: this.demoMembers,
      extraArguments,
      faultEnvironment: this.crashPoints === "" ? null : { LOYCORE_FAULT_INJECTION: "1", LOYCORE_CRASH_POINTS: this.crashPoints },
      // Holds a kill left between a family receipt's two hops are resolved within the run (any value is safe).
      baseEnvironment: options.families === true ? { LOYCORE_FAMILY_HOLD_STALE_MILLISECONDS: String(FAMILY_HOLD_STALE_FOR_AUDIT_MILLISECONDS) } : {},
      selfCrashesMax: options.selfCrashesMax ?? SELF_CRASHES_DEFAULT,
      log: this.log,
      afterDeath: (deadEpoch, restart) => this.tearTailAfterDeath(deadEpoch, restart),
    });
  }

  async execute(): Promise<CrashAuditSummary> {
    await this.startAndInstallProgram();
    await this.runLanes();
    await this.awaitSelfCrashesAfterRun();
    const counts = this.countRun();
    // 1. Unknown requests again, in each lane's order, until a definite answer.
    const unresolved = await this.retryUnknownRequests();
    const unknownRecords = counts.allRecords.filter((record) => !record.definiteDuringRun);
    const unknownResolvedOk = unknownRecords.filter((record) => record.status === "ok").length;
    const unknownResolvedRefused = unknownRecords.filter((record) => record.status === "refused").length;
    // 2. Every acknowledged request again: the identical first answer.
    const acknowledgedRecords = counts.allRecords.filter((record) => record.status === "ok");
    const lost = await this.resendAcknowledgedRequests();
    // 3. The auditor: every member's state from the acknowledged answers alone.
    const { doubled, modelMismatches } = await this.auditMembers(acknowledgedRecords);
    // 4. Every acknowledged commit that accrued points has its event, and no event names anything else.
    await this.auditEvents(acknowledgedRecords);
    await this.coordinator.settled();
    if (this.coordinator.killsDone !== this.options.kills) this.violations.push(`${this.coordinator.killsDone} kills done, ${this.options.kills} asked`);
    if (this.internalErrors > 0) this.violations.push(`${this.internalErrors} INTERNAL answers`);
    const torn = this.checkTornTails(counts.allRecords);
    return this.summarize(counts, { acknowledgedRecords, unknownResolvedOk, unknownResolvedRefused, lost, doubled, modelMismatches, unresolved }, torn);
  }

  /** Closes the lanes' clients and stops the coordinator, which kills the last server. */
  async close(): Promise<void> {
    for (const lane of this.laneHandles) await lane.close();
    await this.coordinator.stop();
    await this.events.stop();
  }

  /** The outbox's promise: an acknowledged commit's event is in its own log record, so it is delivered whatever the kills did. */
  private async auditEvents(acknowledged: readonly OperationRecord[]): Promise<void> {
    const expected = new Set<string>();
    for (const record of acknowledged) {
      if (record.operation.kind === "commit" && numberField(record.answer, "points") > 0) expected.add(String(record.answer?.["transaction"]));
    }
    const { missing, unexpected } = await this.events.awaitTransactions(expected);
    this.log(`events: ${this.events.transactions.size} points.accrued delivered for ${expected.size} acknowledged commits that accrued points`);
    if (missing.length > 0) this.violations.push(`${missing.length} acknowledged commits without their event (e.g. ${missing.slice(0, 3).join(", ")})`);
    if (unexpected.length > 0) this.violations.push(`${unexpected.length} events of no acknowledged commit (e.g. ${unexpected.slice(0, 3).join(", ")})`);
    if (this.events.badSignatures > 0) this.violations.push(`${this.events.badSignatures} deliveries whose signature did not verify`);
  }

  /** Between a death and its restart, with the seeded probability: a torn tail of one shard's newest log segment. */
  private async tearTailAfterDeath(deadEpoch: number, restart: number): Promise<void> {
    if (this.tornTail <= 0 || this.tornRandom() >= this.tornTail) return;
    this.tornAttempted += 1;
    // Every client of the dead server is closed: an answer not in a record's status now never arrives.
    const outcome = await damageLogTail({
      dataDirectory: this.dataDirectory,
      random: this.tornRandom,
      floors: await readReceiptIndexFloors(this.dataDirectory),
      eligible: (key) => {
        const record = this.byKey.get(key);
        return record !== undefined && record.status === "unknown" && record.lastSendEpoch === deadEpoch;
      },
    });
    if (outcome.kind === "skipped") {
      this.tornSkipped += 1;
      this.log(`torn tail before restart ${restart}: none made (${outcome.reason})`);
      return;
    }
    const damage = outcome.damage;
    this.tornDamages.push({ damage, restart });
    for (const tailRecord of damage.records) {
      const record = tailRecord.requestKey === null ? undefined : this.byKey.get(tailRecord.requestKey);
      if (record === undefined) continue;
      record.torn = true;
      if (record.status === "ok") record.acknowledgedWhenTorn = true;
    }
    const sequences = damage.records.map((record) => record.sequence);
    this.log(
      `torn tail before restart ${restart}: shard ${damage.shard} ${damage.segmentPath.split("/").at(-1) ?? ""}, ${damage.form} at offset ${damage.offset} ` +
        `(${damage.bytes} bytes): records ${sequences[0]}-${sequences.at(-1)} of ${damage.records.map((record) => record.requestKey).join(", ")}`,
    );
  }

  /** The first start, the admin token, the demo cards, the points program, and every member's state before the run. */
  private async startAndInstallProgram(): Promise<void> {
    const first = await this.coordinator.start();
    const adminToken = first.adminToken;
    if (adminToken === null) throw new Error("the gateway announced no admin token: the data directory must be fresh");
    this.coordinator.adminToken = adminToken;
    if (first.demoCards.length < this.demoMembers) throw new Error(`the gateway has ${first.demoCards.length} demo cards, ${this.demoMembers} needed`);
    const installed = await this.coordinator.admin("PUT", "/v1/admin/program", PROGRAM);
    if (installed.status !== 200) throw new Error(`PUT /v1/admin/program answered ${installed.status}: ${JSON.stringify(installed.body)}`);
    const webhook = await this.coordinator.admin("POST", "/v1/admin/webhooks", { ...AUDIT_WEBHOOK, url: await this.events.start(), kinds: ["points.accrued"] });
    if (webhook.status !== 200) throw new Error(`POST /v1/admin/webhooks answered ${webhook.status}: ${JSON.stringify(webhook.body)}`);
    this.cards = first.demoCards.slice(0, this.demoMembers);
    if (this.options.families === true) await this.joinFamilies();
    for (const card of this.cards) this.initial.set(card, readState(await this.memberView(card)));
  }

  /** --families: each lane's two members join the lane's family; the pools' points before the load. */
  private async joinFamilies(): Promise<void> {
    for (let lane = 0; lane < this.lanes; lane += 1) {
      for (const [index, card] of [this.cards[lane * 2] ?? "", this.cards[lane * 2 + 1] ?? ""].entries()) {
        const member = String((await this.memberView(card))["member"]);
        const joined = await this.coordinator.admin("POST", `/v1/admin/families/${familyOfLane(lane)}/join`, { id: `join-${lane}-${index}`, member });
        if (joined.status !== 200) throw new Error(`join of ${card} answered ${joined.status}: ${JSON.stringify(joined.body)}`);
      }
      this.poolsInitial.set(lane, await this.poolState(lane));
    }
  }

  /** A family pool's balance, debt and held points (admin view), once its holds are resolved. */
  private async poolState(lane: number): Promise<{ balance: number; debt: number; held: number }> {
    const view = await this.coordinator.admin("GET", `/v1/admin/families/${familyOfLane(lane)}`);
    if (view.status === 404) return { balance: 0, debt: 0, held: 0 };
    if (view.status !== 200) throw new Error(`pool of lane ${lane} answered ${view.status}: ${JSON.stringify(view.body)}`);
    const points = view.body["points"] as Record<string, unknown> | undefined;
    return { balance: numberField(view.body, "balance"), debt: numberField(points, "debt"), held: numberField(points, "held") };
  }

  /**
   * --families: per lane, the pool against the model of both members' acknowledged answers (once the
   * relay has resolved the holds kills left: FAMILY_HOLD_STALE_FOR_AUDIT_MILLISECONDS), each member's own
   * account (no points, its visits), and the balance operation of each card (the pool's).
   */
  private async auditFamilies(byCard: ReadonlyMap<string, readonly OperationRecord[]>): Promise<{ doubled: number; modelMismatches: number }> {
    let doubled = 0;
    let modelMismatches = 0;
    for (let lane = 0; lane < this.lanes; lane += 1) {
      const cards = [this.cards[lane * 2] ?? "", this.cards[lane * 2 + 1] ?? ""];
      const start = this.poolsInitial.get(lane) ?? { balance: 0, debt: 0, held: 0 };
      let net = start.balance - start.debt;
      const problems: string[] = [];
      for (const card of cards) {
        const memberStart = this.initial.get(card) ?? { balance: 0, debt: 0, visits: 0 };
        const model = replayMember({ balance: 0, debt: 0, visits: memberStart.visits }, byCard.get(card) ?? []);
        net += model.net;
        const own = readState(await this.memberView(card));
        if (own.visits !== model.visits) problems.push(`member ${card}: visits ${own.visits}, the model says ${model.visits}`);
        if (own.balance !== 0 || own.debt !== 0) problems.push(`member ${card}: own balance ${own.balance} debt ${own.debt}, expected none (the pool has the points)`);
      }
      let pool = await this.poolState(lane);
      for (let waited = 0; pool.held > 0 && waited < FAMILY_HOLDS_RESOLVED_WAIT_MILLISECONDS; waited += 250) {
        await sleep(250);
        pool = await this.poolState(lane);
      }
      if (pool.held !== 0) problems.push(`pool of lane ${lane}: ${pool.held} points still held`);
      if (pool.balance - pool.debt !== net) problems.push(`pool of lane ${lane}: balance - debt is ${pool.balance - pool.debt}, the model says ${net}`);
      for (const card of cards) {
        const seen = await this.balanceOf(card);
        if (seen.balance !== pool.balance || seen.debt !== pool.debt) problems.push(`member ${card}: the balance operation says ${seen.balance}/${seen.debt}, the pool ${pool.balance}/${pool.debt}`);
      }
      if (problems.length > 0) {
        modelMismatches += 1;
        if (pool.balance - pool.debt > net) doubled += 1;
        this.violations.push(...problems);
      }
    }
    return { doubled, modelMismatches };
  }

  private async memberView(card: string): Promise<Record<string, unknown>> {
    const view = await this.coordinator.admin("GET", `/v1/admin/members?card=${encodeURIComponent(card)}`);
    if (view.status !== 200) throw new Error(`admin view of ${card} answered ${view.status}: ${JSON.stringify(view.body)}`);
    return view.body;
  }

  /** The lanes' load, all lanes at once; the kills are scheduled as the operations pass their seeded moments. */
  private async runLanes(): Promise<void> {
    const killPlan = planKills(this.options.seed, this.lanes * this.operationsPerLane, this.options.kills);
    await Promise.all(Array.from({ length: this.lanes }, (_, index) => this.runLane(index, killPlan)));
    await this.coordinator.settled();
  }

  private async runLane(laneIndex: number, killPlan: KillPlan): Promise<void> {
    const random = seededRandom((this.options.seed * 1_000_003 + laneIndex * 7919 + 1) >>> 0);
    const lane = new Lane(this.coordinator);
    this.laneHandles.push(lane);
    const laneCards = [this.cards[laneIndex * 2] ?? "", this.cards[laneIndex * 2 + 1] ?? ""];
    const knownBalance = new Map<string, number>(laneCards.map((card) => [card, this.initial.get(card)?.balance ?? 0]));
    const receipts: LaneReceipt[] = [];
    for (let sequence = 0; sequence < this.operationsPerLane; sequence += 1) {
      this.operationStarted(killPlan);
      const record = planOperation(random, laneIndex, sequence, laneCards, knownBalance, receipts);
      this.records[laneIndex]?.push(record);
      this.byKey.set(record.key, record);
      const outcome = await this.sendRecord(lane, record);
      this.applyAndCount(record, outcome, true);
      if (outcome.kind === "ok") learn(record, outcome.answer, knownBalance, receipts);
    }
  }

  /** Counts an operation started and schedules the kills whose moment it reached. */
  private operationStarted(killPlan: KillPlan): void {
    this.operationsStarted += 1;
    while (this.nextKill < killPlan.thresholds.length && this.operationsStarted >= (killPlan.thresholds[this.nextKill] ?? Infinity)) {
      this.coordinator.scheduleKill(killPlan.delays[this.nextKill] ?? 0);
      this.nextKill += 1;
    }
  }

  /** One send of a record's request on the lane's current client. */
  private async sendRecord(lane: Lane, record: OperationRecord): Promise<SendOutcome> {
    const client = await lane.current();
    record.sends += 1;
    record.lastSendEpoch = lane.epoch;
    return send(client, record.operation);
  }

  private applyAndCount(record: OperationRecord, outcome: SendOutcome, duringRun: boolean): void {
    applyOutcome(record, outcome, duringRun);
    if (outcome.kind === "refused" && outcome.code === "INTERNAL") this.internalErrors += 1;
  }

  /** awaitSelfCrashes: waits after the run for the server's own crashes; a violation if they do not come. */
  private async awaitSelfCrashesAfterRun(): Promise<void> {
    const awaitSelfCrashes = this.options.awaitSelfCrashes ?? 0;
    if (awaitSelfCrashes <= this.coordinator.selfCrashes) return;
    this.log(`waiting for self-crashes: ${this.coordinator.selfCrashes} of ${awaitSelfCrashes} so far`);
    if (!(await this.coordinator.waitForSelfCrashes(awaitSelfCrashes, AWAIT_SELF_CRASHES_MILLISECONDS))) {
      this.violations.push(`${this.coordinator.selfCrashes} self-crashes within ${AWAIT_SELF_CRASHES_MILLISECONDS} ms after the run, ${awaitSelfCrashes} awaited`);
    }
  }

  /** The requests' statuses after the run, logged. */
  private countRun(): RunCounts {
    const allRecords = this.records.flat();
    const unknownAfterRun = allRecords.filter((record) => record.status === "unknown").length;
    const acknowledgedDuringRun = allRecords.filter((record) => record.status === "ok").length;
    const refusedDuringRun = allRecords.filter((record) => record.status === "refused").length;
    this.log(
      `run: ${allRecords.length} operations, ${acknowledgedDuringRun} acknowledged, ${refusedDuringRun} refused, ` +
        `${unknownAfterRun} unknown, ${this.coordinator.killsDone} kills, ${this.coordinator.selfCrashes} self-crashes, ${this.tornDamages.length} torn tails`,
    );
    return { allRecords, unknownAfterRun, acknowledgedDuringRun, refusedDuringRun };
  }

  /** The lane that sends a lane's records again after the run. */
  private laneFor(laneIndex: number): Lane {
    return this.laneHandles[laneIndex] ?? new Lane(this.coordinator);
  }

  /** Every unknown request again, in each lane's order, until a definite answer; how many got none. */
  private async retryUnknownRequests(): Promise<number> {
    let unresolved = 0;
    await Promise.all(
      this.records.map(async (laneRecords, laneIndex) => {
        const lane = this.laneFor(laneIndex);
        for (const record of laneRecords) {
          if (record.status !== "unknown") continue;
          for (let attempt = 0; attempt < RETRY_ATTEMPTS_MAX && record.status === "unknown"; attempt += 1) {
            if (attempt > 0) await sleep(RETRY_DELAY_MILLISECONDS);
            this.applyAndCount(record, await this.sendRecord(lane, record), false);
          }
          if (record.status === "unknown") {
            unresolved += 1;
            this.violations.push(`${record.key}: no definite answer after ${RETRY_ATTEMPTS_MAX} retries (${record.code ?? "?"})`);
          }
        }
      }),
    );
    return unresolved;
  }

  /** Every acknowledged request again: it must return the identical first answer; how many did not (lost). */
  private async resendAcknowledgedRequests(): Promise<number> {
    let lost = 0;
    await Promise.all(
      this.records.map(async (laneRecords, laneIndex) => {
        const lane = this.laneFor(laneIndex);
        for (const record of laneRecords) {
          if (record.status !== "ok") continue;
          let outcome: SendOutcome = { kind: "unknown", code: "NOT_SENT" };
          for (let attempt = 0; attempt < RETRY_ATTEMPTS_MAX && outcome.kind === "unknown"; attempt += 1) {
            if (attempt > 0) await sleep(RETRY_DELAY_MILLISECONDS);
            outcome = await this.sendRecord(lane, record);
          }
          if (outcome.kind !== "ok" || !isDeepStrictEqual(outcome.answer, record.answer)) {
            lost += 1;
            this.violations.push(
              `lost: ${record.key} (${record.definiteDuringRun ? "acknowledged during the run" : "ok on retry"}${record.torn ? ", its record torn" : ""}) answered ` +
                `${JSON.stringify(record.answer)} first, now ${outcome.kind === "ok" ? JSON.stringify(outcome.answer) : outcome.code}`,
            );
          }
        }
      }),
    );
    return lost;
  }

  /** Every member's state against the model replayed from the acknowledged answers alone. */
  private async auditMembers(acknowledgedRecords: readonly OperationRecord[]): Promise<{ doubled: number; modelMismatches: number }> {
    let doubled = 0;
    let modelMismatches = 0;
    const byCard = new Map<string, OperationRecord[]>();
    for (const record of acknowledgedRecords) {
      const list = byCard.get(record.card) ?? [];
      list.push(record);
      byCard.set(record.card, list);
    }
    if (this.options.families === true) return this.auditFamilies(byCard);
    for (const card of this.cards) {
      const start = this.initial.get(card) ?? { balance: 0, debt: 0, visits: 0 };
      const model = replayMember(start, byCard.get(card) ?? []);
      const view = await this.memberView(card);
      const state = readState(view);
      const points = view["points"] as Record<string, unknown> | undefined;
      const balance = await this.balanceOf(card);
      const problems = compareWithModel(start, model, state, balance, points);
      if (problems.length > 0) {
        modelMismatches += 1;
        // More points or visits than acknowledged: something was applied twice (or applied unacknowledged).
        if (state.balance - state.debt > model.net || state.visits > model.visits) doubled += 1;
        this.violations.push(`member ${card}: ${problems.join("; ")}`);
      }
    }
    return { doubled, modelMismatches };
  }

  /** The balance operation for a card, retried across crashes (on the first lane's client). */
  private async balanceOf(card: string): Promise<{ balance: number; debt: number }> {
    const lane = this.laneFor(0);
    for (let attempt = 1; ; attempt += 1) {
      const client = await lane.current();
      try {
        return await client.balance({ card });
      } catch (error) {
        const retriable = error instanceof LoycoreClientError && (error.source !== "server" || error.code === "BUSY");
        if (!retriable || attempt >= RETRY_ATTEMPTS_MAX) throw error;
        await sleep(RETRY_DELAY_MILLISECONDS);
      }
    }
  }

  /** Torn tails: what they cost, and whether each restart cut its tail. */
  private checkTornTails(allRecords: readonly OperationRecord[]): TornTailCheck {
    const tornRecords = allRecords.filter((record) => record.torn);
    const tornAcknowledged = tornRecords.filter((record) => record.acknowledgedWhenTorn || (record.status === "ok" && record.definiteDuringRun));
    if (tornAcknowledged.length > 0) {
      this.violations.push(`torn records of acknowledged requests (the damage took an answer back): ${tornAcknowledged.map((record) => record.key).join(", ")}`);
    }
    let cutByServer = 0;
    for (const { damage, restart } of this.tornDamages) {
      if (this.coordinator.recovered.some((event) => event.restart === restart && event.shard === damage.shard && event.tornTail)) cutByServer += 1;
      else if (!this.coordinator.restartsWithStartCrash.has(restart)) {
        this.violations.push(`restart ${restart}: shard ${damage.shard} did not report cutting the torn tail made at offset ${damage.offset} of ${damage.segmentPath}`);
      }
    }
    return { tornRecords, tornAcknowledged, cutByServer };
  }

  /** The summary, from the run's counts, the later phases' results and the torn-tail check. */
  private summarize(counts: RunCounts, results: AuditResults, torn: TornTailCheck): CrashAuditSummary {
    const { allRecords } = counts;
    const { acknowledgedRecords } = results;
    const tornDamages = this.tornDamages;
    const recovered = this.coordinator.recovered;
    return {
      lanes: this.lanes,
      operationsPerLane: this.operationsPerLane,
      seed: this.options.seed,
      operationsSent: allRecords.length,
      sends: allRecords.reduce((sum, record) => sum + record.sends, 0),
      acknowledgedDuringRun: counts.acknowledgedDuringRun,
      refusedDuringRun: counts.refusedDuringRun,
      unknownAfterRun: counts.unknownAfterRun,
      unknownResolvedOk: results.unknownResolvedOk,
      unknownResolvedRefused: results.unknownResolvedRefused,
      acknowledged: acknowledgedRecords.length,
      kills: this.coordinator.killsDone,
      crashPoints: this.crashPoints,
      selfCrashes: this.coordinator.selfCrashes,
      selfCrashesDuringStart: this.coordinator.selfCrashesDuringStart,
      restarts: this.coordinator.restarts,
      tornTails: {
        attempted: this.tornAttempted,
        made: tornDamages.length,
        truncated: tornDamages.filter(({ damage }) => damage.form === "truncate").length,
        garbled: tornDamages.filter(({ damage }) => damage.form === "garble").length,
        skipped: this.tornSkipped,
        records: tornDamages.reduce((sum, { damage }) => sum + damage.records.length, 0),
        recordsAcknowledged: torn.tornAcknowledged.length,
        recordsOkInTheEnd: torn.tornRecords.filter((record) => record.status === "ok").length,
        cutByServer: torn.cutByServer,
      },
      recovery: {
        reports: recovered.length,
        recordsFound: recovered.reduce((sum, event) => sum + event.recordsFound, 0),
        recordsReplayed: recovered.reduce((sum, event) => sum + event.recordsReplayed, 0),
        recordsCovered: recovered.reduce((sum, event) => sum + Math.max(0, event.recordsFound - event.recordsReplayed), 0),
        tornTailsCut: recovered.filter((event) => event.tornTail).length,
      },
      lost: results.lost,
      doubled: results.doubled,
      modelMismatches: results.modelMismatches,
      unresolved: results.unresolved,
      internalErrors: this.internalErrors,
      acknowledgedByKind: {
        commit: acknowledgedRecords.filter((record) => record.operation.kind === "commit").length,
        refund: acknowledgedRecords.filter((record) => record.operation.kind === "refund").length,
        cancel: acknowledgedRecords.filter((record) => record.operation.kind === "cancel").length,
        payment: acknowledgedRecords.filter((record) => record.operation.kind === "payment").length,
      },
      refusalCodes: countCodes(allRecords),
      violations: this.violations,
      durationMilliseconds: Date.now() - this.started,
    };
  }
}

/** A member as the model has it: net points (balance - debt), debt added, visits; replayed from its acknowledged answers. */
interface MemberModel {
  readonly net: number;
  readonly debtAdded: number;
  readonly visits: number;
}

function replayMember(start: MemberState, acknowledged: readonly OperationRecord[]): MemberModel {
  let net = start.balance - start.debt;
  let debtAdded = 0;
  let visits = start.visits;
  for (const record of acknowledged) {
    const answer = record.answer;
    if (record.operation.kind === "commit") {
      net += numberField(answer, "points") - numberField(answer, "redeem");
      visits += 1;
    } else if (record.operation.kind === "payment") {
      // Money, not points: a payment changes the paid counters only.
    } else {
      net += numberField(answer, "pointsReturned") - numberField(answer, "pointsRevoked");
      debtAdded += numberField(answer, "debtAdded");
      if (record.operation.kind === "cancel" && answer?.["cancelled"] === "receipt") visits -= 1;
    }
  }
  return { net, debtAdded, visits };
}

/** Where a member's admin view and balance operation disagree with the model (empty: they agree). */
function compareWithModel(
  start: MemberState,
  model: MemberModel,
  state: MemberState,
  balance: { balance: number; debt: number },
  points: Record<string, unknown> | undefined,
): string[] {
  const { net, debtAdded, visits } = model;
  const problems: string[] = [];
  if (state.balance - state.debt !== net) problems.push(`balance - debt is ${state.balance - state.debt}, the model says ${net}`);
  if (debtAdded === 0 && start.debt === 0 && (state.balance !== net || state.debt !== 0)) {
    problems.push(`balance ${state.balance} debt ${state.debt}, the model says balance ${net} debt 0`);
  }
  if (state.visits !== visits) problems.push(`visits ${state.visits}, the model says ${visits}`);
  if (balance.balance !== state.balance || balance.debt !== state.debt) {
    problems.push(`balance operation says ${balance.balance}/${balance.debt}, admin view ${state.balance}/${state.debt}`);
  }
  if (numberField(points, "pending") !== 0 || numberField(points, "held") !== 0) problems.push(`pending or held points: ${JSON.stringify(points)}`);
  return problems;
}

function countCodes(records: readonly OperationRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    if (record.status === "refused" && record.code !== undefined) counts[record.code] = (counts[record.code] ?? 0) + 1;
  }
  return counts;
}

function readState(view: Record<string, unknown>): { balance: number; debt: number; visits: number } {
  const points = view["points"] as Record<string, unknown> | undefined;
  const counters = view["counters"] as { lifetime?: Record<string, unknown> } | undefined;
  return {
    balance: typeof view["balance"] === "number" ? view["balance"] : Number.NaN,
    debt: numberField(points, "debt"),
    visits: numberField(counters?.lifetime, "visits"),
  };
}

function applyOutcome(record: OperationRecord, outcome: SendOutcome, duringRun: boolean): void {
  if (outcome.kind === "ok") {
    record.status = "ok";
    record.answer = outcome.answer;
    record.definiteDuringRun = duringRun;
  } else if (outcome.kind === "refused") {
    record.status = "refused";
    record.code = outcome.code;
    record.definiteDuringRun = duringRun;
  } else {
    record.code = outcome.code;
  }
}

/** The lane's next request, from what its acknowledged answers told it. */
function planOperation(
  random: () => number,
  lane: number,
  sequence: number,
  cards: readonly string[],
  knownBalance: Map<string, number>,
  receipts: LaneReceipt[],
): OperationRecord {
  const base = { lane, sequence, status: "unknown" as const, definiteDuringRun: false, sends: 0, lastSendEpoch: -1, torn: false, acknowledgedWhenTorn: false };
  const refundable = receipts.filter((receipt) => !receipt.cancelRequested && receipt.quantities.some((quantity, index) => quantity > (receipt.returned[index] ?? 0)));
  const cancellable = receipts.filter((receipt) => !receipt.cancelRequested);
  const roll = random();
  if (roll < 0.25 && refundable.length > 0) {
    const receipt = pick(random, refundable);
    const open = receipt.quantities.map((quantity, index) => ({ line: index, left: quantity - (receipt.returned[index] ?? 0) })).filter((line) => line.left > 0);
    const chosen = open.filter(() => random() < 0.6);
    const lines = (chosen.length > 0 ? chosen : [pick(random, open)]).map((line) => ({ line: line.line, qty: integerBetween(random, 1, line.left) }));
    const id = `f-${lane}-${sequence}`;
    const request: RefundRequest = { card: receipt.card, refund: { id, receipt: receipt.id, lines } };
    return { ...base, card: receipt.card, key: `refund ${id}`, operation: { kind: "refund", request } };
  }
  const owing = receipts.filter((receipt) => !receipt.cancelRequested && receipt.unpaid > 0);
  if (roll >= 0.35 && roll < 0.45 && owing.length > 0) {
    const receipt = pick(random, owing);
    const amount = integerBetween(random, 1, receipt.unpaid);
    const id = `p-${lane}-${sequence}`;
    const request: PaymentRequest = { card: receipt.card, payment: { id, receipt: receipt.id, amount, at: RECEIPT_AT_BASE + lane * 100_000 + sequence } };
    return { ...base, card: receipt.card, key: `payment ${id}`, operation: { kind: "payment", request } };
  }
  if (roll < 0.35 && cancellable.length > 0) {
    const receipt = pick(random, cancellable);
    receipt.cancelRequested = true;
    const request: CancelRequest = { card: receipt.card, receipt: receipt.id };
    return { ...base, card: receipt.card, key: `cancel ${receipt.id}`, operation: { kind: "cancel", request } };
  }
  const card = pick(random, cards);
  const lineCount = integerBetween(random, 1, 4);
  const lines: ReceiptLineInput[] = Array.from({ length: lineCount }, (_, index) => {
    const qty = integerBetween(random, 1, 3);
    const price = integerBetween(random, 100, 5_000);
    return { sku: `sku-${(sequence + index) % 17}`, qty, price, amount: qty * price };
  });
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  const available = Math.max(0, Math.min(knownBalance.get(card) ?? 0, total));
  const redeem = available > 0 && random() < 0.4 ? integerBetween(random, 1, available) : 0;
  const id = `r-${lane}-${sequence}`;
  // A fifth of receipts are paid in part: at most a tenth of the total now, which no discount or points payment can exceed.
  const paid = random() < 0.2 ? integerBetween(random, 0, Math.floor(total / 10)) : undefined;
  const request: CommitRequest = {
    card,
    receipt: { id, at: RECEIPT_AT_BASE + lane * 100_000 + sequence, lines },
    ...(redeem > 0 ? { redeem } : {}),
    ...(paid === undefined ? {} : { paid }),
  };
  return { ...base, card, key: `commit ${id}`, operation: { kind: "commit", request } };
}

/** What an acknowledged answer teaches the lane: the member's balance, its receipts and what was returned. */
function learn(record: OperationRecord, answer: Answer, knownBalance: Map<string, number>, receipts: LaneReceipt[]): void {
  if (typeof answer["balance"] === "number") knownBalance.set(record.card, answer["balance"]);
  const operation = record.operation;
  if (operation.kind === "commit") {
    const lines = operation.request.receipt.lines;
    const unpaid = typeof answer["unpaid"] === "number" ? answer["unpaid"] : 0;
    receipts.push({ id: operation.request.receipt.id, card: record.card, quantities: lines.map((line) => line.qty), returned: lines.map(() => 0), cancelRequested: false, unpaid });
  } else if (operation.kind === "refund") {
    const receipt = receipts.find((candidate) => candidate.id === operation.request.refund.receipt);
    if (receipt !== undefined) {
      for (const line of operation.request.refund.lines) receipt.returned[line.line] = (receipt.returned[line.line] ?? 0) + line.qty;
      receipt.unpaid = 0;
    }
  } else if (operation.kind === "payment") {
    const receipt = receipts.find((candidate) => candidate.id === operation.request.payment.receipt);
    if (receipt !== undefined && typeof answer["unpaid"] === "number") receipt.unpaid = answer["unpaid"];
  }
}

// ---------------------------------------------------------------------------------------------------
// Summary and command line
// ---------------------------------------------------------------------------------------------------

export function formatSummary(summary: CrashAuditSummary): string {
  const torn = summary.tornTails;
  const recovery = summary.recovery;
  const lines = [
    `crash audit: ${summary.lanes} lanes x ${summary.operationsPerLane} operations, seed ${summary.seed}, ${summary.durationMilliseconds} ms`,
    `  crash points:           ${summary.crashPoints === "" ? "none" : summary.crashPoints}`,
    `  operations sent:        ${summary.operationsSent} (${summary.sends} sends with retries)`,
    `  acknowledged:           ${summary.acknowledged} (${summary.acknowledgedDuringRun} during the run, ${summary.unknownResolvedOk} on retry)`,
    `  by operation:           ${summary.acknowledgedByKind.commit} commits, ${summary.acknowledgedByKind.refund} refunds, ${summary.acknowledgedByKind.cancel} cancels, ${summary.acknowledgedByKind.payment} payments`,
    `  refused:                ${summary.refusedDuringRun} during the run, ${summary.unknownResolvedRefused} on retry ${JSON.stringify(summary.refusalCodes)}`,
    `  unknown after the run:  ${summary.unknownAfterRun}`,
    `  kills:                  ${summary.kills}`,
    `  self-crashes:           ${summary.selfCrashes} (${summary.selfCrashesDuringStart} while starting)`,
    `  restarts:               ${summary.restarts}`,
    `  torn tails made:        ${torn.made} of ${torn.attempted} tried (${torn.truncated} truncated, ${torn.garbled} garbled; ${torn.skipped} skipped: no unanswered last record above the index floor), ${torn.cutByServer} cut by the server`,
    `  torn records:           ${torn.records} lost to the damage, ${torn.recordsAcknowledged} of them acknowledged (expected 0), ${torn.recordsOkInTheEnd} requests ok in the end`,
    `  recovery at restarts:   ${recovery.reports} shard reports, ${recovery.recordsFound} log records found, ${recovery.recordsReplayed} replayed, ${recovery.recordsCovered} skipped (checkpoint had them), ${recovery.tornTailsCut} torn tails cut`,
    `  lost:                   ${summary.lost}`,
    `  doubled:                ${summary.doubled}`,
    `  model mismatches:       ${summary.modelMismatches}`,
    `  unresolved:             ${summary.unresolved}`,
    `  INTERNAL answers:       ${summary.internalErrors}`,
    summary.violations.length === 0 ? "  OK: no violations" : `  VIOLATIONS (${summary.violations.length}):`,
    ...summary.violations.slice(0, 50).map((violation) => `    ${violation}`),
  ];
  return lines.join("\n");
}

function boundedInteger(name: string, text: string | undefined, fallback: number, minimum: number, maximum: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new RangeError(`--${name} must be an integer, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (value < minimum || value > maximum) throw new RangeError(`--${name} must be ${minimum}-${maximum}, got ${value}`);
  return value;
}

function probability(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !(value >= 0 && value <= 1)) throw new RangeError(`--${name} must be a probability from 0 to 1, got ${JSON.stringify(text)}`);
  return value;
}

/** --torn-tail alone: half of the crashes are followed by a torn tail. */
const TORN_TAIL_FLAG_PROBABILITY = 0.5;

const USAGE = `usage: node dist/tools/crash-audit/crash-audit.js [flags]
  --lanes 1-${LANES_MAX}                 point-of-sale lanes, each on its own two demo members (20)
  --operations 1-${OPERATIONS_PER_LANE_MAX}          requests per lane (200)
  --kills 0-${KILLS_MAX}                 SIGKILLs by the audit at seeded moments (5)
  --seed n                      seed of the lanes, the kill moments and the torn tails (1)
  --data-dir <empty dir>        keep the data there (a temporary directory otherwise)
  --crash-points <spec>         the server kills itself too: LOYCORE_FAULT_INJECTION=1 and LOYCORE_CRASH_POINTS=<spec>,
                                "name:probability,...", names before-write, after-write-before-sync, after-sync,
                                checkpoint-before-write, checkpoint-after-write-before-truncate
  --self-crashes-max n          after n self-crashes, starts run without fault injection (${SELF_CRASHES_DEFAULT})
  --await-self-crashes n        after the run, wait until the server crashed by itself n times (a violation if not)
  --torn-tail                   damage the log tail after half of the crashes (only records no client has an answer to)
  --torn-tail-probability p     ... after this share of the crashes instead
  --shards n                    the server's --shards
  --checkpoint-interval-milliseconds n   the server's --checkpoint-interval-milliseconds (a server that has the flag)
  --families                    each lane's two members share a family pool: family receipts, two hops a kill can cut
  --help                        this text
Prints a summary; exits 1 on any violation (lost, doubled, model mismatch, unresolved, INTERNAL, torn damage that took an answer back).`;

export async function main(argv: readonly string[]): Promise<number> {
  let options: CrashAuditOptions;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        lanes: { type: "string" },
        operations: { type: "string" },
        kills: { type: "string" },
        seed: { type: "string" },
        "data-dir": { type: "string" },
        "crash-points": { type: "string" },
        "self-crashes-max": { type: "string" },
        "await-self-crashes": { type: "string" },
        "torn-tail": { type: "boolean" },
        "torn-tail-probability": { type: "string" },
        shards: { type: "string" },
        "checkpoint-interval-milliseconds": { type: "string" },
        families: { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const dataDirectory = values["data-dir"];
    const crashPoints = values["crash-points"];
    if (crashPoints !== undefined) parseCrashPoints(crashPoints);
    const tornTailProbability = values["torn-tail-probability"];
    const tornTail = tornTailProbability !== undefined ? probability("torn-tail-probability", tornTailProbability) : values["torn-tail"] === true ? TORN_TAIL_FLAG_PROBABILITY : 0;
    const selfCrashesMax = boundedInteger("self-crashes-max", values["self-crashes-max"], SELF_CRASHES_DEFAULT, 0, SELF_CRASHES_MAX);
    const shards = values.shards;
    const interval = values["checkpoint-interval-milliseconds"];
    options = {
      lanes: boundedInteger("lanes", values.lanes, 20, 1, LANES_MAX),
      operationsPerLane: boundedInteger("operations", values.operations, 200, 1, OPERATIONS_PER_LANE_MAX),
      kills: boundedInteger("kills", values.kills, 5, 0, KILLS_MAX),
      seed: boundedInteger("seed", values.seed, 1, 0, SEED_MAX),
      ...(dataDirectory === undefined ? {} : { dataDirectory }),
      ...(crashPoints === undefined ? {} : { crashPoints }),
      selfCrashesMax,
      awaitSelfCrashes: boundedInteger("await-self-crashes", values["await-self-crashes"], 0, 0, selfCrashesMax),
      tornTail,
      ...(shards === undefined ? {} : { shards: boundedInteger("shards", shards, 1, 1, SHARDS_MAX) }),
      ...(interval === undefined ? {} : { checkpointIntervalMilliseconds: boundedInteger("checkpoint-interval-milliseconds", interval, 2_000, 1, 3_600_000) }),
      ...(values.families === true ? { families: true } : {}),
      log: (line) => process.stdout.write(`${line}\n`),
    };
    validateOptions(options);
  } catch (error) {
    process.stderr.write(`crash-audit: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const summary = await runCrashAudit(options);
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.violations.length === 0 ? 0 : 1;
}

runAsScript(import.meta.url, "crash-audit", main);
