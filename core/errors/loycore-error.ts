import type { ErrorCode } from "./error-codes.js";

/**
 * The one error class of loycore. Every error that crosses a layer carries a
 * stable string `code` (see error-codes.ts); the message is for people and may
 * change. Domain outcomes are returned as coded results, not thrown: this class
 * is for input that is refused before any work (validation, limits).
 */
export class LoycoreError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "LoycoreError";
    this.code = code;
  }
}

/** A coded failure as it travels between threads and over the wire. */
export interface Failure {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export function failure(code: ErrorCode, message: string): Failure {
  return { ok: false, code, message };
}
