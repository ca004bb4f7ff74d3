import { performance } from "node:perf_hooks";
import { InvariantError } from "../../domain/assert/assert.js";
import { failure, LoycoreError } from "../../protocol/errors/loycore-error.js";
import { ProgramValidationError } from "../../domain/program/validate-program-document.js";
import type { InputObject } from "../../domain/validation/fields.js";
import type { GatewayMetrics } from "../metrics.js";
import type { OperationOutcome, Terminal } from "../operations/operation-outcome.js";
import type { TerminalOperations } from "../operations/terminal-operations.js";
import type { TerminalRateLimiter } from "./terminal-rate-limiter.js";
import { isOperationName, readOperationRequest } from "../protocol/read-operation-request.js";

/**
 * Validates and executes one terminal request for any transport, counting it
 * in the metrics. Never throws for bad input: every refusal is a coded outcome.
 * Synchronous up to the first await, so the caller may pass fields that view
 * a transport buffer only while the handler runs.
 */
export class RequestHandler {
  constructor(
    private readonly operations: TerminalOperations,
    private readonly metrics: GatewayMetrics,
    private readonly clock: () => number,
    private readonly rateLimiter: TerminalRateLimiter,
  ) {}

  async handle(transport: "websocket" | "http", op: unknown, fields: InputObject, terminal: Terminal): Promise<OperationOutcome> {
    const started = performance.now();
    const opLabel = isOperationName(op) ? op : "unknown";
    let outcome: OperationOutcome;
    if (!this.rateLimiter.take(terminal.id)) {
      this.metrics.requests.inc({ transport, op: opLabel, code: "RATE_LIMITED" });
      return failure("RATE_LIMITED", "this terminal sends more requests per second than it may; slow down");
    }
    try {
      const request = readOperationRequest(op, fields, { terminalStore: terminal.store, now: this.clock() });
      outcome = await this.operations.execute(request, terminal);
    } catch (error) {
      outcome = outcomeOfError(error);
    }
    this.metrics.requests.inc({ transport, op: opLabel, code: outcome.ok ? "OK" : outcome.code });
    this.metrics.requestSeconds.observe({ op: opLabel }, (performance.now() - started) / 1000);
    return outcome;
  }
}

/**
 * Input errors become their code. A broken invariant crashes the process
 * (crash-only: acknowledged work is durable). Anything else is a bug: logged
 * and answered INTERNAL.
 */
export function outcomeOfError(error: unknown): OperationOutcome {
  if (error instanceof ProgramValidationError) {
    return { ...failure(error.code, error.message), details: { problems: error.problems } };
  }
  if (error instanceof LoycoreError) return failure(error.code, error.message);
  if (error instanceof InvariantError) {
    setImmediate(() => {
      throw error;
    });
  }
  process.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return failure("INTERNAL", "internal error; the request may be retried");
}
