import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { LoycoreClient } from "../client/loycore-client.js";
import { LoycoreClientError } from "../client/loycore-client-error.js";
import { IN_FLIGHT_MAX } from "../client/client-options.js";
import { BenchUsageError, parseBenchOptions, USAGE } from "./bench-options.js";
import type { BenchOptions } from "./bench-options.js";
import { GATEWAY_MAIN_PATH, startGateway } from "./gateway-process.js";
import type { StartedGateway } from "./gateway-process.js";
import { StatisticsByOperation } from "./operation-statistics.js";
import {
  describeMachine,
  fetchGroupCommitMetrics,
  formatReport,
  groupCommitBetween,
  httpUrlOf,
  reportOperation,
} from "./report.js";
import type { BenchReport, GroupCommitReport } from "./report.js";
import { enrollMembers, runCheckoutPhase, runPingPhase } from "./workload.js";
import type { StopSignal } from "./workload.js";

/** A cards file is one short line per member; 64 MiB is well past MEMBERS_MAX cards. */
const CARDS_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** The admin API answers at once unless the gateway is stuck. */
const ADMIN_REQUEST_TIMEOUT_MILLISECONDS = 5_000;

/** Shell convention for "stopped by SIGINT". */
const INTERRUPTED_EXIT_STATUS = 130;

/** Installed only with --admin-token, and only when the gateway has no program at all. */
const BENCH_PROGRAM = {
  name: "Bench program",
  accrualRateBasisPoints: 500,
  maxRedeemShareBasisPoints: 5000,
  pointValueMinor: 1,
  entryStatusName: "Bronze",
};

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

interface Target {
  readonly webSocketUrl: string;
  readonly httpUrl: string;
  readonly token: string;
  /** Undefined: the bench enrolls its own members. */
  readonly cards: readonly string[] | undefined;
}

async function main(argumentsAfterScript: readonly string[]): Promise<number> {
  let options: BenchOptions | "help";
  try {
    options = parseBenchOptions(argumentsAfterScript);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }

  const stop: StopSignal = { requested: false };
  const onInterrupt = (): void => {
    if (stop.requested) process.exit(INTERRUPTED_EXIT_STATUS);
    stop.requested = true;
    log("stopping after the requests in flight (Ctrl-C again to quit at once)");
  };
  process.on("SIGINT", onInterrupt);

  let gateway: StartedGateway | undefined;
  const clients: LoycoreClient[] = [];
  try {
    let target: Target;
    if (options.url === undefined) {
      log(`starting ${GATEWAY_MAIN_PATH} with ${options.members} demo members`);
      gateway = await startGateway(options.members);
      target = {
        webSocketUrl: gateway.webSocketUrl,
        httpUrl: gateway.url,
        token: gateway.terminalToken,
        cards: gateway.demoCards,
      };
    } else {
      target = await prepareGivenGateway(options, options.url);
    }

    log(`opening ${options.connections} connections to ${target.webSocketUrl}`);
    const connecting = await Promise.allSettled(
      Array.from({ length: options.connections }, () =>
        LoycoreClient.connect({ url: target.webSocketUrl, token: target.token, maxInFlight: IN_FLIGHT_MAX }),
      ),
    );
    // Keep every client that did connect, so that the finally block closes it even if another failed.
    for (const outcome of connecting) if (outcome.status === "fulfilled") clients.push(outcome.value);
    const refusal = connecting.find((outcome) => outcome.status === "rejected");
    if (refusal !== undefined) throw refusal.reason;

    const runIdentifier = randomBytes(4).toString("hex");
    let enrollment: BenchReport["enrollment"];
    let cards = target.cards;
    if (cards === undefined) {
      log(`enrolling ${options.members} members`);
      const statistics = new StatisticsByOperation();
      const started = performance.now();
      cards = await enrollMembers({
        clients,
        concurrency: options.lanes,
        members: options.members,
        runIdentifier,
        stop,
        statistics,
      });
      const elapsedSeconds = (performance.now() - started) / 1000;
      enrollment = { elapsedSeconds, enroll: reportOperation(statistics.for("enroll"), elapsedSeconds) };
    }
    if (cards.length === 0) throw new Error("no members to run receipts for (no demo cards, or every enrollment failed)");

    let clientCeiling: BenchReport["clientCeiling"];
    if (options.pingSeconds > 0 && !stop.requested) {
      log(`client ceiling: ping for ${options.pingSeconds} s`);
      const statistics = new StatisticsByOperation();
      const outcome = await runPingPhase({
        clients,
        lanes: options.lanes,
        deadline: performance.now() + options.pingSeconds * 1000,
        stop,
        statistics,
      });
      clientCeiling = {
        elapsedSeconds: outcome.elapsedSeconds,
        ping: reportOperation(statistics.for("ping"), outcome.elapsedSeconds),
      };
    }

    const metricsBefore = await fetchGroupCommitMetrics(target.httpUrl);
    log(`checkout: ${options.lanes} lanes for ${options.durationSeconds} s over ${cards.length} members`);
    const checkoutStatistics = new StatisticsByOperation();
    // Created up front so that the table lists both operations even if one never succeeded.
    const operations = [checkoutStatistics.for("calculate"), checkoutStatistics.for("commit")];
    const checkoutOutcome = await runCheckoutPhase({
      clients,
      lanes: options.lanes,
      deadline: performance.now() + options.durationSeconds * 1000,
      stop,
      statistics: checkoutStatistics,
      cards,
      runIdentifier,
    });
    const metricsAfter = await fetchGroupCommitMetrics(target.httpUrl);

    const report: BenchReport = {
      machine: describeMachine(),
      gateway: { startedByBench: gateway !== undefined, webSocketUrl: target.webSocketUrl },
      settings: {
        lanes: options.lanes,
        connections: options.connections,
        members: cards.length,
        durationSeconds: options.durationSeconds,
        pingSeconds: options.pingSeconds,
      },
      clientCeiling,
      enrollment,
      checkout: {
        elapsedSeconds: checkoutOutcome.elapsedSeconds,
        operations: operations.map((statistics) => reportOperation(statistics, checkoutOutcome.elapsedSeconds)),
      },
      groupCommit: groupCommitFigures(metricsBefore, metricsAfter),
    };
    const table = formatReport(report);
    if (options.json) {
      process.stderr.write(`${table}\n`);
      // Absent figures (no successful request) are null, not missing, for machine readers.
      process.stdout.write(`${JSON.stringify(report, (_key, value: unknown) => value ?? null, 2)}\n`);
    } else {
      process.stdout.write(`${table}\n`);
    }

    const commits = report.checkout.operations.find(({ operation }) => operation === "commit");
    if (commits === undefined || commits.count === 0) {
      log("no commit succeeded: the figures above do not describe a working gateway");
      return 1;
    }
    return stop.requested ? INTERRUPTED_EXIT_STATUS : 0;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    if (gateway !== undefined) {
      log("stopping the gateway");
      await gateway.stop();
    }
    process.removeListener("SIGINT", onInterrupt);
  }
}

function groupCommitFigures(
  before: GroupCommitReport | { readonly error: string },
  after: GroupCommitReport | { readonly error: string },
): GroupCommitReport | { readonly error: string } {
  if ("error" in after) return after;
  // Without a reading from before the phase, the figures cover the gateway's whole life.
  if ("error" in before) return after;
  return groupCommitBetween(before, after);
}

async function prepareGivenGateway(options: BenchOptions, webSocketUrl: string): Promise<Target> {
  const token = options.token;
  if (token === undefined) throw new BenchUsageError("--url needs --token");
  const httpUrl = httpUrlOf(webSocketUrl);
  if (options.adminToken !== undefined) await ensureProgram(httpUrl, options.adminToken);
  const cards = options.cardsFile === undefined ? undefined : await readCardsFile(options.cardsFile, options.members);
  return { webSocketUrl, httpUrl, token, cards };
}

/** Receipts need a program; a fresh gateway given with --url may have none yet. */
async function ensureProgram(httpUrl: string, adminToken: string): Promise<void> {
  const programUrl = new URL("/v1/admin/program", httpUrl);
  const headers = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  const current = await fetch(programUrl, {
    headers,
    signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MILLISECONDS),
  });
  await current.body?.cancel();
  if (current.ok) return;
  if (current.status !== 404) throw new Error(`GET ${programUrl.href} answered ${current.status}`);
  log("the gateway has no program: installing a demo program (5 % accrual, up to 50 % paid with points)");
  const installed = await fetch(programUrl, {
    method: "PUT",
    headers,
    body: JSON.stringify(BENCH_PROGRAM),
    signal: AbortSignal.timeout(ADMIN_REQUEST_TIMEOUT_MILLISECONDS),
  });
  if (!installed.ok) throw new Error(`PUT ${programUrl.href} answered ${installed.status}: ${await installed.text()}`);
}

async function readCardsFile(path: string, members: number): Promise<string[]> {
  const { size } = await stat(path);
  if (size > CARDS_FILE_MAX_BYTES) throw new BenchUsageError(`--cards-file is ${size} bytes, over ${CARDS_FILE_MAX_BYTES}`);
  const cards = (await readFile(path, "utf8"))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .slice(0, members);
  if (cards.length === 0) throw new BenchUsageError(`--cards-file ${path} has no cards`);
  return cards;
}

main(process.argv.slice(2)).then(
  (exitStatus) => {
    process.exitCode = exitStatus;
  },
  (error: unknown) => {
    // Connection refusals and gateway start-up failures explain themselves; anything else is a bug.
    const explainsItself = error instanceof LoycoreClientError || (error instanceof Error && error.message.includes("gateway"));
    log(error instanceof Error ? (explainsItself ? error.message : (error.stack ?? error.message)) : String(error));
    process.exitCode = 1;
  },
);
