/** The plain sum of a list of numbers, for checking that parts add up to a total. */
export function sum(values: readonly number[]): number {
  let result = 0;
  for (const value of values) result += value;
  return result;
}
