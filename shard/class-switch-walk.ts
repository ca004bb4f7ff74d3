// Thread: a shard worker thread, between messages.
import type { Account } from "../domain/account/account.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { importanceClassAt } from "../domain/engine/standing.js";
import type { ClassSystem } from "../protocol/program-document.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import type { OperationResult } from "./operations/operation-result.js";
import { announceClassSwitch } from "./operations/standing-events.js";
import { BACKFILL_MEMBER } from "./reminder-backfill.js";
import type { ShardState } from "./state/shard-state.js";
import type { ShardWrite } from "./storage/shard-store.js";

const PROGRESS_RECORD_ID = "class switch";

/**
 * Where a logical shard's walk after a change of the program's classes is:
 * the classes members were last told about (`from`), the program's now
 * (`target`, as JSON; "off" while no endpoint takes class.changed), after
 * which member, whether done, and the log position it waits for (as the
 * reminder backfill's).
 */
interface SwitchProgress {
  readonly from: string;
  readonly target: string;
  readonly after: string | null;
  readonly done: boolean;
  readonly waitFor: number;
}

/** What the walk needs of the actor: log an operation on an account or writes without one (false: the log refused), and the log's and LMDB's positions. */
export interface ClassSwitchHost {
  apply(before: Account, result: Extract<OperationResult, { kind: "applied" }>): boolean;
  applyWithoutAccount(writes: readonly ShardWrite[]): boolean;
  nextSequence(): number;
  checkpointCovers(sequence: number): boolean;
}

/** The program's classes as the walk compares them ("none": no classes). */
export function classesSignature(compiled: CompiledProgram | null): string {
  const classes = compiled?.program.classes ?? null;
  return classes === null ? "none" : JSON.stringify(classes);
}

/** Enough of a compiled program for importanceClassAt, from a stored classes document. */
function classesProgram(signature: string): CompiledProgram {
  const classes = signature === "none" ? null : (JSON.parse(signature) as ClassSystem);
  const classesHighestFirst = [...(classes?.classes ?? [])].sort((left, right) => right.rank - left.rank);
  return { program: { classes }, classesHighestFirst } as unknown as CompiledProgram;
}

/**
 * The class.changed events of a program switch (docs/notifications.md,
 * "Which operations emit which kinds"): when a new program's classes differ
 * from those members were last told about, each logical shard's members are
 * walked, a bounded step at a time, and a member whose class now differs
 * under the new classes from the old ones gets a class.changed (`cause`
 * "program") as an operation of its own. Each such operation's record also
 * moves the logical shard's progress past its member, so a restart resumes
 * after the last one written and no member is told twice.
 */
export class ClassSwitchWalk {
  private readonly progress = new Map<number, SwitchProgress>();

  constructor(
    private readonly state: ShardState,
    private readonly ownedLogicalShards: readonly number[],
    private readonly host: ClassSwitchHost,
  ) {}

  /** Logical shards whose walk is not done (/metrics). */
  pending(): number {
    let pending = 0;
    for (const logicalShard of this.ownedLogicalShards) if (!this.progressOf(logicalShard).done) pending += 1;
    return pending;
  }

  /** Walks at most `accountLimit` accounts; `target` is classesSignature of the program now, or "off". */
  step(accountLimit: number, now: number, compiled: CompiledProgram | null, target: string): boolean {
    if (!this.restart(target)) return false;
    if (compiled === null || target === "off") return true;
    let budget = accountLimit;
    for (const logicalShard of this.ownedLogicalShards) {
      if (budget <= 0) break;
      const progress = this.progressOf(logicalShard);
      if (progress.done || !this.host.checkpointCovers(progress.waitFor)) continue;
      const walked = this.walk(logicalShard, progress, budget, now, compiled);
      if (walked === null) return false;
      budget -= Math.max(1, walked);
    }
    return true;
  }

  /** New classes: each logical shard walks from the classes its members were last told about (a first target, or "off": nothing to tell). */
  private restart(target: string): boolean {
    const writes: ShardWrite[] = [];
    const restarted: [number, SwitchProgress][] = [];
    const waitFor = this.host.nextSequence();
    for (const logicalShard of this.ownedLogicalShards) {
      const progress = this.progressOf(logicalShard);
      if (progress.target === target) continue;
      // A walk cut short by another switch goes on from what its members not yet walked were told.
      const from = progress.done ? progress.target : progress.from;
      const baseline = target === "off" || from === "off";
      const next: SwitchProgress = { from: baseline ? target : from, target, after: null, done: baseline || from === target, waitFor };
      writes.push(progressWrite(logicalShard, next));
      restarted.push([logicalShard, next]);
    }
    if (writes.length === 0) return true;
    if (!this.host.applyWithoutAccount(writes)) return false;
    for (const [logicalShard, progress] of restarted) this.progress.set(logicalShard, progress);
    return true;
  }

  /** One step over a logical shard's members: returns the accounts walked, or null when the log refused a record. */
  private walk(logicalShard: number, progress: SwitchProgress, limit: number, now: number, compiled: CompiledProgram): number | null {
    const old = classesProgram(progress.from);
    const members = this.state.scanStoredMembers(logicalShard, progress.after, limit);
    let current = progress;
    for (const memberId of members) {
      current = { ...current, after: memberId };
      const account = this.state.readAccount(logicalShard, memberId, false);
      if (account === undefined) continue;
      const from = importanceClassAt(old, account, now)?.id ?? null;
      const to = importanceClassAt(compiled, account, now)?.id ?? null;
      if (from === to) continue;
      if (!this.host.apply(account, announceClassSwitch(account, now, { from, to }, [progressWrite(logicalShard, current)]))) return null;
      this.progress.set(logicalShard, current);
    }
    const next: SwitchProgress = { ...current, done: members.length < limit };
    if (!this.host.applyWithoutAccount([progressWrite(logicalShard, next)])) return null;
    this.progress.set(logicalShard, next);
    return members.length;
  }

  private progressOf(logicalShard: number): SwitchProgress {
    let progress = this.progress.get(logicalShard);
    if (progress === undefined) {
      const record = this.state.readRecord(logicalShard, BACKFILL_MEMBER, ADMIN_RECORD_STORE, PROGRESS_RECORD_ID);
      progress = record === undefined ? { from: "off", target: "off", after: null, done: true, waitFor: 0 } : (record.answer as unknown as SwitchProgress);
      this.progress.set(logicalShard, progress);
    }
    return progress;
  }
}

function progressWrite(logicalShard: number, progress: SwitchProgress): ShardWrite {
  return {
    kind: "receipt",
    receipt: { logicalShard, store: ADMIN_RECORD_STORE, receiptId: PROGRESS_RECORD_ID, memberId: BACKFILL_MEMBER, fingerprint: "", answer: { ...progress } },
  };
}
