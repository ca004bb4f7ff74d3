import { createHash } from "node:crypto";
import { openAccount, transactionIdentifier, type Account } from "../account/account.js";
import { upgradeAccount } from "../account/upgrade-account.js";
import { assert } from "../assert/assert.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { CompiledProgram } from "../engine/compiled-program.js";
import { calculateForMember, commitForMember, reportVisitForMember, standingView } from "../engine/member-operations.js";
import type { Program } from "../program/program-document.js";
import type { Receipt, ReceiptCalculation } from "../receipt/receipt.js";
import { logicalShardOf } from "../sharding/shard-function.js";
import type { ReceiptRecord, ShardStore, ShardWrite } from "../storage/shard-store.js";
import type { ReceiptShardRequest, ShardReply, ShardRequest, VisitShardRequest } from "./shard-messages.js";

/**
 * Writes waiting in one group commit. Each commit writes an account and a
 * receipt; the gateway's mailbox bound (8,192 requests per shard) keeps a
 * batch under this, and reaching it anyway answers BUSY instead of growing.
 */
export const SHARD_BATCH_WRITES_MAX = 32_768;

/** Instruments the actor reports to; the worker binds them to prom-client. */
export interface ShardInstruments {
  /** A group commit became durable: how many writes, how long from flush start to durable. */
  observeBatch(writeCount: number, flushSeconds: number): void;
  /** A commit's answer was released: seconds from its arrival to its durable answer. */
  observeCommit(seconds: number): void;
}

export const SILENT_INSTRUMENTS: ShardInstruments = {
  observeBatch: () => undefined,
  observeCommit: () => undefined,
};

export interface ShardActorOptions {
  readonly shardIndex: number;
  readonly store: ShardStore;
  readonly ownedLogicalShards: readonly number[];
  readonly program: Program | null;
  /** Wall clock in epoch milliseconds; passed in so tests control time. */
  readonly clock: () => number;
  /** Monotonic seconds for latency figures. */
  readonly monotonicSeconds: () => number;
  readonly instruments?: ShardInstruments;
}

type Reply = (reply: ShardReply) => void;

interface StagedValue {
  readonly write: ShardWrite;
  /** The batch that will make this value durable. */
  readonly batchSequence: number;
}

interface OpenBatch {
  readonly sequence: number;
  readonly writes: ShardWrite[];
  /** Answers released once this batch (and every batch before it) is durable. */
  readonly releases: (() => void)[];
}

/**
 * A shard: the sole owner of the accounts of its logical shards. Messages are
 * handled one at a time, synchronously, in arrival order; only the release of
 * answers that depend on durability is deferred.
 *
 * Group commit: every write handled while a flush is in flight joins the next
 * batch, and that batch is flushed as soon as the previous one is durable (or
 * at the end of the current event-loop turn if nothing is in flight). Under
 * load batches grow by themselves; idle, a lone commit is flushed at once.
 *
 * Reads see staged (not yet durable) writes through an overlay, so a second
 * receipt of the same member in the same batch builds on the first. No answer
 * that depends on a staged write is released before that write is durable.
 */
export class ShardActor {
  private program: CompiledProgram | null;
  private readonly owned: ReadonlySet<number>;
  private readonly overlay = new Map<string, StagedValue>();
  private openBatch: OpenBatch = { sequence: 1, writes: [], releases: [] };
  private flushing = false;
  private flushScheduled = false;
  private stopped = false;
  private readonly instruments: ShardInstruments;

  constructor(private readonly options: ShardActorOptions) {
    this.program = options.program === null ? null : new CompiledProgram(options.program);
    this.owned = new Set(options.ownedLogicalShards);
    this.instruments = options.instruments ?? SILENT_INSTRUMENTS;
  }

  handle(request: ShardRequest, reply: Reply): void {
    assert(!this.stopped, "a stopped shard handles no messages");
    switch (request.kind) {
      case "lookup":
        this.lookup(request, reply);
        return;
      case "calculate":
        this.calculate(request, reply);
        return;
      case "commit":
        this.commit(request, reply);
        return;
      case "enroll":
        this.enroll(request, reply);
        return;
      case "reportVisit":
        this.reportVisit(request, reply);
        return;
      case "setProgram":
        // One reference swap between two messages: no request sees half a program.
        this.program = new CompiledProgram(request.program);
        reply({ ref: request.ref, ok: true, value: { version: request.program.version } });
        return;
      case "health":
        reply({
          ref: request.ref,
          ok: true,
          value: { shard: this.options.shardIndex, staged: this.overlay.size, program: this.program?.version ?? null },
        });
        return;
      case "metrics":
        // Metrics live in the worker's registry, not in the actor.
        reply({ ref: request.ref, ok: true, value: {} });
        return;
    }
  }

  /** Waits for every staged write to become durable; used on shutdown. */
  async drain(): Promise<void> {
    while (this.flushing || this.openBatch.writes.length > 0 || this.openBatch.releases.length > 0) {
      if (!this.flushing) this.startFlush();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.stopped = true;
  }

  private lookup(request: Extract<ShardRequest, { kind: "lookup" }>, reply: Reply): void {
    const account = this.readAccount(request.logicalShard, request.memberId);
    if (account === undefined) {
      reply(memberNotFound(request.ref, request.memberId));
      return;
    }
    reply({ ref: request.ref, ok: true, value: this.memberView(account) });
  }

  private calculate(request: ReceiptShardRequest, reply: Reply): void {
    const account = this.readAccount(request.logicalShard, request.memberId);
    if (account === undefined) {
      reply(memberNotFound(request.ref, request.memberId));
      return;
    }
    const program = this.program;
    if (program === null) {
      reply(failureReply(request.ref, "NO_PROGRAM", "no loyalty program is configured"));
      return;
    }
    const outcome = calculateForMember(program, account, request.receipt, request.redeem);
    if (!outcome.ok) {
      reply(failureReply(request.ref, outcome.code, outcome.message));
      return;
    }
    reply({
      ref: request.ref,
      ok: true,
      value: calculationAnswer(account.memberId, request.receipt, outcome.calculation, account.balance),
    });
  }

  private commit(request: ReceiptShardRequest, reply: Reply): void {
    const arrivedSeconds = this.options.monotonicSeconds();
    const release = (answer: ShardReply): void => {
      this.instruments.observeCommit(this.options.monotonicSeconds() - arrivedSeconds);
      reply(answer);
    };
    const { logicalShard, memberId, receipt } = request;
    this.assertOwned(logicalShard, memberId);
    const fingerprint = commitFingerprint(memberId, receipt, request.redeem);
    const existing = this.readReceipt(logicalShard, receipt.store, receipt.id);
    if (existing !== undefined) {
      const answer: ShardReply =
        existing.fingerprint === fingerprint
          ? { ref: request.ref, ok: true, value: existing.answer }
          : failureReply(
              request.ref,
              "CONFLICT",
              `receipt ${receipt.id} of store ${receipt.store} was committed with other content`,
            );
      this.releaseWhenDurable(() => release(answer));
      return;
    }
    const account = this.readAccount(logicalShard, memberId);
    if (account === undefined) {
      reply(memberNotFound(request.ref, memberId));
      return;
    }
    const program = this.program;
    if (program === null) {
      reply(failureReply(request.ref, "NO_PROGRAM", "no loyalty program is configured"));
      return;
    }
    const outcome = commitForMember(program, account, receipt, request.redeem);
    if (!outcome.ok) {
      // The refusal depends on a balance that may still be staged: release it in order.
      const refusal = failureReply(request.ref, outcome.code, outcome.message);
      this.releaseWhenDurable(() => release(refusal));
      return;
    }
    if (this.openBatch.writes.length + 2 > SHARD_BATCH_WRITES_MAX) {
      reply(failureReply(request.ref, "BUSY", "the shard's commit batch is full; retry later"));
      return;
    }
    const next = outcome.account;
    const answer = {
      ...calculationAnswer(memberId, receipt, outcome.calculation, next.balance),
      transaction: transactionIdentifier(memberId, next.sequence),
    };
    const record: ReceiptRecord = {
      logicalShard,
      store: receipt.store,
      receiptId: receipt.id,
      memberId,
      fingerprint,
      answer,
    };
    this.stage({ kind: "account", account: next });
    this.stage({ kind: "receipt", receipt: record });
    this.releaseWhenDurable(() => release({ ref: request.ref, ok: true, value: answer }));
  }

  private enroll(request: Extract<ShardRequest, { kind: "enroll" }>, reply: Reply): void {
    const { logicalShard, memberId, profile } = request;
    this.assertOwned(logicalShard, memberId);
    const existing = this.readAccount(logicalShard, memberId);
    if (existing !== undefined) {
      const same = JSON.stringify(existing.profile) === JSON.stringify(profile);
      const answer: ShardReply = same
        ? { ref: request.ref, ok: true, value: this.memberView(existing) }
        : failureReply(request.ref, "CONFLICT", `card ${profile.card} is already enrolled with other details`);
      this.releaseWhenDurable(() => reply(answer));
      return;
    }
    const account = openAccount(memberId, logicalShard, profile, this.options.clock());
    this.stage({ kind: "account", account });
    this.releaseWhenDurable(() => reply({ ref: request.ref, ok: true, value: this.memberView(account) }));
  }

  private memberView(account: Account): Record<string, unknown> {
    return {
      member: account.memberId,
      logicalShard: account.logicalShard,
      card: account.profile.card,
      phone: account.profile.phone,
      name: account.profile.name,
      birthDate: account.profile.birthDate,
      balance: account.balance,
      ...standingView(this.program, account, this.options.clock()),
      counters: account.counters,
      createdAt: account.createdAt,
      transactions: account.sequence,
      programVersion: this.program?.version ?? null,
    };
  }

  /**
   * A visit-status event, idempotent by (store, visit id). Its record shares
   * the receipts' key space under "visit <id>": a space never occurs in a
   * client id, so the two cannot collide.
   */
  private reportVisit(request: VisitShardRequest, reply: Reply): void {
    const { logicalShard, memberId, visit } = request;
    this.assertOwned(logicalShard, memberId);
    const recordId = `visit ${visit.id}`;
    const fingerprint = createHash("sha256").update(JSON.stringify([memberId, visit.store, visit.id, visit.status, visit.at])).digest("base64url");
    const existing = this.readReceipt(logicalShard, visit.store, recordId);
    if (existing !== undefined) {
      const answer: ShardReply =
        existing.fingerprint === fingerprint
          ? { ref: request.ref, ok: true, value: existing.answer }
          : failureReply(request.ref, "CONFLICT", `visit ${visit.id} of store ${visit.store} was reported with other content`);
      this.releaseWhenDurable(() => reply(answer));
      return;
    }
    const account = this.readAccount(logicalShard, memberId);
    if (account === undefined) {
      reply(memberNotFound(request.ref, memberId));
      return;
    }
    const program = this.program;
    if (program === null) {
      reply(failureReply(request.ref, "NO_PROGRAM", "no loyalty program is configured"));
      return;
    }
    if (this.openBatch.writes.length + 2 > SHARD_BATCH_WRITES_MAX) {
      reply(failureReply(request.ref, "BUSY", "the shard's commit batch is full; retry later"));
      return;
    }
    const next = reportVisitForMember(program, account, visit.status, visit.at);
    const answer = { member: memberId, visit: visit.id, status: visit.status, categories: next.categories };
    this.stage({ kind: "account", account: next });
    this.stage({
      kind: "receipt",
      receipt: { logicalShard, store: visit.store, receiptId: recordId, memberId, fingerprint, answer },
    });
    this.releaseWhenDurable(() => reply({ ref: request.ref, ok: true, value: answer }));
  }

  private assertOwned(logicalShard: number, memberId: string): void {
    assert(this.owned.has(logicalShard), `shard ${this.options.shardIndex} owns logical shard ${logicalShard}`);
    assert(logicalShardOf(memberId) === logicalShard, `member ${memberId} belongs to logical shard ${logicalShard}`);
  }

  private readAccount(logicalShard: number, memberId: string): Account | undefined {
    this.assertOwned(logicalShard, memberId);
    const staged = this.overlay.get(accountKey(logicalShard, memberId));
    if (staged !== undefined) {
      assert(staged.write.kind === "account", "account keys hold accounts");
      return staged.write.account;
    }
    const stored = this.options.store.readAccount(logicalShard, memberId);
    return stored === undefined ? undefined : upgradeAccount(stored);
  }

  private readReceipt(logicalShard: number, store: string, receiptId: string): ReceiptRecord | undefined {
    const staged = this.overlay.get(receiptKey(logicalShard, store, receiptId));
    if (staged !== undefined) {
      assert(staged.write.kind === "receipt", "receipt keys hold receipts");
      return staged.write.receipt;
    }
    return this.options.store.readReceipt(logicalShard, store, receiptId);
  }

  private stage(write: ShardWrite): void {
    // History is read from the store only: an entry shows once its operation is durable.
    if (write.kind === "account") {
      const key = accountKey(write.account.logicalShard, write.account.memberId);
      this.overlay.set(key, { write, batchSequence: this.openBatch.sequence });
    } else if (write.kind === "receipt") {
      const key = receiptKey(write.receipt.logicalShard, write.receipt.store, write.receipt.receiptId);
      this.overlay.set(key, { write, batchSequence: this.openBatch.sequence });
    }
    this.openBatch.writes.push(write);
    this.scheduleFlush();
  }

  /**
   * Runs `release` once everything staged so far is durable: at once if
   * nothing is staged or in flight, else with the open batch.
   */
  private releaseWhenDurable(release: () => void): void {
    if (!this.flushing && this.openBatch.writes.length === 0) {
      release();
      return;
    }
    this.openBatch.releases.push(release);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushing || this.flushScheduled) return;
    this.flushScheduled = true;
    // End of this event-loop turn: every message already delivered joins the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.flushing) this.startFlush();
    });
  }

  private startFlush(): void {
    assert(!this.flushing, "one flush at a time");
    const batch = this.openBatch;
    this.openBatch = { sequence: batch.sequence + 1, writes: [], releases: [] };
    if (batch.writes.length === 0) {
      for (const release of batch.releases) release();
      return;
    }
    this.flushing = true;
    const startedSeconds = this.options.monotonicSeconds();
    this.options.store.writeBatch(batch.writes).then(
      () => {
        this.instruments.observeBatch(batch.writes.length, this.options.monotonicSeconds() - startedSeconds);
        this.forgetDurable(batch.sequence);
        this.flushing = false;
        for (const release of batch.releases) release();
        if (this.openBatch.writes.length > 0 || this.openBatch.releases.length > 0) this.startFlush();
      },
      (error: unknown) => {
        // The staged state can no longer be made durable: continuing would answer from
        // state that a restart would not have. Crash; acknowledged work is already on disk.
        setImmediate(() => {
          throw new Error(`shard ${this.options.shardIndex} could not write a batch: ${String(error)}`);
        });
      },
    );
  }

  private forgetDurable(durableSequence: number): void {
    for (const [key, staged] of this.overlay) {
      if (staged.batchSequence <= durableSequence) this.overlay.delete(key);
    }
  }
}

function accountKey(logicalShard: number, memberId: string): string {
  return `a/${logicalShard}/${memberId}`;
}

function receiptKey(logicalShard: number, store: string, receiptId: string): string {
  return `r/${logicalShard}/${store}/${receiptId}`;
}

function failureReply(ref: number, code: ErrorCode, message: string): ShardReply {
  return { ref, ok: false, code, message };
}

function memberNotFound(ref: number, memberId: string): ShardReply {
  return failureReply(ref, "UNKNOWN_MEMBER", `member ${memberId} has no account`);
}

/** What makes two commits "the same": member, receipt content and redeem. */
export function commitFingerprint(memberId: string, receipt: Receipt, redeem: number): string {
  const canonical = JSON.stringify([
    memberId,
    receipt.store,
    receipt.id,
    receipt.at,
    redeem,
    receipt.lines.map((line) => [line.sku, line.qty, line.price, line.amount, line.noDiscount === true, line.noPoints === true]),
  ]);
  return createHash("sha256").update(canonical).digest("base64url");
}

function calculationAnswer(
  memberId: string,
  receipt: Receipt,
  calculation: ReceiptCalculation,
  balance: number,
): Record<string, unknown> {
  return { member: memberId, receipt: receipt.id, ...calculation, balance };
}
