// Thread: a shard worker thread.
import { assert } from "../domain/assert/assert.js";
import type { CommitLog } from "./log/commit-log.js";
import type { ShardReply } from "./shard-messages.js";

/**
 * Answers held until the log records they depend on are durable, released in
 * order. An operation's answer waits for its own record; an answer computed
 * from state that is not durable yet (a repeat of a receipt still syncing, a
 * refusal from a balance a staged commit set) waits for every record
 * appended before it. So no lane is ever told something a crash could take
 * back.
 *
 * One `whenDurable` wait is armed at a time, for the newest answer held, once
 * per event-loop turn (a microtask after the turn's messages are handled):
 * a group commit releases hundreds of answers with one promise.
 */
export class DurableReplies {
  private readonly held: { sequence: number; send: () => void }[] = [];
  private head = 0;
  private armedFor = 0;
  private armScheduled = false;

  constructor(
    private readonly log: CommitLog,
    /** A group of answers was released: how many, and seconds from arming to durable. */
    private readonly observeRelease: (answers: number, seconds: number) => void,
    private readonly monotonicSeconds: () => number,
  ) {}

  /** Answers held now. */
  get size(): number {
    return this.held.length - this.head;
  }

  /** Sends `reply` once record `sequence` (and every record before it) is durable. */
  afterRecord<Reply extends ShardReply>(sequence: number, reply: (answer: Reply) => void, answer: Reply): void {
    if (sequence <= this.log.durableSequence) {
      reply(answer);
      return;
    }
    const newest = this.held[this.held.length - 1];
    assert(newest === undefined || newest.sequence <= sequence, "answers are held in log order");
    this.held.push({ sequence, send: () => reply(answer) });
    this.scheduleArm();
  }

  /** Sends `reply` once everything appended so far is durable. */
  afterEverythingAppended<Reply extends ShardReply>(reply: (answer: Reply) => void, answer: Reply): void {
    this.afterRecord(this.log.nextSequence - 1, reply, answer);
  }

  /** Resolves once nothing is held. */
  async drained(): Promise<void> {
    while (this.size > 0) {
      const newest = this.held[this.held.length - 1];
      assert(newest !== undefined, "a held answer exists");
      await this.log.whenDurable(newest.sequence);
      this.release();
    }
  }

  private scheduleArm(): void {
    if (this.armScheduled) return;
    this.armScheduled = true;
    queueMicrotask(() => {
      this.armScheduled = false;
      this.arm();
    });
  }

  private arm(): void {
    const newest = this.held[this.held.length - 1];
    if (newest === undefined || newest.sequence <= this.armedFor) return;
    const target = newest.sequence;
    this.armedFor = target;
    const armedAt = this.monotonicSeconds();
    this.log.whenDurable(target).then(
      () => {
        const released = this.release();
        this.observeRelease(released, this.monotonicSeconds() - armedAt);
        if (this.size > 0) this.arm();
      },
      (error: unknown) => {
        // A failed log write is fatal (crash-only): nothing held was acknowledged.
        setImmediate(() => {
          throw error instanceof Error ? error : new Error(String(error));
        });
      },
    );
  }

  private release(): number {
    const durable = this.log.durableSequence;
    let released = 0;
    while (this.head < this.held.length) {
      const next = this.held[this.head];
      assert(next !== undefined, "held answers are dense");
      if (next.sequence > durable) break;
      this.head += 1;
      released += 1;
      next.send();
    }
    if (this.head === this.held.length || this.head > 1024) {
      this.held.splice(0, this.head);
      this.head = 0;
    }
    return released;
  }
}
