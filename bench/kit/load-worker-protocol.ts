import type { ArrivalProfile } from "./arrival-profile.js";
import type { IntervalSnapshot, OperationSnapshot } from "./latency-recorder.js";
import type { MemberSource } from "./member-source.js";
import type { ReceiptMix } from "./receipt-mix.js";

/** Receipts in progress per worker are addressed by the low 16 bits of the request id. */
export const SLOTS_PER_WORKER_MAX = 65_536;

/** How a worker offers load. */
export type WorkerMode =
  /** Closed loop: `receiptsPerConnection` receipts in progress on each connection, back to back (lanes: 1; pipelined: many). */
  | { readonly kind: "closed-loop"; readonly receiptsPerConnection: number; readonly durationSeconds: number; readonly thinkMilliseconds: number }
  /** Open loop: arrivals follow the profile (this worker's share of the rate), at most `receiptsInProgressMax` at once. */
  | { readonly kind: "open-loop"; readonly profile: ArrivalProfile; readonly receiptsInProgressMax: number };

/** What a load worker needs for one phase. */
export interface LoadWorkerSettings {
  readonly workerIndex: number;
  readonly webSocketUrl: string;
  readonly token: string;
  readonly connections: number;
  readonly mode: WorkerMode;
  readonly mix: ReceiptMix;
  /** Demo-numbered members travel as a count, not as lists (10M members would be about 1 GB per thread). */
  readonly members: MemberSource;
  /** Makes receipt ids unique across runs against the same server. */
  readonly runIdentifier: string;
}

export type MainToWorker =
  /** Make the phase's engine and open its connections; answered by "ready". */
  | { readonly kind: "prepare"; readonly settings: LoadWorkerSettings }
  /** Start offering load at this epoch time (milliseconds, `performance.timeOrigin + performance.now()`). */
  | { readonly kind: "start"; readonly startAtEpochMilliseconds: number }
  /** Stop early (Ctrl-C): finish now and report. */
  | { readonly kind: "stop" };

export type WorkerToMain =
  | { readonly kind: "ready" }
  | { readonly kind: "interval"; readonly snapshot: IntervalSnapshot }
  | {
      readonly kind: "done";
      readonly operations: readonly OperationSnapshot[];
      readonly elapsedSeconds: number;
      readonly notes: readonly string[];
    }
  | { readonly kind: "failed"; readonly message: string };
