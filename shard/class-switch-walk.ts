// Thread: a shard worker thread, between messages.
import type { Account } from "../domain/account/account.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { importanceClassAt } from "../domain/engine/standing.js";
import type { ClassSystem } from "../protocol/program-document.js";
import type { OperationResult } from "./operations/operation-result.js";
import { announceClassSwitch } from "./operations/standing-events.js";
import type { ShardState } from "./state/shard-state.js";
import type { ShardWrite } from "./storage/shard-store.js";
import { WalkProgressRecords } from "./walk-progress.js";

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
  private readonly progress: WalkProgressRecords<SwitchProgress>;

  constructor(
    private readonly state: ShardState,
    ownedLogicalShards: readonly number[],
    private readonly host: ClassSwitchHost,
  ) {
    this.progress = new WalkProgressRecords(state, ownedLogicalShards, PROGRESS_RECORD_ID, NOTHING_TO_TELL);
  }

  /** Logical shards whose walk is not done (/metrics). */
  pending(): number {
    return this.progress.pending();
  }

  /** Walks at most `accountLimit` accounts; `target` is classesSignature of the program now, or "off". */
  step(accountLimit: number, now: number, compiled: CompiledProgram | null, target: string): boolean {
    const waitFor = this.host.nextSequence();
    if (!this.progress.restart((writes) => this.host.applyWithoutAccount(writes), (current) => restarted(current, target, waitFor))) return false;
    if (compiled === null || target === "off") return true;
    return this.progress.walkSome(
      accountLimit,
      (progress) => this.host.checkpointCovers(progress.waitFor),
      (logicalShard, progress, limit) => this.walk(logicalShard, progress, limit, now, compiled),
    );
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
      if (!this.host.apply(account, announceClassSwitch(account, now, { from, to }, [this.progress.write(logicalShard, current)]))) return null;
      this.progress.set(logicalShard, current);
    }
    const next: SwitchProgress = { ...current, done: members.length < limit };
    if (!this.host.applyWithoutAccount([this.progress.write(logicalShard, next)])) return null;
    this.progress.set(logicalShard, next);
    return members.length;
  }
}

const NOTHING_TO_TELL: SwitchProgress = { from: "off", target: "off", after: null, done: true, waitFor: 0 };

/** New classes: a logical shard walks from the classes its members were last told about (a first target, or "off": nothing to tell); null: the same target. */
function restarted(progress: SwitchProgress, target: string, waitFor: number): SwitchProgress | null {
  if (progress.target === target) return null;
  // A walk cut short by another switch goes on from what its members not yet walked were told.
  const from = progress.done ? progress.target : progress.from;
  const baseline = target === "off" || from === "off";
  return { from: baseline ? target : from, target, after: null, done: baseline || from === target, waitFor };
}
