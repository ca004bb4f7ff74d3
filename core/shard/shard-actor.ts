import { createHash } from "node:crypto";
import { openAccount, transactionIdentifier, type Account } from "../account/account.js";
import { upgradeAccount } from "../account/upgrade-account.js";
import { assert } from "../assert/assert.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { LoycoreError } from "../errors/loycore-error.js";
import { CompiledProgram } from "../engine/compiled-program.js";
import {
  adjustForMember,
  calculateWithSpendable,
  commitForMember,
  holdForMember,
  releaseHoldForMember,
  reportVisitForMember,
  standingView,
} from "../engine/member-operations.js";
import { reverseReceipt, scaledQuantity } from "../engine/receipt-settlement.js";
import { ledgerTotals, settleLedger } from "../ledger/ledger.js";
import type { Program } from "../program/program-document.js";
import type { Receipt, ReceiptCalculation } from "../receipt/receipt.js";
import { logicalShardOf } from "../sharding/shard-function.js";
import type { ReceiptRecord, ShardStore, ShardWrite } from "../storage/shard-store.js";
import type {
  AdjustShardRequest,
  CancelShardRequest,
  ReceiptShardRequest,
  RefundShardRequest,
  ShardReply,
  ShardRequest,
  VisitShardRequest,
} from "./shard-messages.js";

/**
 * Writes waiting in one group commit. Each commit writes an account and a
 * receipt; the gateway's mailbox bound (8,192 requests per shard) keeps a
 * batch under this, and reaching it anyway answers BUSY instead of growing.
 */
export const SHARD_BATCH_WRITES_MAX = 32_768;

/**
 * Group commits handed to the store and not yet durable: one. A second batch
 * in flight lets the next commit while the previous one syncs (measured here:
 * 1,485 -> 1,770-1,949 receipts/s at 64 lanes), but it is not safe: batch N+1
 * writes account records computed from batch N's staged state, so if N's
 * write fails after N+1 is queued, N+1 can land on disk with N's effects but
 * without N's receipt records, and a retried receipt would apply twice. With
 * one in flight a failed batch stops the shard before anything builds on it.
 * The code below supports more (answers are chained in batch order) for a
 * store that can make later batches depend on earlier ones.
 */
export const SHARD_BATCHES_IN_FLIGHT_MAX = 1;

/**
 * Decoded accounts a shard keeps (least recently used dropped first). A lane
 * rereads its member within milliseconds, so the working set is the members
 * being served now, a few thousand; a decoded account with its lots is a few
 * KiB of heap, so 10,000 bounds the cache at tens of MiB per shard.
 */
export const ACCOUNT_CACHE_ENTRIES_MAX = 10_000;

/** Instruments the actor reports to; the worker binds them to prom-client. */
export interface ShardInstruments {
  /** A group commit became durable: how many writes, how long from flush start to durable. */
  observeBatch(writeCount: number, flushSeconds: number): void;
  /** A commit's answer was released: seconds from its arrival to its durable answer. */
  observeCommit(seconds: number): void;
  /** Staged writes were dropped because the storage was full (optional: the worker may not count it). */
  observeStorageFull?(discardedWrites: number): void;
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

/** A (store, receipt id) staged for a member and not yet durable. */
interface ReceiptClaim {
  readonly memberId: string;
  /** The last batch that writes this record: the claim ends once it is durable. */
  readonly batchSequence: number;
}

interface StagedValue {
  readonly write: ShardWrite;
  /** The batch that will make this value durable. */
  readonly batchSequence: number;
}

/** An answer that waits for a batch: sent once the batch is durable, or refused if it cannot be written. */
interface PendingAnswer {
  readonly reply: Reply;
  readonly answer: ShardReply;
}

interface OpenBatch {
  readonly sequence: number;
  readonly writes: ShardWrite[];
  /** Answers released once this batch (and every batch before it) is durable. */
  readonly releases: PendingAnswer[];
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
  /**
   * Decoded accounts as they are on disk, most recently used last. A lane
   * reads the same member three times per receipt (identify, calculate,
   * commit): decoding its msgpack record each time was the largest single
   * cost of a shard thread. The shard is the only writer of its accounts,
   * so an entry can only go stale through this actor, which keeps it current:
   * entries come from store reads and from batches once durable; a batch
   * discarded for lack of space empties the cache (see discardAfterFullStorage).
   */
  private readonly durableAccounts = new Map<string, Account>();
  /**
   * (store, record id) -> member, for records staged and not yet durable.
   * Records are keyed per member in storage, so two members' commits of one
   * receipt id do not meet there; this refuses the second while the first is
   * in flight, and the gateway's receipt index refuses it once the first is
   * answered. Bounded: one entry per staged record, and the staged records
   * are bounded by SHARD_BATCH_WRITES_MAX per batch.
   */
  private readonly receiptClaims = new Map<string, ReceiptClaim>();
  private openBatch: OpenBatch = { sequence: 1, writes: [], releases: [] };
  private batchesInFlight = 0;
  private durableTail: Promise<unknown> = Promise.resolve();
  private sweepCursor: { shardPosition: number; afterMemberId: string | null } = { shardPosition: 0, afterMemberId: null };
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
      case "cancel":
        this.cancel(request, reply);
        return;
      case "refund":
        this.refund(request, reply);
        return;
      case "adjust":
        this.adjust(request, reply);
        return;
      case "activity": {
        this.assertOwned(request.logicalShard, request.memberId);
        const page = this.options.store.readActivity(request.logicalShard, request.memberId, request.before, request.limit);
        reply({ ref: request.ref, ok: true, value: { activity: page.map(({ sequence, at, kind, detail }) => ({ sequence, at, kind, ...detail })) } });
        return;
      }
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

  /**
   * One bounded step of the expiry sweep: reads at most `accountLimit`
   * accounts, continuing where the last step stopped (logical shard by
   * logical shard, member id order), and for each whose lots expired or
   * whose holds lapsed, stages the settled account with an "expiry" history
   * entry. Expiry also applies whenever an account is read, so the sweep is
   * only what makes a member who never comes back see the expiry in history.
   * Returns how many accounts it changed.
   */
  sweepExpired(accountLimit: number): number {
    const program = this.program;
    const owned = this.options.ownedLogicalShards;
    if (program === null || owned.length === 0 || this.batchIsFull(accountLimit * 2)) return 0;
    const now = this.options.clock();
    let changed = 0;
    let budget = accountLimit;
    // Each step visits at most every owned logical shard once, so empty shards cannot loop it.
    for (let shardsVisited = 0; budget > 0 && shardsVisited < owned.length; ) {
      const logicalShard = owned[this.sweepCursor.shardPosition % owned.length];
      assert(logicalShard !== undefined, "owned logical shards are dense");
      const requested = budget;
      const page = this.options.store.scanAccounts(logicalShard, this.sweepCursor.afterMemberId, requested);
      budget -= page.length;
      for (const stored of page) {
        const account = this.readAccount(logicalShard, stored.memberId, false) ?? upgradeAccount(stored);
        const settled = settleLedger(account.ledger, now);
        if (settled.expired === 0 && settled.releasedHolds.length === 0) continue;
        const next: Account = {
          ...account,
          ledger: settled.ledger,
          balance: ledgerTotals(settled.ledger, now).available,
          sequence: account.sequence + 1,
        };
        this.stage({ kind: "account", account: next });
        this.stageActivity(next, now, "expiry", { expired: settled.expired, releasedHolds: settled.releasedHolds });
        changed += 1;
      }
      const last = page.at(-1);
      if (page.length < requested || last === undefined) {
        this.sweepCursor = { shardPosition: (this.sweepCursor.shardPosition + 1) % owned.length, afterMemberId: null };
        shardsVisited += 1;
      } else {
        this.sweepCursor = { ...this.sweepCursor, afterMemberId: last.memberId };
      }
    }
    return changed;
  }

  /** Waits for every staged write to become durable; used on shutdown. */
  async drain(): Promise<void> {
    while (this.batchesInFlight > 0 || this.openBatch.writes.length > 0 || this.openBatch.releases.length > 0) {
      if (this.batchesInFlight < SHARD_BATCHES_IN_FLIGHT_MAX) this.startFlush();
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
    const view = this.memberView(account);
    if (request.detail === true) {
      const settled = settleLedger(account.ledger, this.options.clock()).ledger;
      view["lots"] = settled.lots.map((lot) => ({
        id: lot.id,
        source: lot.source,
        reference: lot.reference,
        partner: lot.partner,
        points: lot.points,
        remaining: lot.remaining,
        held: lot.held,
        accruedAt: lot.accruedAt,
        activatesAt: lot.activatesAt,
        expiresAt: lot.expiresAt,
      }));
    }
    reply({ ref: request.ref, ok: true, value: view });
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
    const context = { now: this.options.clock(), partner: request.partner };
    if (request.hold === true) {
      const outcome = holdForMember(program, account, request.receipt, request.redeem, context);
      if (!outcome.ok) {
        const refusal = failureReply(request.ref, outcome.code, outcome.message);
        this.releaseWhenDurable(reply, refusal);
        return;
      }
      if (this.batchIsFull(2)) {
        reply(failureReply(request.ref, "BUSY", "the shard's commit batch is full; retry later"));
        return;
      }
      const answer = {
        ...calculationAnswer(account.memberId, request.receipt, outcome.calculation, outcome.account.balance + outcome.hold.points),
        hold: outcome.hold,
      };
      this.stage({ kind: "account", account: outcome.account });
      this.stageActivity(outcome.account, context.now, "hold", { receipt: request.receipt.id, store: request.receipt.store, ...outcome.hold });
      this.releaseWhenDurable(reply, { ref: request.ref, ok: true, value: answer });
      return;
    }
    const { outcome, spendable } = calculateWithSpendable(program, account, request.receipt, request.redeem, context);
    if (!outcome.ok) {
      reply(failureReply(request.ref, outcome.code, outcome.message));
      return;
    }
    reply({
      ref: request.ref,
      ok: true,
      value: calculationAnswer(account.memberId, request.receipt, outcome.calculation, spendable),
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
    const existing = this.readReceipt(logicalShard, memberId, receipt.store, receipt.id);
    if (existing !== undefined) {
      const answer: ShardReply =
        existing.fingerprint === fingerprint
          ? { ref: request.ref, ok: true, value: existing.answer }
          : failureReply(
              request.ref,
              "CONFLICT",
              `receipt ${receipt.id} of store ${receipt.store} was committed with other content`,
            );
      this.releaseWhenDurable(release, answer);
      return;
    }
    if (this.claimedByAnotherMember(receipt.store, receipt.id, memberId)) {
      // Depends on a staged record: released in order, STORAGE_FULL if that record is dropped.
      const refusal = failureReply(
        request.ref,
        "CONFLICT",
        `receipt ${receipt.id} of store ${receipt.store} is being committed for another member`,
      );
      this.releaseWhenDurable(release, refusal);
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
    const now = this.options.clock();
    const outcome = commitForMember(program, account, receipt, request.redeem, { now, partner: request.partner });
    if (!outcome.ok) {
      // The refusal depends on a balance that may still be staged: release it in order.
      const refusal = failureReply(request.ref, outcome.code, outcome.message);
      this.releaseWhenDurable(release, refusal);
      return;
    }
    if (this.batchIsFull(3)) {
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
      settlement: outcome.settlement,
    };
    this.stage({ kind: "account", account: next });
    this.stage({ kind: "receipt", receipt: record });
    this.stageActivity(next, now, "receipt", receiptActivityDetail(receipt, outcome.calculation, answer.transaction, outcome.statusChange));
    this.releaseWhenDurable(release, { ref: request.ref, ok: true, value: answer });
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
      this.releaseWhenDurable(reply, answer);
      return;
    }
    const account = openAccount(memberId, logicalShard, profile, this.options.clock());
    this.stage({ kind: "account", account });
    this.releaseWhenDurable(reply, { ref: request.ref, ok: true, value: this.memberView(account) });
  }

  private memberView(account: Account): Record<string, unknown> {
    const now = this.options.clock();
    const points = ledgerTotals(account.ledger, now);
    return {
      member: account.memberId,
      logicalShard: account.logicalShard,
      card: account.profile.card,
      phone: account.profile.phone,
      name: account.profile.name,
      birthDate: account.profile.birthDate,
      balance: points.available,
      points: { active: points.active, pending: points.pending, held: points.held, debt: points.debt },
      ...standingView(this.program, account, now),
      counters: account.counters,
      createdAt: account.createdAt,
      transactions: account.sequence,
      programVersion: this.program?.version ?? null,
    };
  }

  /**
   * The shape shared by every keyed state change other than a commit
   * (visits, cancels, refunds, adjustments): the key's record answers a
   * repeat with the first answer or a CONFLICT; otherwise `run` computes the
   * next account and the answer, and account, record and history entry are
   * staged together and answered once durable. Keys share the receipts' key
   * space under "<kind> <id>": a space never occurs in a client id, so they
   * cannot collide with receipt ids.
   */
  private keyedOperation(
    request: { readonly ref: number; readonly logicalShard: number; readonly memberId: string },
    key: { readonly store: string; readonly recordId: string; readonly content: unknown; readonly what: string },
    run: (account: Account, program: CompiledProgram, now: number) => KeyedOutcome,
    reply: Reply,
  ): void {
    const { logicalShard, memberId } = request;
    this.assertOwned(logicalShard, memberId);
    const fingerprint = createHash("sha256").update(JSON.stringify([memberId, key.store, key.recordId, key.content])).digest("base64url");
    const existing = this.readReceipt(logicalShard, memberId, key.store, key.recordId);
    if (existing !== undefined) {
      const answer: ShardReply =
        existing.fingerprint === fingerprint
          ? { ref: request.ref, ok: true, value: existing.answer }
          : failureReply(request.ref, "CONFLICT", `${key.what} was already made with other content`);
      this.releaseWhenDurable(reply, answer);
      return;
    }
    if (this.claimedByAnotherMember(key.store, key.recordId, memberId)) {
      this.releaseWhenDurable(reply, failureReply(request.ref, "CONFLICT", `${key.what} is being made for another member`));
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
    if (this.batchIsFull(4)) {
      reply(failureReply(request.ref, "BUSY", "the shard's commit batch is full; retry later"));
      return;
    }
    const now = this.options.clock();
    const outcome = run(account, program, now);
    if (!outcome.ok) {
      const refusal = failureReply(request.ref, outcome.code, outcome.message);
      this.releaseWhenDurable(reply, refusal);
      return;
    }
    const answer = { member: memberId, ...outcome.answer };
    this.stage({ kind: "account", account: outcome.account });
    this.stage({
      kind: "receipt",
      receipt: { logicalShard, store: key.store, receiptId: key.recordId, memberId, fingerprint, answer },
    });
    for (const write of outcome.writes ?? []) this.stage(write);
    this.stageActivity(outcome.account, now, outcome.activity.kind, outcome.activity.detail);
    this.releaseWhenDurable(reply, { ref: request.ref, ok: true, value: answer });
  }

  /** A visit-status event, idempotent by (store, visit id). */
  private reportVisit(request: VisitShardRequest, reply: Reply): void {
    const { visit } = request;
    this.keyedOperation(
      request,
      { store: visit.store, recordId: `visit ${visit.id}`, content: [visit.status, visit.at], what: `visit ${visit.id} of store ${visit.store}` },
      (account, program) => {
        const next = reportVisitForMember(program, account, visit.status, visit.at);
        return {
          ok: true,
          account: next,
          answer: { visit: visit.id, status: visit.status, categories: next.categories },
          activity: { kind: "visit", detail: { visit: visit.id, store: visit.store, status: visit.status } },
        };
      },
      reply,
    );
  }

  /** Voids a committed receipt whole, or releases its hold if it was never committed. */
  private cancel(request: CancelShardRequest, reply: Reply): void {
    const { store, receiptId } = request;
    this.keyedOperation(
      request,
      { store, recordId: `cancel ${receiptId}`, content: [], what: `the cancel of receipt ${receiptId}` },
      (account, program, now) => {
        const record = this.readReceipt(request.logicalShard, request.memberId, store, receiptId);
        if (record === undefined || record.settlement === undefined) {
          const released = releaseHoldForMember(account, { store, id: receiptId }, now);
          if (released === null) return unknownReceipt(store, receiptId);
          return {
            ok: true,
            account: released,
            answer: { receipt: receiptId, cancelled: "hold", balance: released.balance },
            activity: { kind: "hold-released", detail: { receipt: receiptId, store } },
          };
        }
        if (record.memberId !== request.memberId) return unknownReceipt(store, receiptId);
        const reversed = reverseReceipt(account, account.ledger, record.settlement, "all", now, program.program.points.returnPolicy);
        if (!reversed.ok) return reversed;
        return {
          ok: true,
          account: reversed.account,
          answer: { receipt: receiptId, cancelled: "receipt", ...reversed.answer },
          writes: [{ kind: "receipt", receipt: { ...record, settlement: reversed.settlement } }],
          activity: { kind: "cancel", detail: { receipt: receiptId, store, ...reversed.answer } },
        };
      },
      reply,
    );
  }

  /** A partial return by lines, idempotent by (store, refund id). */
  private refund(request: RefundShardRequest, reply: Reply): void {
    const { store, refundId, receiptId, lines } = request;
    this.keyedOperation(
      request,
      { store, recordId: `refund ${refundId}`, content: [receiptId, lines], what: `refund ${refundId} of store ${store}` },
      (account, program, now) => {
        const record = this.readReceipt(request.logicalShard, request.memberId, store, receiptId);
        if (record === undefined || record.settlement === undefined || record.memberId !== request.memberId) {
          return unknownReceipt(store, receiptId);
        }
        const returns = lines.map((line) => ({ line: line.line, quantity: scaledQuantity(line.qty) }));
        const reversed = reverseReceipt(account, account.ledger, record.settlement, returns, now, program.program.points.returnPolicy);
        if (!reversed.ok) return reversed;
        return {
          ok: true,
          account: reversed.account,
          answer: { refund: refundId, receipt: receiptId, ...reversed.answer },
          writes: [{ kind: "receipt", receipt: { ...record, settlement: reversed.settlement } }],
          activity: { kind: "refund", detail: { refund: refundId, receipt: receiptId, store, ...reversed.answer } },
        };
      },
      reply,
    );
  }

  /** An administrator's credit or debit of points, idempotent by adjustment id. */
  private adjust(request: AdjustShardRequest, reply: Reply): void {
    const { adjustmentId, points, reason, operator } = request;
    this.keyedOperation(
      request,
      {
        store: ADMIN_RECORD_STORE,
        recordId: `adjust ${adjustmentId}`,
        content: [points, reason, operator],
        what: `adjustment ${adjustmentId}`,
      },
      (account, program, now) => {
        const outcome = adjustForMember(program, account, adjustmentId, points, now);
        if (!outcome.ok) return outcome;
        return {
          ok: true,
          account: outcome.account,
          answer: { adjustment: adjustmentId, points, balance: outcome.account.balance },
          activity: { kind: "adjustment", detail: { adjustment: adjustmentId, points, reason, operator } },
        };
      },
      reply,
    );
  }

  private batchIsFull(writes: number): boolean {
    return this.openBatch.writes.length + writes > SHARD_BATCH_WRITES_MAX;
  }

  private stageActivity(account: Account, at: number, kind: string, detail: Readonly<Record<string, unknown>>): void {
    this.stage({
      kind: "activity",
      activity: { logicalShard: account.logicalShard, memberId: account.memberId, sequence: account.sequence, at, kind, detail },
    });
  }

  private assertOwned(logicalShard: number, memberId: string): void {
    assert(this.owned.has(logicalShard), `shard ${this.options.shardIndex} owns logical shard ${logicalShard}`);
    assert(logicalShardOf(memberId) === logicalShard, `member ${memberId} belongs to logical shard ${logicalShard}`);
  }

  /**
   * The member's latest account: staged, else cached, else from the store.
   * `remember` false (the expiry sweep, which visits every member once a
   * month) leaves the cache to the members lanes are serving.
   */
  private readAccount(logicalShard: number, memberId: string, remember = true): Account | undefined {
    this.assertOwned(logicalShard, memberId);
    const key = accountKey(logicalShard, memberId);
    const staged = this.overlay.get(key);
    if (staged !== undefined) {
      assert(staged.write.kind === "account", "account keys hold accounts");
      return staged.write.account;
    }
    const cached = this.durableAccounts.get(key);
    if (cached !== undefined) {
      // Most recently used last: delete and set moves it to the end.
      this.durableAccounts.delete(key);
      this.durableAccounts.set(key, cached);
      return cached;
    }
    const stored = this.options.store.readAccount(logicalShard, memberId);
    if (stored === undefined) return undefined;
    const account = upgradeAccount(stored);
    if (remember) this.rememberDurableAccount(key, account);
    return account;
  }

  private rememberDurableAccount(key: string, account: Account): void {
    this.durableAccounts.delete(key);
    this.durableAccounts.set(key, account);
    if (this.durableAccounts.size > ACCOUNT_CACHE_ENTRIES_MAX) {
      // Map iteration starts at the least recently used entry.
      const oldest = this.durableAccounts.keys().next();
      assert(oldest.done !== true, "a cache over its bound has entries");
      this.durableAccounts.delete(oldest.value);
    }
  }

  private readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined {
    const staged = this.overlay.get(receiptKey(logicalShard, memberId, store, receiptId));
    if (staged !== undefined) {
      assert(staged.write.kind === "receipt", "receipt keys hold receipts");
      return staged.write.receipt;
    }
    return this.options.store.readReceipt(logicalShard, memberId, store, receiptId);
  }

  /** Whether a record of (store, record id) is staged, not yet durable, for a member other than `memberId`. */
  private claimedByAnotherMember(store: string, recordId: string, memberId: string): boolean {
    const claim = this.receiptClaims.get(receiptClaimKey(store, recordId));
    return claim !== undefined && claim.memberId !== memberId;
  }

  private stage(write: ShardWrite): void {
    // History is read from the store only: an entry shows once its operation is durable.
    if (write.kind === "account") {
      const key = accountKey(write.account.logicalShard, write.account.memberId);
      this.overlay.set(key, { write, batchSequence: this.openBatch.sequence });
    } else if (write.kind === "receipt") {
      const { logicalShard, memberId, store, receiptId } = write.receipt;
      this.overlay.set(receiptKey(logicalShard, memberId, store, receiptId), { write, batchSequence: this.openBatch.sequence });
      this.receiptClaims.set(receiptClaimKey(store, receiptId), { memberId, batchSequence: this.openBatch.sequence });
      assert(
        this.receiptClaims.size <= SHARD_BATCH_WRITES_MAX * (SHARD_BATCHES_IN_FLIGHT_MAX + 1),
        "receipt claims are bounded by the staged batches",
      );
    }
    this.openBatch.writes.push(write);
    this.scheduleFlush();
  }

  /**
   * Sends `answer` once everything staged so far is durable: at once if
   * nothing is staged or in flight, else with the open batch. If that batch
   * (or one before it) cannot be written for lack of space, STORAGE_FULL is
   * sent instead.
   */
  private releaseWhenDurable(reply: Reply, answer: ShardReply): void {
    if (this.batchesInFlight === 0 && this.openBatch.writes.length === 0) {
      reply(answer);
      return;
    }
    this.openBatch.releases.push({ reply, answer });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.batchesInFlight >= SHARD_BATCHES_IN_FLIGHT_MAX || this.flushScheduled) return;
    this.flushScheduled = true;
    // End of this event-loop turn: every message already delivered joins the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.batchesInFlight < SHARD_BATCHES_IN_FLIGHT_MAX) this.startFlush();
    });
  }

  /**
   * Hands the open batch to the store. Up to SHARD_BATCHES_IN_FLIGHT_MAX
   * batches may be in flight: LMDB commits the next transaction while the
   * previous one is being synced (overlappingSync), so a batch need not wait
   * for the previous fsync to start its own. Completions are chained, so
   * answers are released strictly in batch order, and a batch's answers only
   * once it and every batch before it are durable.
   */
  private startFlush(): void {
    assert(this.batchesInFlight < SHARD_BATCHES_IN_FLIGHT_MAX, "batches in flight stay within their bound");
    const batch = this.openBatch;
    if (batch.writes.length === 0 && batch.releases.length === 0) return;
    this.openBatch = { sequence: batch.sequence + 1, writes: [], releases: [] };
    this.batchesInFlight += 1;
    const startedSeconds = this.options.monotonicSeconds();
    const written = batch.writes.length === 0 ? Promise.resolve() : this.options.store.writeBatch(batch.writes);
    this.durableTail = Promise.all([this.durableTail, written]).then(
      () => {
        if (batch.writes.length > 0) {
          this.instruments.observeBatch(batch.writes.length, this.options.monotonicSeconds() - startedSeconds);
        }
        this.forgetDurable(batch.sequence);
        this.batchesInFlight -= 1;
        for (const { reply, answer } of batch.releases) reply(answer);
        if (this.openBatch.writes.length > 0 || this.openBatch.releases.length > 0) this.scheduleFlush();
      },
      (error: unknown) => {
        if (error instanceof LoycoreError && error.code === "STORAGE_FULL") {
          this.discardAfterFullStorage(batch, error.message);
          return;
        }
        // Any other write failure is an I/O error nobody can reason about (a
        // failed fsync may have dropped pages that earlier syncs reported
        // written: retrying it can report durable what is not). Crash-only: a
        // restart reads what is really on disk; acknowledged work is there,
        // nothing else was acknowledged.
        setImmediate(() => {
          throw new Error(`shard ${this.options.shardIndex} could not write a batch: ${String(error)}`);
        });
      },
    );
  }

  /**
   * A batch could not be written for lack of space and nothing of it is on
   * disk. Everything staged since the last durable batch (the failed batch
   * and the open one, whose writes may build on it) is dropped, so memory
   * agrees with the disk again, and every answer waiting for either is
   * STORAGE_FULL: none of them is acknowledged. The shard stays up; the next
   * write starts a new batch, so service resumes when space returns, and
   * lanes retry with the same idempotency keys.
   *
   * Relies on one batch in flight (SHARD_BATCHES_IN_FLIGHT_MAX): no later
   * batch can already be on its way to disk on top of the failed one.
   */
  private discardAfterFullStorage(failed: OpenBatch, message: string): void {
    assert(SHARD_BATCHES_IN_FLIGHT_MAX === 1 && this.batchesInFlight === 1, "a failed batch was the only one in flight");
    const open = this.openBatch;
    this.overlay.clear();
    // Entries that an overlay value shadowed may be older than batches already
    // durable before the failed one: forget them all rather than reason about it.
    this.durableAccounts.clear();
    this.receiptClaims.clear();
    this.openBatch = { sequence: open.sequence + 1, writes: [], releases: [] };
    this.batchesInFlight = 0;
    this.instruments.observeStorageFull?.(failed.writes.length + open.writes.length);
    for (const { reply, answer } of [...failed.releases, ...open.releases]) {
      reply(failureReply(answer.ref, "STORAGE_FULL", message));
    }
  }

  private forgetDurable(durableSequence: number): void {
    for (const [key, staged] of this.overlay) {
      if (staged.batchSequence > durableSequence) continue;
      this.overlay.delete(key);
      if (staged.write.kind === "account") this.rememberDurableAccount(key, staged.write.account);
    }
    for (const [key, claim] of this.receiptClaims) {
      if (claim.batchSequence <= durableSequence) this.receiptClaims.delete(key);
    }
  }
}

function accountKey(logicalShard: number, memberId: string): string {
  return `a/${logicalShard}/${memberId}`;
}

function receiptKey(logicalShard: number, memberId: string, store: string, receiptId: string): string {
  return `r/${logicalShard}/${memberId}/${store}/${receiptId}`;
}

function receiptClaimKey(store: string, receiptId: string): string {
  return JSON.stringify([store, receiptId]);
}

/** The store name under which admin-made records (adjustments) are kept: not a valid store id (it has a space). */
const ADMIN_RECORD_STORE = "admin records";

type KeyedOutcome =
  | {
      readonly ok: true;
      readonly account: Account;
      readonly answer: Readonly<Record<string, unknown>>;
      readonly writes?: readonly ShardWrite[];
      readonly activity: { readonly kind: string; readonly detail: Readonly<Record<string, unknown>> };
    }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

function unknownReceipt(store: string, receiptId: string): KeyedOutcome {
  return { ok: false, code: "UNKNOWN_RECEIPT", message: `store ${store} has no receipt ${receiptId} for this member` };
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

/** A committed receipt's entry in its member's history (the shard's and the bulk importer's alike). */
export function receiptActivityDetail(
  receipt: Receipt,
  calculation: ReceiptCalculation,
  transaction: unknown,
  statusChange: { readonly from: string | null; readonly to: string | null } | null,
): Record<string, unknown> {
  return {
    receipt: receipt.id,
    store: receipt.store,
    total: calculation.total,
    payable: calculation.payable,
    points: calculation.points,
    redeem: calculation.redeem,
    transaction,
    ...(statusChange === null ? {} : { statusChange }),
  };
}

/** The answer of a calculate or commit as the shard gives it (a commit adds its transaction). */
export function calculationAnswer(
  memberId: string,
  receipt: Receipt,
  calculation: ReceiptCalculation,
  balance: number,
): Record<string, unknown> {
  return { member: memberId, receipt: receipt.id, ...calculation, balance };
}
