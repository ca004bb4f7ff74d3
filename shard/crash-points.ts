import { writeSync } from "node:fs";

/**
 * Fault injection for crash tests: kill the whole process (as kill -9 does)
 * at named moments of the log's group commit and of a checkpoint, with a
 * given probability. Only when the process runs with LOYCORE_FAULT_INJECTION=1
 * and LOYCORE_CRASH_POINTS names points, e.g.
 * "after-write-before-sync:0.01,checkpoint-after-write-before-truncate:0.3";
 * otherwise no hook is installed and the points cost nothing.
 */
export type CrashPoint =
  | "before-write"
  | "after-write-before-sync"
  | "after-sync"
  | "checkpoint-before-write"
  | "checkpoint-after-write-before-truncate";

const CRASH_POINTS: readonly CrashPoint[] = [
  "before-write",
  "after-write-before-sync",
  "after-sync",
  "checkpoint-before-write",
  "checkpoint-after-write-before-truncate",
];

/** The hook to install, or undefined when fault injection is off or names no point. */
export function crashPointHook(environment: NodeJS.ProcessEnv): ((point: CrashPoint) => void) | undefined {
  if (environment["LOYCORE_FAULT_INJECTION"] !== "1") return undefined;
  const probabilities = parseCrashPoints(environment["LOYCORE_CRASH_POINTS"] ?? "");
  if (probabilities.size === 0) return undefined;
  return (point) => {
    const probability = probabilities.get(point);
    if (probability !== undefined && Math.random() < probability) {
      // One synchronous line first, so a crash test can count its crashes by point.
      writeSync(2, `${JSON.stringify({ event: "crashPoint", point })}\n`);
      process.kill(process.pid, "SIGKILL");
    }
  };
}

/** "name:probability,..." -> probabilities; unknown names and bad numbers are refused with a message naming them. */
export function parseCrashPoints(text: string): Map<CrashPoint, number> {
  const probabilities = new Map<CrashPoint, number>();
  for (const part of text.split(",").filter((item) => item.trim() !== "")) {
    const [name, value] = part.split(":").map((item) => item.trim());
    if (!CRASH_POINTS.includes(name as CrashPoint)) throw new RangeError(`LOYCORE_CRASH_POINTS: unknown crash point ${String(name)}`);
    const probability = Number(value);
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`LOYCORE_CRASH_POINTS: ${String(name)} needs a probability from 0 to 1`);
    probabilities.set(name as CrashPoint, probability);
  }
  return probabilities;
}
