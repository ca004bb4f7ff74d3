import type { TargetCheck } from "./scenario-result.js";

/** A measured figure against a bound (target null: reported only). */
export function check(name: string, measured: number, unit: string, target: number | null, direction: "at-least" | "at-most"): TargetCheck {
  const rounded = Math.round(measured * 1000) / 1000;
  return {
    name,
    measured: rounded,
    unit,
    target,
    direction,
    met: target === null ? null : direction === "at-least" ? measured >= target : measured <= target,
  };
}
