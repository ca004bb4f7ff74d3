import { datasetOptionsFrom, DATASET_FLAGS } from "../dataset-flags.js";
import { describeMachine } from "../describe-machine.js";
import { describeGroupCommitBetween, fetchGroupCommit } from "../group-commit.js";
import { startCeilingServer } from "../ceiling-process.js";
import type { FlagSpec, FlagValues } from "../kit-flags.js";
import { KitUsageError, numberFlag, OUTPUT_FLAGS, stringFlag } from "../kit-flags.js";
import { check } from "../target-check.js";
import { interruption, RunInterrupted } from "../run-interruption.js";
import type { PhaseResult, ScenarioResult, TargetCheck } from "../scenario-result.js";
import type { Scenario } from "../scenario.js";
import { MetricsSampler, ProcessSampler } from "../server-sampler.js";
import type { ServerSampler } from "../server-sampler.js";
import { startLoycoreWithMembers } from "../started-loycore.js";
import type { DatasetFigures } from "../started-loycore.js";
import { HTTP_OPERATIONS, runHttpPhase } from "./http-phase.js";
import type { HttpOperation, HttpPhaseSettings } from "./http-phase.js";
import { ReceiptBodies } from "./http-receipts.js";

/** autocannon runs every connection on one thread; past a few thousand it measures its own event loop. */
export const HTTP_CONNECTIONS_MAX = 5_000;
/** loycore answers pipelined HTTP requests in order; deeper pipelines only queue in the kernel. */
export const PIPELINING_MAX = 256;
/** An hour covers a peak hour; anything longer is a soak test, not this kit. */
export const HTTP_PHASE_SECONDS_MAX = 3_600;
/** The protocol's bound on receipt lines. */
export const HTTP_RECEIPT_LINES_MAX = 500;

/** A probe that takes longer than this means loycore is not answering; the scenario says so instead of hanging. */
const PROBE_TIMEOUT_MILLISECONDS = 10_000;

const FLAGS: readonly FlagSpec[] = [
  { name: "connections", kind: "integer", minimum: 1, maximum: HTTP_CONNECTIONS_MAX, default: 100, help: "HTTP connections autocannon keeps open" },
  { name: "pipelining", kind: "integer", minimum: 1, maximum: PIPELINING_MAX, default: 1, help: "requests in flight per connection" },
  { name: "duration-seconds", kind: "integer", minimum: 1, maximum: HTTP_PHASE_SECONDS_MAX, default: 10, help: "length of the ceiling phase and of the loycore phase" },
  {
    name: "operation",
    kind: "choice",
    choices: HTTP_OPERATIONS,
    default: "mix",
    help: "what each connection sends: calculate, commit, or mix (calculate, then the commit of the same receipt)",
  },
  { name: "receipt-lines", kind: "integer", minimum: 1, maximum: HTTP_RECEIPT_LINES_MAX, default: 5, help: "lines of every receipt" },
  { name: "url", kind: "string", default: null, help: "a running loycore, http(s)://host:port, instead of a gateway the kit starts (needs --token)" },
  { name: "token", kind: "string", default: null, help: "terminal token for --url" },
  ...DATASET_FLAGS,
  ...OUTPUT_FLAGS,
];

function validate(values: FlagValues): void {
  const url = stringFlag(values, "url");
  if (url !== null) {
    let protocol = "";
    try {
      protocol = new URL(url).protocol;
    } catch {
      // Reported below.
    }
    if (protocol !== "http:" && protocol !== "https:") throw new KitUsageError(`--url must be an http:// or https:// URL of loycore; got "${url}"`);
    if (stringFlag(values, "token") === null) throw new KitUsageError("--token is required with --url");
    if (stringFlag(values, "data-dir") !== null) throw new KitUsageError("--data-dir is only for a gateway the kit starts (not with --url)");
  }
  if (url === null && stringFlag(values, "token") !== null) throw new KitUsageError("--token is only for --url");
}

function operationOf(values: FlagValues): HttpOperation {
  const operation = stringFlag(values, "operation");
  return HTTP_OPERATIONS.find((candidate) => candidate === operation) ?? "mix";
}

/** Where loycore runs for this scenario: started here over imported members, or remote. */
interface HttpLoycore {
  readonly url: string;
  readonly token: string;
  readonly sampler: ServerSampler | null;
  readonly dataset: DatasetFigures | null;
  stop(): Promise<void>;
}

async function openLoycore(values: FlagValues, progress: (line: string) => void): Promise<HttpLoycore> {
  const url = stringFlag(values, "url");
  if (url !== null) {
    const base = url.replace(/\/+$/, "");
    return { url: base, token: stringFlag(values, "token") ?? "", sampler: new MetricsSampler(`${base}/metrics`), dataset: null, stop: async () => undefined };
  }
  const started = await startLoycoreWithMembers(datasetOptionsFrom(values), progress);
  return {
    url: started.gateway.url,
    token: started.gateway.terminalToken,
    sampler: new ProcessSampler(started.gateway.pid),
    dataset: started.figures,
    stop: () => started.stop(),
  };
}

/**
 * The size in bytes of loycore's answer to each operation, from one real request of each: the ceiling
 * answers with bodies of the same size, so both phases move the same bytes.
 */
async function probeAnswerBytes(loycore: HttpLoycore, receipts: ReceiptBodies): Promise<Map<string, number>> {
  const body = receipts.next();
  const sizes = new Map<string, number>();
  for (const operation of ["calculate", "commit"]) {
    const response = await fetch(`${loycore.url}/v1/${operation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${loycore.token}` },
      body,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MILLISECONDS),
    });
    const answer = await response.text();
    if (response.status !== 200) throw new Error(`loycore answered the probe ${operation} with ${response.status}: ${answer.slice(0, 300)}`);
    sizes.set(operation, Buffer.byteLength(answer));
  }
  return sizes;
}

/**
 * `npm run bench -- http`: the same operations over HTTP, driven by autocannon, first against a minimal
 * uWebSockets.js HTTP responder (the ceiling of this client on this machine), then against loycore, in
 * the same run.
 */
async function run(values: FlagValues, progress: (line: string) => void): Promise<ScenarioResult> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const runIdentifier = `http-${Date.now().toString(36)}`;
  const operation = operationOf(values);
  const members = numberFlag(values, "members");
  const receiptLines = numberFlag(values, "receipt-lines");
  const durationSeconds = numberFlag(values, "duration-seconds");
  const phases: PhaseResult[] = [];
  const notes: string[] = [
    "HTTP/1.1 with JSON bodies; the ceiling is a uWebSockets.js responder answering each operation with a body of the size loycore answers it with",
  ];

  const loycore = await openLoycore(values, progress);
  const result = (checks: readonly TargetCheck[]): ScenarioResult => {
    const settings: Record<string, string | number | boolean | null> = { ...values, runIdentifier };
    // A terminal token is a credential: a report that is shared must not carry it.
    if (settings["token"] !== null) settings["token"] = "(given)";
    return { scenario: "http", startedAt, machine, settings, phases, checks, dataset: loycore.dataset, notes };
  };
  const throwIfInterrupted = (): void => {
    if (!interruption.requested) return;
    notes.push(`interrupted by Ctrl-C${phases.length === 0 ? " before the first phase" : ` during or after the ${phases.at(-1)?.name ?? ""} phase (cut short)`}: no target checks; later phases did not run`);
    throw new RunInterrupted(result([]));
  };
  try {
    throwIfInterrupted();
    const answerBytes = await probeAnswerBytes(loycore, new ReceiptBodies(members, `${runIdentifier}-probe`, receiptLines));
    progress(`loycore's answers: ${[...answerBytes].map(([name, bytes]) => `${name} ${bytes} bytes`).join(", ")}`);
    const phaseSettings: SharedPhaseSettings = {
      connections: numberFlag(values, "connections"),
      pipelining: numberFlag(values, "pipelining"),
      durationSeconds,
      operation,
      progress,
    };

    phases.push(await runCeilingPhase(phaseSettings, answerBytes, loycore.token, new ReceiptBodies(members, `${runIdentifier}-c`, receiptLines)));
    throwIfInterrupted();
    phases.push(await runLoycorePhase(phaseSettings, loycore, new ReceiptBodies(members, `${runIdentifier}-l`, receiptLines)));
    throwIfInterrupted();
  } finally {
    await loycore.stop();
  }

  const [ceilingPhase, loycorePhase] = phases;
  return result(ceilingPhase === undefined || loycorePhase === undefined ? [] : httpChecks(ceilingPhase, loycorePhase));
}

/** What the ceiling and loycore phases share: the load and where progress goes. */
type SharedPhaseSettings = Pick<HttpPhaseSettings, "connections" | "pipelining" | "durationSeconds" | "operation" | "progress">;

/** The ceiling phase: an HTTP ceiling server that answers with loycore's answer sizes, started for the phase and stopped after. */
async function runCeilingPhase(phaseSettings: SharedPhaseSettings, answerBytes: ReadonlyMap<string, number>, token: string, receipts: ReceiptBodies): Promise<PhaseResult> {
  const ceiling = await startCeilingServer({ answerBytes: {}, httpBodyBytes: Object.fromEntries(answerBytes) });
  try {
    phaseSettings.progress(`phase ceiling: ${phaseSettings.durationSeconds} s against the HTTP ceiling at ${ceiling.url}`);
    return await runHttpPhase({
      ...phaseSettings,
      name: "ceiling",
      target: "ceiling",
      url: ceiling.url,
      token,
      sampler: new ProcessSampler(ceiling.pid),
      receipts,
    });
  } finally {
    await ceiling.stop();
  }
}

/** The loycore phase, with notes on its group commits when loycore's metrics tell them. */
async function runLoycorePhase(phaseSettings: SharedPhaseSettings, loycore: HttpLoycore, receipts: ReceiptBodies): Promise<PhaseResult> {
  phaseSettings.progress(`phase loycore: ${phaseSettings.durationSeconds} s against loycore at ${loycore.url}`);
  const groupCommitBefore = await fetchGroupCommit(`${loycore.url}/metrics`);
  const loycorePhase = await runHttpPhase({
    ...phaseSettings,
    name: "loycore",
    target: "loycore",
    url: loycore.url,
    token: loycore.token,
    sampler: loycore.sampler,
    receipts,
  });
  const groupCommitAfter = groupCommitBefore === null ? null : await fetchGroupCommit(`${loycore.url}/metrics`);
  return groupCommitBefore === null || groupCommitAfter === null
    ? loycorePhase
    : { ...loycorePhase, notes: [...loycorePhase.notes, ...describeGroupCommitBetween(groupCommitBefore, groupCommitAfter)] };
}

/** The scenario's checks; the issue sets no HTTP target: the figures are reported, not judged. */
function httpChecks(ceilingPhase: PhaseResult, loycorePhase: PhaseResult): TargetCheck[] {
  return [
    check(
      "loycore requests/s as a share of the HTTP ceiling",
      ceilingPhase.requestsPerSecond > 0 ? loycorePhase.requestsPerSecond / ceilingPhase.requestsPerSecond : 0,
      "ratio",
      null,
      "at-least",
    ),
    check("loycore committed receipts/s", loycorePhase.receiptsPerSecond, "receipts/s", null, "at-least"),
  ];
}

export const httpScenario: Scenario = {
  name: "http",
  summary: "the same operations over HTTP/JSON, driven by autocannon; loycore vs a minimal HTTP responder",
  flags: FLAGS,
  validate,
  run,
};
