/** A whole-number flag of an in-process benchmark, from 1 to `maximum`, or `fallback` when absent. */
export function readBoundedFlag(text: string | undefined, fallback: number, maximum: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > maximum) throw new Error(`--${name} must be an integer from 1 to ${maximum}`);
  return value;
}
