import type { Failure } from "../../protocol/errors/loycore-error.js";

/** A failure as the gateway answers it: some carry machine-readable `details`, e.g. `problems` of a refused program. */
export type OperationFailure = Failure & { readonly details?: Readonly<Record<string, unknown>> };

/** The answer to one operation, before a transport frames it: `Value` is its wire type (protocol/). */
export type OperationOutcome<Value extends object = object> = { readonly ok: true; readonly value: Value } | OperationFailure;

/** The terminal a request came from, as authentication found it. */
export interface Terminal {
  readonly id: string;
  readonly store: string;
  readonly partner: string;
}

/** An answer that is a document of its own (a CSV export), written as it is instead of encoded. */
export class TextAnswer {
  constructor(
    readonly contentType: string,
    readonly body: string,
  ) {}
}
