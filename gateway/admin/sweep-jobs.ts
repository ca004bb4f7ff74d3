// Thread: the gateway (main) thread.
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";

/** A job the registry keeps: its request's content (a repeat must match it) and its progress, read while it runs. */
export interface SweepJob<Progress> {
  readonly id: string;
  readonly content: string;
  readonly progress: Progress;
  state: "running" | "done" | "failed";
  error?: { readonly code: string; readonly message: string };
  /** When it finished (null: running): it is forgotten `keptMilliseconds` later. */
  finishedAt: number | null;
}

/**
 * Admin sweeps that run in the background and are polled (a segment's
 * personal coupons, a segment preview with progress): each keyed by its
 * request's client id, so a repeat finds the job (the same id with other
 * content is a CONFLICT). At most `runningMax` run at once (BUSY beyond),
 * finished ones are forgotten `keptMilliseconds` after they finish, and at
 * most `keptMax` are kept in all (the oldest finished go first; BUSY when all
 * kept are running).
 */
export class SweepJobs<Progress> {
  private readonly jobs = new Map<string, SweepJob<Progress>>();

  constructor(
    private readonly limits: { readonly runningMax: number; readonly keptMax: number; readonly keptMilliseconds: number },
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts `run` as a new job, or finds the job of this id (a repeat); `run` updates the progress and its outcome ends the job. */
  start(id: string, content: string, progress: Progress, run: (progress: Progress) => Promise<Outcome<object>>): Outcome<{ readonly job: SweepJob<Progress> }> {
    this.forgetOld();
    const existing = this.jobs.get(id);
    if (existing !== undefined) return existing.content === content ? { ok: true, job: existing } : failure("CONFLICT", `job ${id} was started with other content`);
    let running = 0;
    for (const job of this.jobs.values()) if (job.state === "running") running += 1;
    if (running >= this.limits.runningMax) return failure("BUSY", `${running} jobs are running (at most ${this.limits.runningMax}); try again when one is done`);
    if (this.jobs.size >= this.limits.keptMax && !this.forgetOldestFinished()) return failure("BUSY", `${this.jobs.size} jobs are kept, none finished`);
    const job: SweepJob<Progress> = { id, content, progress, state: "running", finishedAt: null };
    this.jobs.set(id, job);
    void run(progress).then(
      (outcome) => this.finish(job, outcome.ok ? null : { code: outcome.code, message: outcome.message }),
      (error: unknown) => this.finish(job, { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) }),
    );
    return { ok: true, job };
  }

  /** The job of this id while it is kept. */
  get(id: string): SweepJob<Progress> | undefined {
    this.forgetOld();
    return this.jobs.get(id);
  }

  private finish(job: SweepJob<Progress>, error: { readonly code: string; readonly message: string } | null): void {
    job.state = error === null ? "done" : "failed";
    if (error !== null) job.error = error;
    job.finishedAt = this.clock();
  }

  private forgetOld(): void {
    const now = this.clock();
    for (const [id, job] of this.jobs) if (job.finishedAt !== null && now - job.finishedAt >= this.limits.keptMilliseconds) this.jobs.delete(id);
  }

  private forgetOldestFinished(): boolean {
    let oldest: SweepJob<Progress> | null = null;
    for (const job of this.jobs.values()) if (job.finishedAt !== null && (oldest === null || job.finishedAt < (oldest.finishedAt ?? 0))) oldest = job;
    if (oldest === null) return false;
    this.jobs.delete(oldest.id);
    return true;
  }
}
