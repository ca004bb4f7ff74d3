import { WARM_UP_PHASE_NAME } from "../scenario-result.js";
import type { PhaseResult, ScenarioResult } from "../scenario-result.js";

/** A loycore phase as a share of the ceiling phase of the same load mode in the same run. */
export interface CeilingRatio {
  readonly phase: PhaseResult;
  readonly ceiling: PhaseResult;
  /** loycore requests/s over the ceiling's requests/s. */
  readonly requestsRatio: number;
  /** loycore committed receipts/s over the ceiling's requests/s (a ceiling commits nothing). */
  readonly receiptsRatio: number;
}

/**
 * One ratio per measured loycore phase that has a ceiling phase of the same mode; the first such
 * ceiling is the one compared with. A warm-up is not measured (a cold server and client, cut short), so
 * it has no ratio. A ceiling that answered nothing gives no ratio rather than an infinite one.
 */
export function ceilingRatios(result: ScenarioResult): CeilingRatio[] {
  const ratios: CeilingRatio[] = [];
  for (const phase of result.phases) {
    if (phase.target !== "loycore" || phase.name === WARM_UP_PHASE_NAME) continue;
    const ceiling = result.phases.find((candidate) => candidate.target === "ceiling" && candidate.mode === phase.mode);
    if (ceiling === undefined || ceiling.requestsPerSecond <= 0) continue;
    ratios.push({
      phase,
      ceiling,
      requestsRatio: phase.requestsPerSecond / ceiling.requestsPerSecond,
      receiptsRatio: phase.receiptsPerSecond / ceiling.requestsPerSecond,
    });
  }
  return ratios;
}
