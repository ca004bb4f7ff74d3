import type { ScenarioResult } from "./scenario-result.js";

/**
 * Ctrl-C during a run: the current phase ends with what it has measured, no further phase starts, and
 * the kit still writes result.json and report.html with the phases that ran. A second Ctrl-C quits at
 * once without reports.
 */

/** Set by the first Ctrl-C; a run checks it before each phase. */
export const interruption = { requested: false };

const stopListeners = new Set<() => void>();

/**
 * Calls `stop` on the first Ctrl-C while a phase runs (to end its load at once); returns the function
 * that unsubscribes it when the phase is over.
 */
export function onInterrupt(stop: () => void): () => void {
  stopListeners.add(stop);
  return () => {
    stopListeners.delete(stop);
  };
}

/** Thrown by a scenario that stopped early on Ctrl-C; it carries what was measured so far. */
export class RunInterrupted extends Error {
  override readonly name = "RunInterrupted";

  constructor(readonly partial: ScenarioResult) {
    super("interrupted (Ctrl-C)");
  }
}

/** Exit status of a second Ctrl-C: 128 + SIGINT, as a shell reports a process killed by it. */
const EXIT_SECOND_INTERRUPT = 130;

/**
 * Makes the first SIGINT a request to stop (instead of Node's default exit) for the whole run, even
 * between phases (while importing or starting servers): the run stops at the next phase boundary.
 */
export function installInterruptHandler(progress: (line: string) => void): void {
  process.on("SIGINT", () => {
    if (interruption.requested) {
      progress("second Ctrl-C: quitting without reports");
      process.exit(EXIT_SECOND_INTERRUPT);
    }
    interruption.requested = true;
    for (const stop of stopListeners) stop();
    progress("Ctrl-C: ending the current phase, then writing the reports (Ctrl-C again to quit at once)");
  });
}
