import { describe, expect, it } from "vitest";
import { WARM_UP_PHASE_NAME } from "../scenario-result.js";
import type { ScenarioResult } from "../scenario-result.js";
import { ceilingRatios } from "./ceiling-ratios.js";
import { scenarioResultFixture } from "./test-support/scenario-result-fixture.js";

describe("ceiling ratios", () => {
  it("compares each measured loycore phase with the ceiling of its mode, never the warm-up", () => {
    const fixture = scenarioResultFixture();
    const loycore = fixture.phases.find((phase) => phase.name === "loycore");
    if (loycore === undefined) throw new Error("the fixture has a loycore phase");
    const result: ScenarioResult = { ...fixture, phases: [{ ...loycore, name: WARM_UP_PHASE_NAME, requestsPerSecond: 1_000 }, ...fixture.phases] };
    const ratios = ceilingRatios(result);
    expect(ratios.map((ratio) => ratio.phase.name)).toEqual(["loycore"]);
    expect(ratios[0]?.requestsRatio).toBeCloseTo(0.85, 6);
  });
});
