import type { FlagSpec } from "../kit-flags.js";
import { numberFlag, optionalNumberFlag } from "../kit-flags.js";
import { diskSyncAboveTargetNote } from "../disk-sync-probe.js";
import { decodeHistogram, newLatencyHistogram, summarize } from "../latency-recorder.js";
import { flowFlag, LOAD_FLAGS, PHASE_SECONDS_MAX, validateLoadFlags } from "../load-flags.js";
import type { PhaseLoad } from "../load-phase.js";
import { LoadRun } from "../load-run.js";
import { check } from "../target-check.js";
import type { LatencySummary, PhaseResult, TargetCheck } from "../scenario-result.js";
import { WARM_UP_PHASE_NAME } from "../scenario-result.js";
import type { Scenario } from "../scenario.js";
import {
  PIPELINED_CONNECTIONS_DEFAULT,
  PIPELINED_CONNECTIONS_MAX,
  RECEIPTS_PER_CONNECTION_DEFAULT,
  RECEIPTS_PER_CONNECTION_MAX,
} from "./pipelined-scenario.js";
import { SLOTS_PER_WORKER_MAX } from "../load-worker-protocol.js";

/** Far beyond what two cores commit; a typo of an extra zero still fails loudly. */
export const RATE_MAX = 1_000_000;
export const RAMP_SECONDS_MAX = 600;
export const OPEN_LOOP_CONNECTIONS_DEFAULT = 16;
/** Connections of the open-loop pool; more is the lanes scenario's business. */
export const OPEN_LOOP_CONNECTIONS_MAX = 256;
/**
 * Receipts in progress at once; an arrival beyond this fails at once as CLIENT_BACKLOG instead of
 * queueing in the client without bound (which would hide the server's slowness as client delay).
 */
export const RECEIPTS_IN_PROGRESS_DEFAULT = 4_096;
export const RECEIPTS_IN_PROGRESS_MAX = SLOTS_PER_WORKER_MAX;
/** The maximum-finding phase runs pipelined this long when --rate is not given. */
export const MAXIMUM_SECONDS_MAX = 60;
/** The targets at half the measured maximum: p99 of whole receipts under 2 ms ... */
export const RECEIPT_P99_TARGET_MILLISECONDS = 2;
/** ... and p99.9 under 5 ms. */
export const RECEIPT_P999_TARGET_MILLISECONDS = 5;

const FLAGS: readonly FlagSpec[] = [
  { name: "rate", kind: "number", minimum: 1, maximum: RATE_MAX, default: null, help: "plateau arrival rate, receipts/s (default: half the maximum measured in a pipelined phase first)" },
  { name: "ramp-seconds", kind: "integer", minimum: 0, maximum: RAMP_SECONDS_MAX, default: 2, help: "linear ramp up from 0 to the rate, and back down at the end" },
  { name: "plateau-seconds", kind: "integer", minimum: 1, maximum: PHASE_SECONDS_MAX, default: 10, help: "time at the full rate" },
  { name: "maximum-seconds", kind: "integer", minimum: 1, maximum: MAXIMUM_SECONDS_MAX, default: 5, help: "length of the maximum-finding pipelined phase (without --rate)" },
  {
    name: "maximum-connections",
    kind: "integer",
    minimum: 1,
    maximum: PIPELINED_CONNECTIONS_MAX,
    default: PIPELINED_CONNECTIONS_DEFAULT,
    help: "connections of the maximum-finding pipelined phase",
  },
  {
    name: "maximum-depth",
    kind: "integer",
    minimum: 1,
    maximum: RECEIPTS_PER_CONNECTION_MAX,
    default: RECEIPTS_PER_CONNECTION_DEFAULT,
    help: "receipts in progress per connection in the maximum-finding phase",
  },
  { name: "connections", kind: "integer", minimum: 1, maximum: OPEN_LOOP_CONNECTIONS_MAX, default: OPEN_LOOP_CONNECTIONS_DEFAULT, help: "connections the arrivals are spread over (pipelined)" },
  {
    name: "receipts-in-progress-max",
    kind: "integer",
    minimum: 1,
    maximum: RECEIPTS_IN_PROGRESS_MAX,
    default: RECEIPTS_IN_PROGRESS_DEFAULT,
    help: "bound on receipts in progress; arrivals beyond it fail as CLIENT_BACKLOG",
  },
  flowFlag("full"),
  ...LOAD_FLAGS,
];

/** Every request's latency in a phase (identify, calculate, commit, refund merged). */
function requestLatency(phase: PhaseResult): LatencySummary | null {
  const merged = newLatencyHistogram();
  for (const operation of phase.operations) {
    if (operation.operation !== "receipt" && operation.histogramBase64 !== null) merged.add(decodeHistogram(operation.histogramBase64));
  }
  return summarize(merged);
}

function receiptLatency(phase: PhaseResult): LatencySummary | null {
  return phase.operations.find((operation) => operation.operation === "receipt")?.latency ?? null;
}

export const peakScenario: Scenario = {
  name: "peak",
  summary: "open loop: receipts arrive at a target rate (ramp, plateau, ramp), latency from each receipt's intended start",
  flags: FLAGS,
  validate: validateLoadFlags,
  async run(values, progress) {
    const run = await LoadRun.open("peak", values, progress);
    try {
      let rate = optionalNumberFlag(values, "rate");
      if (rate === null) {
        const maximumLoad = (durationSeconds: number): PhaseLoad => ({
          kind: "pipelined",
          connections: numberFlag(values, "maximum-connections"),
          receiptsPerConnection: numberFlag(values, "maximum-depth"),
          durationSeconds,
        });
        // A cold server (and client) would understate the maximum, and so the peak hour's rate.
        if (run.warmUpSeconds > 0) await run.phase(WARM_UP_PHASE_NAME, "loycore", maximumLoad(run.warmUpSeconds));
        const maximum = await run.phase("maximum", "loycore", maximumLoad(numberFlag(values, "maximum-seconds")));
        if (maximum.receiptsPerSecond === 0) {
          throw new Error("the maximum-finding phase committed no receipt: give --rate, or a longer --maximum-seconds");
        }
        rate = Math.max(1, Math.floor(maximum.receiptsPerSecond / 2));
        run.note(`maximum ${maximum.receiptsPerSecond} receipts/s (pipelined, ${numberFlag(values, "maximum-connections")} x ${numberFlag(values, "maximum-depth")}); the peak hour runs at half: ${rate} receipts/s`);
      }
      const load = (rampSeconds: number, plateauSeconds: number): PhaseLoad => ({
        kind: "open-loop",
        connections: numberFlag(values, "connections"),
        profile: { rate: rate ?? 1, rampSeconds, plateauSeconds },
        receiptsInProgressMax: numberFlag(values, "receipts-in-progress-max"),
      });
      if (optionalNumberFlag(values, "rate") !== null && run.warmUpSeconds > 0) await run.phase(WARM_UP_PHASE_NAME, "loycore", load(0, run.warmUpSeconds));
      const rampSeconds = numberFlag(values, "ramp-seconds");
      const plateauSeconds = numberFlag(values, "plateau-seconds");
      const ceiling = await run.phase("ceiling", "ceiling", load(rampSeconds, plateauSeconds));
      const loycore = await run.phase("peak hour", "loycore", load(rampSeconds, plateauSeconds));
      run.note("receipt latency: from the receipt's intended arrival to its commit answer; request latency: identify from the intended arrival, calculate and commit from when they were sent");
      const receipts = receiptLatency(loycore);
      const requests = requestLatency(loycore);
      const ceilingReceipts = receiptLatency(ceiling);
      const latencyChecks = (summary: LatencySummary | null, what: string): TargetCheck[] =>
        summary === null
          ? []
          : [
              check(`p99 of ${what} at ${rate} receipts/s`, summary.p99Milliseconds, "ms", RECEIPT_P99_TARGET_MILLISECONDS, "at-most"),
              check(`p99.9 of ${what} at ${rate} receipts/s`, summary.p999Milliseconds, "ms", RECEIPT_P999_TARGET_MILLISECONDS, "at-most"),
            ];
      if (receipts === null) run.note("no receipt completed in the peak-hour phase: no latency checks");
      const diskNote = run.diskSync === null ? null : diskSyncAboveTargetNote(run.diskSync, RECEIPT_P99_TARGET_MILLISECONDS);
      if (diskNote !== null) run.note(diskNote);
      return run.result([
        ...latencyChecks(receipts, "whole receipts"),
        ...latencyChecks(requests, "requests (every operation)"),
        ...(ceilingReceipts === null ? [] : [check("p99 of whole receipts against the ceiling, same arrivals", ceilingReceipts.p99Milliseconds, "ms", null, "at-most")]),
        check("committed receipts/s (whole profile)", loycore.receiptsPerSecond, "receipts/s", null, "at-least"),
      ]);
    } finally {
      await run.close();
    }
  },
};
