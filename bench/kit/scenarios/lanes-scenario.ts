import type { FlagSpec } from "../kit-flags.js";
import { numberFlag } from "../kit-flags.js";
import { flowFlag, LOAD_FLAGS, PHASE_SECONDS_MAX, validateLoadFlags } from "../load-flags.js";
import type { PhaseLoad } from "../load-phase.js";
import { LoadRun } from "../load-run.js";
import { check } from "../target-check.js";
import { WARM_UP_PHASE_NAME } from "../scenario-result.js";
import type { Scenario } from "../scenario.js";

/** The target: thousands of POS lanes, one WebSocket each ... */
export const LANES_DEFAULT = 1_000;
/** ... up to 5,000 (each is a connection and a file descriptor on both sides). */
export const LANES_MAX = 5_000;
/** A cashier scans for seconds between receipts; ten seconds of think time is already a quiet lane. */
export const THINK_MILLISECONDS_MAX = 10_000;
/** Closed loop, 1,000 lanes: loycore's requests/s must be at least this share of the ceiling's in the same run. */
export const LANES_CEILING_SHARE_TARGET = 0.8;

const FLAGS: readonly FlagSpec[] = [
  { name: "lanes", kind: "integer", minimum: 1, maximum: LANES_MAX, default: LANES_DEFAULT, help: "lanes, one WebSocket and one request in flight each" },
  { name: "duration-seconds", kind: "integer", minimum: 1, maximum: PHASE_SECONDS_MAX, default: 10, help: "length of the ceiling phase and of the loycore phase" },
  { name: "think-milliseconds", kind: "integer", minimum: 0, maximum: THINK_MILLISECONDS_MAX, default: 0, help: "pause of each lane between receipts" },
  flowFlag("full"),
  ...LOAD_FLAGS,
];

export const lanesScenario: Scenario = {
  name: "lanes",
  summary: "closed loop: L lanes, one WebSocket each, receipts back to back (identify, calculate, commit); loycore vs the ceiling",
  flags: FLAGS,
  validate: validateLoadFlags,
  async run(values, progress) {
    const run = await LoadRun.open("lanes", values, progress);
    try {
      const durationSeconds = numberFlag(values, "duration-seconds");
      const load = (seconds: number): PhaseLoad => ({
        kind: "lanes",
        lanes: numberFlag(values, "lanes"),
        durationSeconds: seconds,
        thinkMilliseconds: numberFlag(values, "think-milliseconds"),
      });
      if (run.warmUpSeconds > 0) await run.phase(WARM_UP_PHASE_NAME, "loycore", load(run.warmUpSeconds));
      const ceiling = await run.phase("ceiling", "ceiling", load(durationSeconds));
      const loycore = await run.phase("loycore", "loycore", load(durationSeconds));
      return run.result([
        check(
          "loycore requests/s as a share of the ceiling's (same client, same lanes)",
          ceiling.requestsPerSecond > 0 ? loycore.requestsPerSecond / ceiling.requestsPerSecond : 0,
          "ratio",
          LANES_CEILING_SHARE_TARGET,
          "at-least",
        ),
        check("loycore committed receipts/s", loycore.receiptsPerSecond, "receipts/s", null, "at-least"),
      ]);
    } finally {
      await run.close();
    }
  },
};
