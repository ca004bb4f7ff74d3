/**
 * Invariant assertions. A failed assertion means loycore itself is wrong (a
 * balance below zero, a shard touching an account it does not own): the thread
 * crashes rather than continue with corrupt state. Never use these for input
 * checks; input gets a coded error instead.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = "InvariantError";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new InvariantError(message);
  }
}

export function assertSafeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new InvariantError(`${what} must be a safe integer, got ${String(value)}`);
  }
}

export function assertNonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvariantError(`${what} must be a non-negative safe integer, got ${String(value)}`);
  }
}
