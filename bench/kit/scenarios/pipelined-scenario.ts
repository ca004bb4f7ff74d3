import type { FlagSpec } from "../kit-flags.js";
import { numberFlag } from "../kit-flags.js";
import { flowFlag, LOAD_FLAGS, PHASE_SECONDS_MAX, validateLoadFlags } from "../load-flags.js";
import type { PhaseLoad } from "../load-phase.js";
import { LoadRun } from "../load-run.js";
import { check } from "../target-check.js";
import { WARM_UP_PHASE_NAME } from "../scenario-result.js";
import type { Scenario } from "../scenario.js";

/** A store server multiplexing its lanes needs a few connections ... */
export const PIPELINED_CONNECTIONS_DEFAULT = 4;
/** ... and more than this is no longer "a few": use the lanes scenario. */
export const PIPELINED_CONNECTIONS_MAX = 64;
export const RECEIPTS_PER_CONNECTION_DEFAULT = 256;
/** loycore answers BUSY beyond 1,024 requests in flight on one connection. */
export const RECEIPTS_PER_CONNECTION_MAX = 1_024;
/** Pipelined: committed receipts/s must be at least this share of the ceiling's responses/s in the same run. */
export const PIPELINED_CEILING_SHARE_TARGET = 0.5;

const FLAGS: readonly FlagSpec[] = [
  { name: "connections", kind: "integer", minimum: 1, maximum: PIPELINED_CONNECTIONS_MAX, default: PIPELINED_CONNECTIONS_DEFAULT, help: "WebSocket connections" },
  {
    name: "depth",
    kind: "integer",
    minimum: 1,
    maximum: RECEIPTS_PER_CONNECTION_MAX,
    default: RECEIPTS_PER_CONNECTION_DEFAULT,
    help: "receipts in progress per connection (each has one request in flight)",
  },
  { name: "duration-seconds", kind: "integer", minimum: 1, maximum: PHASE_SECONDS_MAX, default: 10, help: "length of the ceiling phase and of the loycore phase" },
  flowFlag("commit"),
  ...LOAD_FLAGS,
];

export const pipelinedScenario: Scenario = {
  name: "pipelined",
  summary: "a few connections with many receipts in flight each (a store server): maximum throughput vs the ceiling",
  flags: FLAGS,
  validate: validateLoadFlags,
  async run(values, progress) {
    const run = await LoadRun.open("pipelined", values, progress);
    try {
      const durationSeconds = numberFlag(values, "duration-seconds");
      const load = (seconds: number): PhaseLoad => ({
        kind: "pipelined",
        connections: numberFlag(values, "connections"),
        receiptsPerConnection: numberFlag(values, "depth"),
        durationSeconds: seconds,
      });
      if (run.warmUpSeconds > 0) await run.phase(WARM_UP_PHASE_NAME, "loycore", load(run.warmUpSeconds));
      const ceiling = await run.phase("ceiling", "ceiling", load(durationSeconds));
      const loycore = await run.phase("loycore", "loycore", load(durationSeconds));
      return run.result([
        check(
          "loycore committed receipts/s as a share of the ceiling's responses/s",
          ceiling.requestsPerSecond > 0 ? loycore.receiptsPerSecond / ceiling.requestsPerSecond : 0,
          "ratio",
          PIPELINED_CEILING_SHARE_TARGET,
          "at-least",
        ),
        check(
          "loycore requests/s as a share of the ceiling's",
          ceiling.requestsPerSecond > 0 ? loycore.requestsPerSecond / ceiling.requestsPerSecond : 0,
          "ratio",
          null,
          "at-least",
        ),
      ]);
    } finally {
      await run.close();
    }
  },
};
