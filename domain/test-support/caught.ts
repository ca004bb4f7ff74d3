import { expect } from "vitest";

/** Runs an action that must throw and returns what it threw; fails the test if it returns. */
export function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return expect.unreachable("expected the action to throw");
}
