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

/**
 * A coded failure: the one shape of every refusal, inside a thread, between
 * threads and over the wire. `Code` narrows the codes a function can give
 * (the ledger's are `Failure<LedgerErrorCode>`); the default is any code.
 * Build one with `failure()`.
 */
export interface Failure<Code extends ErrorCode = ErrorCode> {
  readonly ok: false;
  readonly code: Code;
  readonly message: string;
}

export function failure<Code extends ErrorCode>(code: Code, message: string): Failure<Code> {
  return { ok: false, code, message };
}

/**
 * What a domain operation answers: `ok: true` with the operation's own
 * fields, or a coded failure with one of `Code`.
 */
export type Outcome<Success extends object, Code extends ErrorCode = ErrorCode> = ({ readonly ok: true } & Success) | Failure<Code>;
