/**
 * Crash audit of a loycore gateway: "an answer is sent only after the operation is durable"
 * (docs/protocol.md, Idempotency; docs/ARCHITECTURE.md, durability), checked from the outside.
 *
 * `runCrashAudit` starts `node dist/gateway/main.js --demo` on 127.0.0.1 over a data directory, installs
 * a plain points program (10 % back, points may pay the whole receipt) and drives `lanes` point-of-sale
 * lanes, each a LoycoreClient on its own two demo members, through a seeded random sequence of commits
 * (1-4 lines, some paying with points), refunds (lines and quantities of an earlier receipt of the lane)
 * and cancels (of an earlier receipt). Every request has a deterministic idempotency key and every
 * request is recorded with its outcome: acknowledged (ok), refused (a coded answer from the gateway), or
 * unknown (the connection dropped, a timeout). At seeded moments the gateway is killed with SIGKILL and
 * restarted over the same data directory, `kills` times; lanes reconnect to the new port.
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
 * `node dist/bench/crash-audit.js --lanes 20 --operations 200 --kills 5 --seed 1` (npm run test:crash)
 * prints the summary and exits 1 on any violation.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { LoycoreClient, LoycoreClientError } from "../client/index.js";
import type { CancelRequest, CommitRequest, ReceiptLineInput, RefundRequest } from "../client/index.js";

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
  readonly kills: number;
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
  readonly acknowledgedByKind: Readonly<Record<"commit" | "refund" | "cancel", number>>;
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
const SEED_MAX = 2 ** 31 - 1;
const GATEWAY_START_TIMEOUT_MILLISECONDS = 60_000;
const REQUEST_TIMEOUT_MILLISECONDS = 10_000;
/** Retries of one unknown request after the last restart. */
const RETRY_ATTEMPTS_MAX = 50;
const RETRY_DELAY_MILLISECONDS = 100;
const CONNECT_ATTEMPTS_MAX = 50;
/** The receipts' time: fixed, so a retry sends the same content (docs/protocol.md: "lanes that retry must send at"). */
const RECEIPT_AT_BASE = 1_763_800_000_000;
const PROGRAM = {
  name: "crash audit: 10 % back, points pay up to the whole receipt",
  points: { accrualRateBasisPoints: 1000, maxRedeemShareBasisPoints: 10000 },
};

function gatewayMainPath(): string {
  // From dist/bench/crash-audit.js the gateway is ../gateway/main.js; from the TypeScript source (vitest)
  // it is the build in ../dist/gateway/main.js.
  const compiled = fileURLToPath(new URL("../gateway/main.js", import.meta.url));
  if (import.meta.url.includes("/dist/")) return compiled;
  return fileURLToPath(new URL("../dist/gateway/main.js", import.meta.url));
}

// ---------------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough to pick operations. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function integerBetween(random: () => number, minimum: number, maximum: number): number {
  return minimum + Math.floor(random() * (maximum - minimum + 1));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

// ---------------------------------------------------------------------------------------------------
// The gateway process
// ---------------------------------------------------------------------------------------------------

interface Announcement {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly adminToken: string | null;
  readonly terminalToken: string | null;
  readonly demoCards: readonly string[];
}

interface Gateway extends Announcement {
  readonly child: ChildProcess;
  kill(): Promise<void>;
}

async function startGateway(dataDirectory: string, demoMembers: number): Promise<Gateway> {
  const main = gatewayMainPath();
  if (!existsSync(main)) throw new Error(`${main} does not exist: run npm run build first`);
  const child = spawn(
    process.execPath,
    [main, "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDirectory, "--demo", "--demo-members", String(demoMembers)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => process.removeListener("exit", killOnExit));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4_000);
  });
  try {
    const announcement = await new Promise<Announcement>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the gateway did not listen in time: ${stderrTail}`)), GATEWAY_START_TIMEOUT_MILLISECONDS);
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        if (!line.startsWith("{")) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          return;
        }
        if (typeof parsed === "object" && parsed !== null && (parsed as { event?: unknown }).event === "listening") {
          clearTimeout(timer);
          resolve(parsed as Announcement);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the gateway exited before listening (${String(child.exitCode)}, ${String(child.signalCode)}): ${stderrTail}`));
      });
    });
    // An exit other than our SIGKILL is a finding: show why.
    void exited.then(() => {
      if (child.signalCode !== "SIGKILL") process.stderr.write(`gateway exited on its own (${String(child.exitCode)}): ${stderrTail}\n`);
    });
    return { ...announcement, child, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}

async function adminRequest(url: string, token: string, method: "GET" | "PUT", body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
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
  | { readonly kind: "cancel"; readonly request: CancelRequest };

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
}

type SendOutcome = { readonly kind: "ok"; readonly answer: Answer } | { readonly kind: "refused"; readonly code: string } | { readonly kind: "unknown"; readonly code: string };

async function send(client: LoycoreClient, operation: Operation): Promise<SendOutcome> {
  try {
    let answer: unknown;
    if (operation.kind === "commit") answer = await client.commit(operation.request);
    else if (operation.kind === "refund") answer = await client.refund(operation.request);
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
}

class Coordinator {
  gateway: Gateway;
  epoch = 0;
  ready: Promise<void> = Promise.resolve();
  killsDone = 0;
  readonly clients = new Set<LoycoreClient>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    gateway: Gateway,
    private readonly dataDirectory: string,
    private readonly demoMembers: number,
    private readonly log: (line: string) => void,
  ) {
    this.gateway = gateway;
  }

  /** Queues a SIGKILL and restart; kills never overlap. */
  scheduleKill(delayMilliseconds: number): void {
    this.chain = this.chain.then(async () => {
      await sleep(delayMilliseconds);
      let release: () => void = () => undefined;
      this.ready = new Promise<void>((resolve) => {
        release = resolve;
      });
      const started = Date.now();
      await this.gateway.kill();
      for (const client of this.clients) await client.close().catch(() => undefined);
      this.clients.clear();
      this.gateway = await startGateway(this.dataDirectory, this.demoMembers);
      this.epoch += 1;
      this.killsDone += 1;
      this.log(`kill ${this.killsDone}: SIGKILL and restart in ${Date.now() - started} ms, now ${this.gateway.webSocketUrl}`);
      release();
    });
  }

  settled(): Promise<void> {
    return this.chain;
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
}

class Lane {
  private client: LoycoreClient | undefined;
  private epoch = -1;

  constructor(private readonly coordinator: Coordinator) {}

  async current(): Promise<LoycoreClient> {
    await this.coordinator.ready;
    if (this.client === undefined || this.epoch !== this.coordinator.epoch) {
      if (this.client !== undefined) {
        this.coordinator.clients.delete(this.client);
        await this.client.close().catch(() => undefined);
      }
      const connected = await this.coordinator.connect();
      this.client = connected.client;
      this.epoch = connected.epoch;
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

export async function runCrashAudit(options: CrashAuditOptions): Promise<CrashAuditSummary> {
  const { lanes, operationsPerLane, kills, seed, log } = options;
  if (!Number.isInteger(lanes) || lanes < 1 || lanes > LANES_MAX) throw new RangeError(`lanes must be 1-${LANES_MAX}`);
  if (!Number.isInteger(operationsPerLane) || operationsPerLane < 1 || operationsPerLane > OPERATIONS_PER_LANE_MAX) {
    throw new RangeError(`operationsPerLane must be 1-${OPERATIONS_PER_LANE_MAX}`);
  }
  if (!Number.isInteger(kills) || kills < 0 || kills > KILLS_MAX) throw new RangeError(`kills must be 0-${KILLS_MAX}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > SEED_MAX) throw new RangeError(`seed must be 0-${SEED_MAX}`);

  const started = Date.now();
  const violations: string[] = [];
  const ownDirectory = options.dataDirectory === undefined;
  const dataDirectory = options.dataDirectory ?? (await mkdtemp(join(tmpdir(), "loycore-crash-audit-")));
  const demoMembers = lanes * 2;
  const first = await startGateway(dataDirectory, demoMembers);
  const coordinator = new Coordinator(first, dataDirectory, demoMembers, log);
  const laneHandles: Lane[] = [];
  try {
    const adminToken = first.adminToken;
    if (adminToken === null) throw new Error("the gateway announced no admin token: the data directory must be fresh");
    if (first.demoCards.length < demoMembers) throw new Error(`the gateway has ${first.demoCards.length} demo cards, ${demoMembers} needed`);
    const installed = await adminRequest(`${first.url}/v1/admin/program`, adminToken, "PUT", PROGRAM);
    if (installed.status !== 200) throw new Error(`PUT /v1/admin/program answered ${installed.status}: ${JSON.stringify(installed.body)}`);

    const cards = first.demoCards.slice(0, demoMembers);
    const memberView = async (card: string): Promise<Record<string, unknown>> => {
      const view = await adminRequest(`${coordinator.gateway.url}/v1/admin/members?card=${encodeURIComponent(card)}`, adminToken, "GET");
      if (view.status !== 200) throw new Error(`admin view of ${card} answered ${view.status}: ${JSON.stringify(view.body)}`);
      return view.body;
    };
    const initial = new Map<string, { balance: number; debt: number; visits: number }>();
    for (const card of cards) initial.set(card, readState(await memberView(card)));

    // Kill moments: after these many operations have been started, over all lanes.
    const total = lanes * operationsPerLane;
    const killRandom = seededRandom(seed ^ 0x5bd1e995);
    const killThresholds = Array.from({ length: kills }, () => integerBetween(killRandom, Math.floor(total * 0.05), Math.max(1, Math.floor(total * 0.9))))
      .sort((a, b) => a - b);
    const killDelays = killThresholds.map(() => integerBetween(killRandom, 0, 25));
    let operationsStarted = 0;
    let nextKill = 0;

    const records: OperationRecord[][] = Array.from({ length: lanes }, () => []);
    let internalErrors = 0;

    const runLane = async (laneIndex: number): Promise<void> => {
      const random = seededRandom((seed * 1_000_003 + laneIndex * 7919 + 1) >>> 0);
      const lane = new Lane(coordinator);
      laneHandles.push(lane);
      const laneCards = [cards[laneIndex * 2] ?? "", cards[laneIndex * 2 + 1] ?? ""];
      const knownBalance = new Map<string, number>(laneCards.map((card) => [card, initial.get(card)?.balance ?? 0]));
      const receipts: LaneReceipt[] = [];
      for (let sequence = 0; sequence < operationsPerLane; sequence += 1) {
        operationsStarted += 1;
        while (nextKill < killThresholds.length && operationsStarted >= (killThresholds[nextKill] ?? Infinity)) {
          coordinator.scheduleKill(killDelays[nextKill] ?? 0);
          nextKill += 1;
        }
        const record = planOperation(random, laneIndex, sequence, laneCards, knownBalance, receipts);
        records[laneIndex]?.push(record);
        const client = await lane.current();
        record.sends += 1;
        const outcome = await send(client, record.operation);
        applyOutcome(record, outcome, true);
        if (outcome.kind === "refused" && outcome.code === "INTERNAL") internalErrors += 1;
        if (outcome.kind === "ok") learn(record, outcome.answer, knownBalance, receipts);
      }
    };
    await Promise.all(Array.from({ length: lanes }, (_, index) => runLane(index)));
    await coordinator.settled();
    const allRecords = records.flat();
    const unknownAfterRun = allRecords.filter((record) => record.status === "unknown").length;
    const acknowledgedDuringRun = allRecords.filter((record) => record.status === "ok").length;
    const refusedDuringRun = allRecords.filter((record) => record.status === "refused").length;
    log(
      `run: ${allRecords.length} operations, ${acknowledgedDuringRun} acknowledged, ${refusedDuringRun} refused, ` +
        `${unknownAfterRun} unknown, ${coordinator.killsDone} kills`,
    );

    // 1. Unknown requests again, in each lane's order, until a definite answer.
    let unresolved = 0;
    await Promise.all(
      records.map(async (laneRecords, laneIndex) => {
        const lane = laneHandles[laneIndex] ?? new Lane(coordinator);
        for (const record of laneRecords) {
          if (record.status !== "unknown") continue;
          for (let attempt = 0; attempt < RETRY_ATTEMPTS_MAX && record.status === "unknown"; attempt += 1) {
            if (attempt > 0) await sleep(RETRY_DELAY_MILLISECONDS);
            const client = await lane.current();
            record.sends += 1;
            const outcome = await send(client, record.operation);
            applyOutcome(record, outcome, false);
            if (outcome.kind === "refused" && outcome.code === "INTERNAL") internalErrors += 1;
          }
          if (record.status === "unknown") {
            unresolved += 1;
            violations.push(`${record.key}: no definite answer after ${RETRY_ATTEMPTS_MAX} retries (${record.code ?? "?"})`);
          }
        }
      }),
    );
    const unknownRecords = allRecords.filter((record) => !record.definiteDuringRun);
    const unknownResolvedOk = unknownRecords.filter((record) => record.status === "ok").length;
    const unknownResolvedRefused = unknownRecords.filter((record) => record.status === "refused").length;

    // 2. Every acknowledged request again: the identical first answer.
    let lost = 0;
    const acknowledgedRecords = allRecords.filter((record) => record.status === "ok");
    await Promise.all(
      records.map(async (laneRecords, laneIndex) => {
        const lane = laneHandles[laneIndex] ?? new Lane(coordinator);
        for (const record of laneRecords) {
          if (record.status !== "ok") continue;
          let outcome: SendOutcome = { kind: "unknown", code: "NOT_SENT" };
          for (let attempt = 0; attempt < RETRY_ATTEMPTS_MAX && outcome.kind === "unknown"; attempt += 1) {
            if (attempt > 0) await sleep(RETRY_DELAY_MILLISECONDS);
            const client = await lane.current();
            record.sends += 1;
            outcome = await send(client, record.operation);
          }
          if (outcome.kind !== "ok" || !isDeepStrictEqual(outcome.answer, record.answer)) {
            lost += 1;
            violations.push(
              `lost: ${record.key} (${record.definiteDuringRun ? "acknowledged during the run" : "ok on retry"}) answered ` +
                `${JSON.stringify(record.answer)} first, now ${outcome.kind === "ok" ? JSON.stringify(outcome.answer) : outcome.code}`,
            );
          }
        }
      }),
    );

    // 3. The auditor: every member's state from the acknowledged answers alone.
    let doubled = 0;
    let modelMismatches = 0;
    const byCard = new Map<string, OperationRecord[]>();
    for (const record of acknowledgedRecords) {
      const list = byCard.get(record.card) ?? [];
      list.push(record);
      byCard.set(record.card, list);
    }
    for (const card of cards) {
      const start = initial.get(card) ?? { balance: 0, debt: 0, visits: 0 };
      let net = start.balance - start.debt;
      let debtAdded = 0;
      let visits = start.visits;
      for (const record of byCard.get(card) ?? []) {
        const answer = record.answer;
        if (record.operation.kind === "commit") {
          net += numberField(answer, "points") - numberField(answer, "redeem");
          visits += 1;
        } else {
          net += numberField(answer, "pointsReturned") - numberField(answer, "pointsRevoked");
          debtAdded += numberField(answer, "debtAdded");
          if (record.operation.kind === "cancel" && answer?.["cancelled"] === "receipt") visits -= 1;
        }
      }
      const view = await memberView(card);
      const state = readState(view);
      const points = view["points"] as Record<string, unknown> | undefined;
      const client = await (laneHandles[0] ?? new Lane(coordinator)).current();
      const balance = await client.balance({ card });
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
      if (problems.length > 0) {
        modelMismatches += 1;
        // More points or visits than acknowledged: something was applied twice (or applied unacknowledged).
        if (state.balance - state.debt > net || state.visits > visits) doubled += 1;
        violations.push(`member ${card}: ${problems.join("; ")}`);
      }
    }
    if (coordinator.killsDone !== kills) violations.push(`${coordinator.killsDone} kills done, ${kills} asked`);
    if (internalErrors > 0) violations.push(`${internalErrors} INTERNAL answers`);

    return {
      lanes,
      operationsPerLane,
      seed,
      operationsSent: allRecords.length,
      sends: allRecords.reduce((sum, record) => sum + record.sends, 0),
      acknowledgedDuringRun,
      refusedDuringRun,
      unknownAfterRun,
      unknownResolvedOk,
      unknownResolvedRefused,
      acknowledged: acknowledgedRecords.length,
      kills: coordinator.killsDone,
      lost,
      doubled,
      modelMismatches,
      unresolved,
      internalErrors,
      acknowledgedByKind: {
        commit: acknowledgedRecords.filter((record) => record.operation.kind === "commit").length,
        refund: acknowledgedRecords.filter((record) => record.operation.kind === "refund").length,
        cancel: acknowledgedRecords.filter((record) => record.operation.kind === "cancel").length,
      },
      refusalCodes: countCodes(allRecords),
      violations,
      durationMilliseconds: Date.now() - started,
    };
  } finally {
    await coordinator.settled().catch(() => undefined);
    for (const lane of laneHandles) await lane.close();
    for (const client of coordinator.clients) await client.close().catch(() => undefined);
    await coordinator.gateway.kill();
    if (ownDirectory) await rm(dataDirectory, { recursive: true, force: true });
  }
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
  const base = { lane, sequence, status: "unknown" as const, definiteDuringRun: false, sends: 0 };
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
  const request: CommitRequest = { card, receipt: { id, at: RECEIPT_AT_BASE + lane * 100_000 + sequence, lines }, ...(redeem > 0 ? { redeem } : {}) };
  return { ...base, card, key: `commit ${id}`, operation: { kind: "commit", request } };
}

/** What an acknowledged answer teaches the lane: the member's balance, its receipts and what was returned. */
function learn(record: OperationRecord, answer: Answer, knownBalance: Map<string, number>, receipts: LaneReceipt[]): void {
  if (typeof answer["balance"] === "number") knownBalance.set(record.card, answer["balance"]);
  const operation = record.operation;
  if (operation.kind === "commit") {
    const lines = operation.request.receipt.lines;
    receipts.push({ id: operation.request.receipt.id, card: record.card, quantities: lines.map((line) => line.qty), returned: lines.map(() => 0), cancelRequested: false });
  } else if (operation.kind === "refund") {
    const receipt = receipts.find((candidate) => candidate.id === operation.request.refund.receipt);
    if (receipt !== undefined) {
      for (const line of operation.request.refund.lines) receipt.returned[line.line] = (receipt.returned[line.line] ?? 0) + line.qty;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Summary and command line
// ---------------------------------------------------------------------------------------------------

export function formatSummary(summary: CrashAuditSummary): string {
  const lines = [
    `crash audit: ${summary.lanes} lanes x ${summary.operationsPerLane} operations, seed ${summary.seed}, ${summary.durationMilliseconds} ms`,
    `  operations sent:        ${summary.operationsSent} (${summary.sends} sends with retries)`,
    `  acknowledged:           ${summary.acknowledged} (${summary.acknowledgedDuringRun} during the run, ${summary.unknownResolvedOk} on retry)`,
    `  by operation:           ${summary.acknowledgedByKind.commit} commits, ${summary.acknowledgedByKind.refund} refunds, ${summary.acknowledgedByKind.cancel} cancels`,
    `  refused:                ${summary.refusedDuringRun} during the run, ${summary.unknownResolvedRefused} on retry ${JSON.stringify(summary.refusalCodes)}`,
    `  unknown after the run:  ${summary.unknownAfterRun}`,
    `  kills:                  ${summary.kills}`,
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
      },
      strict: true,
      allowPositionals: false,
    });
    const dataDirectory = values["data-dir"];
    options = {
      lanes: boundedInteger("lanes", values.lanes, 20, 1, LANES_MAX),
      operationsPerLane: boundedInteger("operations", values.operations, 200, 1, OPERATIONS_PER_LANE_MAX),
      kills: boundedInteger("kills", values.kills, 5, 0, KILLS_MAX),
      seed: boundedInteger("seed", values.seed, 1, 0, SEED_MAX),
      ...(dataDirectory === undefined ? {} : { dataDirectory }),
      log: (line) => process.stdout.write(`${line}\n`),
    };
  } catch (error) {
    process.stderr.write(
      `crash-audit: ${error instanceof Error ? error.message : String(error)}\n` +
        "usage: node dist/bench/crash-audit.js [--lanes 1-200] [--operations 1-10000] [--kills 0-100] [--seed n] [--data-dir <empty dir>]\n",
    );
    return 2;
  }
  const summary = await runCrashAudit(options);
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.violations.length === 0 ? 0 : 1;
}

const invokedAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedAsScript) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`crash-audit: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
