import type { ErrorCode } from "../../core/errors/error-codes.js";

/** The answer to one operation, before a transport frames it. */
export type OperationOutcome =
  | { readonly ok: true; readonly value: object }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      readonly message: string;
      /** Machine-readable detail some refusals carry, e.g. `problems` of a refused program. */
      readonly details?: Readonly<Record<string, unknown>>;
    };

export function failed(code: ErrorCode, message: string): OperationOutcome {
  return { ok: false, code, message };
}

/** The terminal a request came from, as authentication found it. */
export interface Terminal {
  readonly id: string;
  readonly store: string;
  readonly partner: string;
}
