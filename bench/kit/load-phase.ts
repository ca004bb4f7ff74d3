import { Worker } from "node:worker_threads";
import type { Histogram } from "hdr-histogram-js";
import type { ArrivalProfile } from "./arrival-profile.js";
import { profileDurationSeconds } from "./arrival-profile.js";
import {
  decodeHistogram,
  newLatencyHistogram,
  OPERATION_COMMIT,
  OPERATION_COUNT,
  OPERATION_NAMES,
  OPERATION_RECEIPT,
  encodeHistogram,
  summarize,
} from "./latency-recorder.js";
import type { IntervalSnapshot, OperationSnapshot } from "./latency-recorder.js";
import type { LoadWorkerSettings, MainToWorker, WorkerMode, WorkerToMain } from "./load-worker-protocol.js";
import type { MemberSource } from "./member-source.js";
import type { ReceiptMix } from "./receipt-mix.js";
import type { IntervalSample, LoadMode, OperationResult, PhaseResult, PhaseTarget } from "./scenario-result.js";
import { interruption, onInterrupt } from "./run-interruption.js";
import { cpuPercentBetween } from "./server-sampler.js";
import type { ResourceReading, ServerSampler } from "./server-sampler.js";

/** Opening thousands of connections on a busy machine takes seconds; a minute means something is wrong. */
const WORKERS_READY_TIMEOUT_MILLISECONDS = 60_000;

/** Workers start together this long after the last one is ready, so that no worker's first second is short. */
const START_DELAY_MILLISECONDS = 100;

/** Beyond the phase's own length (and the open loop's drain), workers get this long to report before the kit gives up. */
const WORKERS_DONE_GRACE_MILLISECONDS = 30_000;

const WORKER_PATH = new URL("./load-worker.js", import.meta.url);

/** Server CPU per committed receipt in microseconds: CPU percent (100 = one core) over the phase, per receipt. */
export function cpuMicrosecondsPerReceipt(cpuPercent: number | null, elapsedSeconds: number, receipts: number): number | null {
  if (cpuPercent === null || receipts <= 0 || elapsedSeconds <= 0) return null;
  return Math.round(((cpuPercent / 100) * elapsedSeconds * 1e6) / receipts);
}

export type PhaseLoad =
  | { readonly kind: "lanes"; readonly lanes: number; readonly durationSeconds: number; readonly thinkMilliseconds: number }
  | { readonly kind: "pipelined"; readonly connections: number; readonly receiptsPerConnection: number; readonly durationSeconds: number }
  | { readonly kind: "open-loop"; readonly connections: number; readonly profile: ArrivalProfile; readonly receiptsInProgressMax: number };

export interface PhaseSettings {
  /** For people: "ceiling", "loycore", "warm-up", "maximum", ... */
  readonly name: string;
  readonly target: PhaseTarget;
  readonly webSocketUrl: string;
  readonly token: string;
  readonly load: PhaseLoad;
  readonly clientThreads: number;
  readonly mix: ReceiptMix;
  readonly members: MemberSource;
  readonly runIdentifier: string;
  /** Reads the server's CPU time and memory; null when the kit cannot. */
  readonly sampler: ServerSampler | null;
  /** Where progress lines go (stderr), or null for none. */
  readonly progress: ((line: string) => void) | null;
}

/** A PhaseResult, plus the average answer size per operation (the ceiling server mimics them). */
export interface PhaseOutcome {
  readonly result: PhaseResult;
  readonly averageAnswerBytes: Readonly<Record<string, number>>;
}

/** Splits `total` into `parts` near-equal shares (the first ones get the remainder). */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0));
}

function workerModes(load: PhaseLoad, clientThreads: number): { connections: number; mode: WorkerMode }[] {
  switch (load.kind) {
    case "lanes":
      return shares(load.lanes, clientThreads).map((lanes) => ({
        connections: lanes,
        mode: { kind: "closed-loop", receiptsPerConnection: 1, durationSeconds: load.durationSeconds, thinkMilliseconds: load.thinkMilliseconds },
      }));
    case "pipelined":
      return shares(load.connections, clientThreads).map((connections) => ({
        connections,
        mode: { kind: "closed-loop", receiptsPerConnection: load.receiptsPerConnection, durationSeconds: load.durationSeconds, thinkMilliseconds: 0 },
      }));
    case "open-loop": {
      const connections = shares(load.connections, clientThreads);
      const bounds = shares(load.receiptsInProgressMax, clientThreads);
      return connections.map((workerConnections, index) => ({
        connections: workerConnections,
        mode: {
          kind: "open-loop",
          profile: { ...load.profile, rate: load.profile.rate / clientThreads },
          receiptsInProgressMax: bounds[index]!,
        },
      }));
    }
  }
}

function loadModeOf(load: PhaseLoad): LoadMode {
  return load.kind;
}

function phaseSeconds(load: PhaseLoad): number {
  return load.kind === "open-loop" ? profileDurationSeconds(load.profile) : load.durationSeconds;
}

/**
 * The load worker threads of a run. They live across its phases, so that the ceiling and loycore
 * phases run on a client whose code the warm-up has already compiled (a fresh thread starts cold and
 * its first second is slower, which would skew whichever phase came first).
 */
export class LoadWorkerPool {
  private workers: Worker[] = [];
  /** Why a worker ended between phases (a crash): the next phase fails with it instead of waiting. */
  private ended: string | null = null;

  constructor(readonly threads: number) {}

  /** The first `count` workers, started on first use. */
  take(count: number): Worker[] {
    if (this.ended !== null) throw new Error(`a load worker ended: ${this.ended}`);
    while (this.workers.length < Math.min(count, this.threads)) {
      const worker = new Worker(WORKER_PATH);
      // Listeners for the pool's lifetime: an error between phases must not crash the kit unreported.
      worker.on("error", (error) => {
        this.ended ??= error.message;
      });
      worker.on("exit", (code) => {
        this.ended ??= `exit code ${code}`;
      });
      this.workers.push(worker);
    }
    return this.workers.slice(0, count);
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.ended ??= "the pool was closed";
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Tells each worker its share of the phase: its connections and how they send. */
function sendPrepare(settings: PhaseSettings, plans: readonly { connections: number; mode: WorkerMode }[], workers: readonly Worker[]): void {
  plans.forEach(({ connections, mode }, workerIndex) => {
    const workerSettings: LoadWorkerSettings = {
      workerIndex,
      webSocketUrl: settings.webSocketUrl,
      token: settings.token,
      connections,
      mode,
      mix: settings.mix,
      members: settings.members,
      runIdentifier: settings.runIdentifier,
    };
    workers[workerIndex]!.postMessage({ kind: "prepare", settings: workerSettings } satisfies MainToWorker);
  });
}

/**
 * Reads the server at the start (`startAt`, epoch milliseconds) and at the end of every second of the
 * phase, into `serverReadings` by second; returns what stops the readings.
 */
function readServerEverySecond(sampler: ServerSampler, startAt: number, serverReadings: Map<number, ResourceReading>): () => void {
  let timer: NodeJS.Timeout | undefined;
  let index = 0;
  const takeReading = (): void => {
    const readingIndex = index;
    void sampler.read().then((reading) => {
      if (reading !== null) serverReadings.set(readingIndex, reading);
    });
    index += 1;
    timer = setTimeout(takeReading, Math.max(0, startAt + index * 1000 - (performance.timeOrigin + performance.now())));
  };
  timer = setTimeout(takeReading, START_DELAY_MILLISECONDS);
  return () => clearTimeout(timer);
}

/** The progress line of one second of the phase. */
function progressLine(phaseName: string, second: number, sample: IntervalSample): string {
  return `[${phaseName}] ${second} s: ${sample.requestsPerSecond} requests/s, ${sample.receiptsPerSecond} receipts/s, p99 ${sample.p99Milliseconds ?? "-"} ms, errors ${sample.errorsPerSecond}/s`;
}

/**
 * Runs one phase on the pool's load workers (or on workers of its own, when no pool is given) and
 * returns its result. Ctrl-C (see run-interruption.ts) ends it early with what it has.
 */
export async function runLoadPhase(settings: PhaseSettings, pool?: LoadWorkerPool): Promise<PhaseOutcome> {
  const plans = workerModes(settings.load, settings.clientThreads).filter((plan) => plan.connections > 0);
  const ownPool = pool ?? new LoadWorkerPool(settings.clientThreads);
  const workers = ownPool.take(plans.length);
  const intervalsByIndex = new Map<number, IntervalSnapshot[]>();
  const done: { operations: readonly OperationSnapshot[]; elapsedSeconds: number; notes: readonly string[] }[] = [];
  const serverReadings = new Map<number, ResourceReading>();
  let startAt = 0;
  let stopReadings = (): void => undefined;
  let cpuAtStart = process.cpuUsage();
  const progressHistogram = newLatencyHistogram();

  const onInterval = (snapshot: IntervalSnapshot): void => {
    const list = intervalsByIndex.get(snapshot.index) ?? [];
    list.push(snapshot);
    intervalsByIndex.set(snapshot.index, list);
    if (list.length === workers.length && settings.progress !== null) {
      const sample = composeInterval(settings, list, serverReadings.get(snapshot.index) ?? null, serverReadings.get(snapshot.index - 1) ?? null, progressHistogram);
      settings.progress(progressLine(settings.name, snapshot.index, sample));
    }
  };

  let unsubscribe = (): void => undefined;
  const stopOnSignal = (): void => {
    for (const worker of workers) worker.postMessage({ kind: "stop" } satisfies MainToWorker);
  };

  try {
    const allReady = Promise.all(workers.map((worker) => waitFor(worker, "ready", WORKERS_READY_TIMEOUT_MILLISECONDS, onInterval, done)));
    sendPrepare(settings, plans, workers);
    await allReady;
    const allDone = Promise.all(
      workers.map((worker) => waitFor(worker, "done", WORKERS_READY_TIMEOUT_MILLISECONDS + phaseSeconds(settings.load) * 1000 + WORKERS_DONE_GRACE_MILLISECONDS, onInterval, done)),
    );
    unsubscribe = onInterrupt(stopOnSignal);
    startAt = performance.timeOrigin + performance.now() + START_DELAY_MILLISECONDS;
    for (const worker of workers) worker.postMessage({ kind: "start", startAtEpochMilliseconds: startAt } satisfies MainToWorker);
    // Ctrl-C while the workers were connecting: the phase ends as soon as it starts.
    if (interruption.requested) stopOnSignal();
    const sampler = settings.sampler;
    if (sampler !== null) stopReadings = readServerEverySecond(sampler, startAt, serverReadings);
    setTimeout(() => {
      cpuAtStart = process.cpuUsage();
    }, START_DELAY_MILLISECONDS);
    await allDone;
    // The reading that closes the last second is due as the workers finish: take it now if the timer has not.
    const lastIndex = Math.max(0, ...intervalsByIndex.keys());
    stopReadings();
    if (sampler !== null && !serverReadings.has(lastIndex)) {
      const reading = await sampler.read();
      if (reading !== null) serverReadings.set(lastIndex, reading);
    }
  } finally {
    unsubscribe();
    stopReadings();
    if (pool === undefined) await ownPool.close();
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const elapsedSeconds = Math.max(...done.map((report) => report.elapsedSeconds));
  return buildPhaseResult(settings, elapsedSeconds, done, intervalsByIndex, serverReadings, workers.length, cpu);
}

function waitFor(
  worker: Worker,
  kind: "ready" | "done",
  timeoutMilliseconds: number,
  onInterval: (snapshot: IntervalSnapshot) => void,
  done: { operations: readonly OperationSnapshot[]; elapsedSeconds: number; notes: readonly string[] }[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`a load worker did not report ${kind} within ${timeoutMilliseconds} ms`)), timeoutMilliseconds);
    const onMessage = (message: WorkerToMain): void => {
      if (message.kind === "failed") {
        finish(new Error(`a load worker failed: ${message.message}`));
      } else if (message.kind === "interval" && kind === "done") {
        onInterval(message.snapshot);
      } else if (message.kind === kind) {
        if (message.kind === "done") done.push(message);
        finish(undefined);
      }
    };
    const onError = (error: Error): void => finish(new Error(`a load worker crashed: ${error.message}`));
    const onExit = (code: number): void => finish(new Error(`a load worker exited (code ${code}) before reporting ${kind}`));
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

function composeInterval(
  settings: PhaseSettings,
  snapshots: readonly IntervalSnapshot[],
  reading: ResourceReading | null,
  previousReading: ResourceReading | null,
  scratch: Histogram,
): IntervalSample {
  scratch.reset();
  let requests = 0;
  let receipts = 0;
  let errors = 0;
  let offered = 0;
  for (const snapshot of snapshots) {
    for (let operation = 0; operation < OPERATION_COUNT; operation += 1) {
      if (operation !== OPERATION_RECEIPT) requests += snapshot.successes[operation] ?? 0;
    }
    receipts += snapshot.successes[OPERATION_COMMIT] ?? 0;
    errors += snapshot.errors;
    offered += snapshot.offered;
    if (snapshot.histogramBase64 !== null) scratch.add(decodeHistogram(snapshot.histogramBase64));
  }
  const latency = summarize(scratch);
  const index = snapshots[0]?.index ?? 0;
  return {
    atSeconds: index,
    offeredPerSecond: settings.load.kind === "open-loop" ? offered : null,
    requestsPerSecond: requests,
    // The ceiling server answers commits but commits nothing.
    receiptsPerSecond: settings.target === "ceiling" ? 0 : receipts,
    errorsPerSecond: errors,
    p50Milliseconds: latency?.p50Milliseconds ?? null,
    p99Milliseconds: latency?.p99Milliseconds ?? null,
    maxMilliseconds: latency?.maxMilliseconds ?? null,
    serverCpuPercent: cpuPercentBetween(previousReading, reading),
    serverRssMebibytes: reading === null ? null : round(reading.rssBytes / 2 ** 20, 1),
  };
}

/** The workers' operation snapshots merged per operation, with the phase's request and committed receipt counts. */
function mergeOperations(
  settings: PhaseSettings,
  elapsedSeconds: number,
  done: readonly { operations: readonly OperationSnapshot[] }[],
): { operations: OperationResult[]; averageAnswerBytes: Record<string, number>; requests: number; receipts: number } {
  const operations: OperationResult[] = [];
  const averageAnswerBytes: Record<string, number> = {};
  let requests = 0;
  let receipts = 0;
  for (let operation = 0; operation < OPERATION_COUNT; operation += 1) {
    const histogram = newLatencyHistogram();
    let successes = 0;
    let answerBytes = 0;
    const errorsByCode: Record<string, number> = {};
    for (const report of done) {
      const snapshot = report.operations[operation];
      if (snapshot === undefined) continue;
      successes += snapshot.successes;
      answerBytes += snapshot.answerBytes;
      if (snapshot.histogramBase64 !== null) histogram.add(decodeHistogram(snapshot.histogramBase64));
      for (const [code, count] of Object.entries(snapshot.errorsByCode)) errorsByCode[code] = (errorsByCode[code] ?? 0) + count;
    }
    const name = OPERATION_NAMES[operation]!;
    if (successes === 0 && Object.keys(errorsByCode).length === 0) continue;
    if (operation !== OPERATION_RECEIPT) requests += successes;
    if (operation === OPERATION_COMMIT && settings.target === "loycore") receipts = successes;
    if (successes > 0 && operation !== OPERATION_RECEIPT) averageAnswerBytes[name] = Math.round(answerBytes / successes);
    operations.push({
      operation: name,
      successes,
      successesPerSecond: elapsedSeconds > 0 ? Math.round(successes / elapsedSeconds) : 0,
      latency: summarize(histogram),
      errorsByCode,
      histogramBase64: histogram.totalCount > 0 ? encodeHistogram(histogram) : null,
    });
  }
  return { operations, averageAnswerBytes, requests, receipts };
}

/** The seconds every worker reported, in order, each with the server's readings around it. */
function completeIntervals(
  settings: PhaseSettings,
  intervalsByIndex: ReadonlyMap<number, IntervalSnapshot[]>,
  serverReadings: ReadonlyMap<number, ResourceReading>,
  workerCount: number,
): IntervalSample[] {
  const intervals: IntervalSample[] = [];
  const progressHistogram = newLatencyHistogram();
  for (const index of [...intervalsByIndex.keys()].sort((left, right) => left - right)) {
    const snapshots = intervalsByIndex.get(index)!;
    // An interval only some workers reached (the phase was stopped) would understate the load.
    if (snapshots.length < workerCount) continue;
    intervals.push(composeInterval(settings, snapshots, serverReadings.get(index) ?? null, serverReadings.get(index - 1) ?? null, progressHistogram));
  }
  return intervals;
}

/** The server's figures over the phase: from its first and last readings and the intervals' server columns. */
function serverFigures(
  intervals: readonly IntervalSample[],
  serverReadings: ReadonlyMap<number, ResourceReading>,
  elapsedSeconds: number,
  receipts: number,
): NonNullable<PhaseResult["server"]> {
  const cpuSamples = intervals.map((sample) => sample.serverCpuPercent).filter((value): value is number => value !== null);
  const rssSamples = intervals.map((sample) => sample.serverRssMebibytes).filter((value): value is number => value !== null);
  const first = serverReadings.get(0);
  const last = serverReadings.get(Math.max(...serverReadings.keys()));
  return {
    cpuPercentAverage: first !== undefined && last !== undefined ? cpuPercentBetween(first, last) : null,
    cpuPercentMax: cpuSamples.length > 0 ? Math.max(...cpuSamples) : null,
    rssMebibytesMax: rssSamples.length > 0 ? Math.max(...rssSamples) : null,
    rssMebibytesAtEnd: last === undefined ? null : round(last.rssBytes / 2 ** 20, 1),
    cpuMicrosecondsPerReceipt: cpuMicrosecondsPerReceipt(first !== undefined && last !== undefined ? cpuPercentBetween(first, last) : null, elapsedSeconds, receipts),
  };
}

function buildPhaseResult(
  settings: PhaseSettings,
  elapsedSeconds: number,
  done: readonly { operations: readonly OperationSnapshot[]; notes: readonly string[] }[],
  intervalsByIndex: ReadonlyMap<number, IntervalSnapshot[]>,
  serverReadings: ReadonlyMap<number, ResourceReading>,
  workerCount: number,
  cpu: NodeJS.CpuUsage,
): PhaseOutcome {
  const { operations, averageAnswerBytes, requests, receipts } = mergeOperations(settings, elapsedSeconds, done);
  const intervals = completeIntervals(settings, intervalsByIndex, serverReadings, workerCount);
  const notes = done.flatMap((report) => report.notes);
  notes.push(`${workerCount} client thread(s)`);
  const result: PhaseResult = {
    name: settings.name,
    target: settings.target,
    mode: loadModeOf(settings.load),
    elapsedSeconds: round(elapsedSeconds, 3),
    requestsPerSecond: elapsedSeconds > 0 ? Math.round(requests / elapsedSeconds) : 0,
    receiptsPerSecond: elapsedSeconds > 0 ? Math.round(receipts / elapsedSeconds) : 0,
    operations,
    intervals,
    server: settings.sampler === null ? null : serverFigures(intervals, serverReadings, elapsedSeconds, receipts),
    clientCpuPercentAverage: elapsedSeconds > 0 ? round(((cpu.user + cpu.system) / 1e6 / elapsedSeconds) * 100, 1) : null,
    notes,
  };
  return { result, averageAnswerBytes };
}
