import type { Program } from "../../protocol/program-document.js";
import { validateProgramDocument } from "../program/validate-program-document.js";

/**
 * A validated program with only points: 5 % back, points pay up to half a
 * receipt, no statuses, rules, classes or categories. Tests of shards and the
 * gateway use it so their numbers stay easy to check by hand.
 */
export function simpleProgram(version = 1, accrualRateBasisPoints = 500): Program {
  return {
    ...validateProgramDocument({
      name: "Simple points",
      points: { accrualRateBasisPoints, maxRedeemShareBasisPoints: 5_000 },
    }),
    version,
  };
}
