import type { FlagSpec, FlagValues } from "./kit-flags.js";
import type { ScenarioResult } from "./scenario-result.js";

/** One scenario of the kit: `node dist/bench/kit/main.js <name> [flags]`. */
export interface Scenario {
  readonly name: string;
  /** One line for the scenario list in --help. */
  readonly summary: string;
  /** Every flag it takes (validated one by one before it runs), shown in --help. */
  readonly flags: readonly FlagSpec[];
  /** Checks between flags; throws KitUsageError. */
  validate(values: FlagValues): void;
  /** `progress` prints one line for people (stderr). */
  run(values: FlagValues, progress: (line: string) => void): Promise<ScenarioResult>;
}
