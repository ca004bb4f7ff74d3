import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { freemem } from "node:os";
import { startCeilingServer } from "./ceiling-process.js";
import type { StartedCeilingServer } from "./ceiling-process.js";
import type { FlagValues } from "./kit-flags.js";
import { KitUsageError, numberFlag, stringFlag } from "./kit-flags.js";
import { datasetOptionsFrom } from "./dataset-flags.js";
import { describeMachine } from "./describe-machine.js";
import { describeDiskSync, diskSyncCheck, probeDiskSync } from "./disk-sync-probe.js";
import type { DiskSyncFigures } from "./disk-sync-probe.js";
import { describeGroupCommitBetween, fetchGroupCommit } from "./group-commit.js";
import { LoadWorkerPool, runLoadPhase } from "./load-phase.js";
import type { PhaseLoad } from "./load-phase.js";
import { mixFrom } from "./load-flags.js";
import { DEMO_NUMBERED_MEMBERS_MAX, demoNumberedMembers } from "./member-source.js";
import type { MemberList, MemberSource } from "./member-source.js";
import type { ReceiptMix } from "./receipt-mix.js";
import { interruption, RunInterrupted } from "./run-interruption.js";
import type { PhaseResult, PhaseTarget, ScenarioResult, TargetCheck } from "./scenario-result.js";
import { startLoycoreWithMembers } from "./started-loycore.js";
import type { DatasetFigures } from "./started-loycore.js";
import { MetricsSampler, ProcessSampler } from "./server-sampler.js";
import type { ServerSampler } from "./server-sampler.js";

/**
 * One run of a WebSocket load scenario: the loycore it loads (started here or remote), the ceiling
 * server (started once the warm-up has measured loycore's answer sizes), the phases run so far, and
 * the ScenarioResult they make.
 */

/** Answer sizes for the ceiling when no warm-up measured them: loycore's answers to a 5-line receipt, roughly. */
export const DEFAULT_ANSWER_BYTES: Readonly<Record<string, number>> = { identify: 330, calculate: 900, commit: 950, refund: 300 };

/** A cards file holds at most this many members: the 10M dataset. */
const CARDS_FILE_MEMBERS_MAX = DEMO_NUMBERED_MEMBERS_MAX;

interface LoycoreTarget {
  readonly webSocketUrl: string;
  readonly token: string;
  readonly members: MemberSource;
  readonly sampler: ServerSampler | null;
  /** loycore's Prometheus endpoint, for the group-commit figures of each loycore phase. */
  readonly metricsUrl: string;
  /** Import and start-up figures of a gateway the kit started; null for a remote loycore. */
  readonly dataset: DatasetFigures | null;
  /** The gateway's data directory when the kit started it (its disk is ours to probe); null for a remote loycore. */
  readonly dataDirectory: string | null;
  stop(): Promise<void>;
}

async function readCardsFile(path: string): Promise<MemberList> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new KitUsageError(`--cards-file ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const cards: string[] = [];
  const phones: (string | null)[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const [card = "", phone] = trimmed.split(",").map((part) => part.trim());
    cards.push(card);
    phones.push(phone === undefined || phone === "" ? null : phone);
    if (cards.length > CARDS_FILE_MEMBERS_MAX) throw new KitUsageError(`--cards-file holds more than ${CARDS_FILE_MEMBERS_MAX} members`);
  }
  if (cards.length === 0) throw new KitUsageError(`--cards-file ${path} holds no cards`);
  return { kind: "list", cards, phones };
}

async function openLoycore(values: FlagValues, progress: (line: string) => void): Promise<LoycoreTarget> {
  const url = stringFlag(values, "url");
  const members = numberFlag(values, "members");
  if (url !== null) {
    const cardsFile = stringFlag(values, "cards-file");
    const metricsUrl = `${url.replace(/^ws:/, "http:").replace(/\/v1\/ws.*$/, "")}/metrics`;
    return {
      webSocketUrl: url,
      token: stringFlag(values, "token") ?? "",
      members: cardsFile === null ? demoNumberedMembers(members) : await readCardsFile(cardsFile),
      sampler: new MetricsSampler(metricsUrl),
      metricsUrl,
      dataset: null,
      dataDirectory: null,
      stop: async () => undefined,
    };
  }
  const started = await startLoycoreWithMembers(datasetOptionsFrom(values), progress);
  return {
    webSocketUrl: started.gateway.webSocketUrl,
    token: started.gateway.terminalToken,
    members: demoNumberedMembers(members),
    sampler: new ProcessSampler(started.gateway.pid),
    metricsUrl: `${started.gateway.url}/metrics`,
    dataset: started.figures,
    dataDirectory: started.dataset.dataDirectory,
    stop: () => started.stop(),
  };
}

export class LoadRun {
  private readonly phases: PhaseResult[] = [];
  private readonly notes: string[] = [];
  private ceiling: StartedCeilingServer | null = null;
  /** Answer sizes measured from loycore, for the ceiling server. */
  private answerBytes: Readonly<Record<string, number>> | null = null;
  private readonly runIdentifier = randomBytes(4).toString("hex");
  private readonly startedAt = new Date();
  private readonly machine = describeMachine();
  readonly mix: ReceiptMix;
  private readonly pool: LoadWorkerPool;
  /** The fsync floor of the gateway's disk, measured before any phase; null for a remote loycore. */
  readonly diskSync: DiskSyncFigures | null;

  private constructor(
    readonly scenario: string,
    private readonly values: FlagValues,
    private readonly loycore: LoycoreTarget,
    private readonly progress: (line: string) => void,
    diskSync: DiskSyncFigures | null,
  ) {
    this.mix = mixFrom(values);
    this.pool = new LoadWorkerPool(numberFlag(values, "client-threads"));
    this.diskSync = diskSync;
    if (diskSync !== null) this.note(describeDiskSync(diskSync));
  }

  static async open(scenario: string, values: FlagValues, progress: (line: string) => void): Promise<LoadRun> {
    const loycore = await openLoycore(values, progress);
    let diskSync: DiskSyncFigures | null;
    try {
      diskSync = loycore.dataDirectory === null ? null : probeDiskSync(loycore.dataDirectory);
    } catch (error) {
      await loycore.stop();
      throw error;
    }
    if (diskSync !== null) progress(describeDiskSync(diskSync));
    return new LoadRun(scenario, values, loycore, progress, diskSync);
  }

  get clientThreads(): number {
    return numberFlag(this.values, "client-threads");
  }

  get warmUpSeconds(): number {
    return numberFlag(this.values, "warm-up-seconds");
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** Runs one phase against loycore or the ceiling server and keeps its result. */
  async phase(name: string, target: PhaseTarget, load: PhaseLoad, mix: ReceiptMix = this.mix): Promise<PhaseResult> {
    this.throwIfInterrupted();
    const server = target === "loycore" ? this.loycore : await this.ceilingServer();
    this.progress(`phase ${name} against ${target}: ${describeLoad(load)}`);
    const groupCommitBefore = target === "loycore" ? await fetchGroupCommit(this.loycore.metricsUrl) : null;
    const outcome = await runLoadPhase({
      name,
      target,
      webSocketUrl: server.webSocketUrl,
      token: target === "loycore" ? this.loycore.token : "ceiling",
      load,
      clientThreads: this.clientThreads,
      mix,
      members: this.loycore.members,
      // Each phase has its own receipt ids: a receipt id committed again with other content is a CONFLICT.
      runIdentifier: `${this.runIdentifier}p${this.phases.length}`,
      sampler: target === "loycore" ? this.loycore.sampler : new ProcessSampler((server as StartedCeilingServer).pid),
      progress: this.progress,
    }, this.pool);
    if (target === "loycore" && Object.keys(outcome.averageAnswerBytes).length > 0) this.answerBytes = { ...this.answerBytes, ...outcome.averageAnswerBytes };
    const groupCommitAfter = groupCommitBefore === null ? null : await fetchGroupCommit(this.loycore.metricsUrl);
    const result: PhaseResult =
      groupCommitBefore === null || groupCommitAfter === null
        ? outcome.result
        : { ...outcome.result, notes: [...outcome.result.notes, ...describeGroupCommitBetween(groupCommitBefore, groupCommitAfter)] };
    this.phases.push(result);
    // A phase Ctrl-C cut short is kept, but nothing is computed from it nor run after it.
    this.throwIfInterrupted();
    return result;
  }

  /** After Ctrl-C: ends the run with the phases measured so far (main writes them as usual). */
  throwIfInterrupted(): void {
    if (!interruption.requested) return;
    const last = this.phases.at(-1);
    this.note(
      `interrupted by Ctrl-C${last === undefined ? " before the first phase" : ` during or after the ${last.name} phase (cut short)`}: no target checks; later phases did not run`,
    );
    throw new RunInterrupted(this.result([]));
  }

  private async ceilingServer(): Promise<StartedCeilingServer> {
    if (this.ceiling !== null) return this.ceiling;
    const answerBytes = { ...DEFAULT_ANSWER_BYTES, ...this.answerBytes };
    this.note(
      `ceiling answers sized ${Object.entries(answerBytes)
        .map(([operation, bytes]) => `${operation} ${bytes} B`)
        .join(", ")} (${this.answerBytes === null ? "defaults: no warm-up" : "measured from loycore's answers"})`,
    );
    this.ceiling = await startCeilingServer({ answerBytes, httpBodyBytes: {} });
    return this.ceiling;
  }

  result(checks: readonly TargetCheck[]): ScenarioResult {
    const settings: Record<string, string | number | boolean | null> = { ...this.values, runIdentifier: this.runIdentifier };
    // The token is a credential: the report says whether one was given, never which.
    if (settings["token"] !== null) settings["token"] = "(given)";
    return {
      scenario: this.scenario,
      startedAt: this.startedAt.toISOString(),
      machine: this.machine,
      settings,
      phases: this.phases,
      // A run Ctrl-C cut short has no checks at all (its note says so); the disk figures stay in the notes.
      checks: interruption.requested || this.diskSync === null ? checks : [...checks, diskSyncCheck(this.diskSync)],
      dataset: this.loycore.dataset,
      notes: [...this.notes, `free memory at the end ${Math.round(freemem() / 2 ** 20)} MiB`],
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pool.close(), this.ceiling?.stop(), this.loycore.stop()]);
  }
}

function describeLoad(load: PhaseLoad): string {
  switch (load.kind) {
    case "lanes":
      return `${load.lanes} lanes, ${load.durationSeconds} s${load.thinkMilliseconds > 0 ? `, think ${load.thinkMilliseconds} ms` : ""}`;
    case "pipelined":
      return `${load.connections} connections x ${load.receiptsPerConnection} receipts in progress, ${load.durationSeconds} s`;
    case "open-loop":
      return `${load.profile.rate} receipts/s (ramp ${load.profile.rampSeconds} s, plateau ${load.profile.plateauSeconds} s), ${load.connections} connections, at most ${load.receiptsInProgressMax} in progress`;
  }
}
