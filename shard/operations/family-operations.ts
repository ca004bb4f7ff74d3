// Thread: a shard worker thread (pure state changes, called by the shard actor).
import { hash } from "node:crypto";
import { openAccount, type Account } from "../../domain/account/account.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import {
  FAMILY_HOLD_TTL_MILLISECONDS,
  TRANSFER_LOTS_MAX,
  parseFamilyHoldKey,
  familyIdOfPool,
  intentId,
  keyedRecordId,
  originOfPoolLot,
  poolLotReference,
  transferLots,
  type FamilyIntent,
  type LeavePolicy,
  type TransferLot,
} from "../../domain/family/family.js";
import { accrueLot, captureHold, holdPoints, ledgerTotals, releaseHold, returnShares, revokeLot, spendPoints, takeRemaining, type Ledger, type LotFilter } from "../../domain/ledger/ledger.js";
import type { LotShare } from "../../domain/ledger/lot.js";
import { failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import type { ReceiptRecord, ShardWrite } from "../storage/shard-store.js";
import type { EventData } from "../storage/records/outbox-codec.js";
import { historyWrite, refused, storedAnswer, type OperationResult } from "./operation-result.js";
import { crossPartnerPoints, crossPartnerPointsReturned } from "../../domain/engine/partner-settlement.js";
import { settlementWrites, type SettlementContext } from "./settlement-writes.js";
import { ADMIN_RECORD_STORE, type RecordAddress } from "./record-address.js";

/**
 * The family operations on one account (docs/ARCHITECTURE.md, "Family accounts"), each idempotent by
 * its own record under ADMIN_RECORD_STORE: join and leave (on the member), apply an intent (on its
 * target: the pool, or a member for a credit), hold and release the pool's points for a receipt (on
 * the pool), and abort a hold (on the member: after it, no commit may capture that hold).
 */

/** What a family operation reads: the account (undefined: a pool not opened yet), its record, the time. */
export interface FamilyInput {
  readonly account: Account | undefined;
  readonly existing: ReceiptRecord | undefined;
  readonly now: number;
}

export const joinAddress = (joinId: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: `family join ${joinId}` });
export const leaveAddress = (leaveId: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: `family leave ${leaveId}` });
export const applyAddress = (intent: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: keyedRecordId("family apply", intent) });
/** What a receipt intent's apply spent and accrued on the pool: a reversal's input, updated by each reversal. */
export const spentAddress = (intent: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: keyedRecordId("family spent", intent) });
export const holdAddress = (key: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: keyedRecordId("family hold", key) });
export const releaseAddress = (key: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: keyedRecordId("family release", key) });
export const abortAddress = (key: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: keyedRecordId("family abort", key) });

/** A family entry of the relay's section: an intent to deliver, or a pool hold to watch (FAMILY_HOLD_STALE_MILLISECONDS). */
export type FamilyEntryData = { readonly type: "intent"; readonly intent: FamilyIntent } | { readonly type: "hold"; readonly key: string; readonly member: string; readonly store: string; readonly receiptId: string };

/** The write that puts an entry in the family section, keyed by the account and its sequence after the operation. */
export function familyEntryWrite(account: Account, at: number, data: FamilyEntryData): ShardWrite {
  const packed: EventData = { entry: JSON.stringify(data) };
  return { kind: "family", entry: { logicalShard: account.logicalShard, memberId: account.memberId, sequence: account.sequence, number: 0, kind: `family.${data.type}`, at, data: packed } };
}

export function readFamilyEntry(data: EventData): FamilyEntryData {
  return JSON.parse(String(data["entry"])) as FamilyEntryData;
}

export interface JoinAnswer {
  readonly member: string;
  readonly family: string;
  readonly join: string;
  /** The member's points that moved into the pool. */
  readonly pointsMoved: number;
  /** The intent for the pool (the gateway delivers it, and answers without it). */
  readonly intent: FamilyIntent;
}

export interface LeaveAnswer {
  readonly member: string;
  readonly family: string;
  readonly leave: string;
  readonly policy: LeavePolicy;
  /** As JoinAnswer's. */
  readonly intent: FamilyIntent;
}

export interface ApplyAnswer {
  readonly intent: string;
  readonly account: string;
  /** The target's spendable points after the intent. */
  readonly balance: number;
  /** Points that arrived already expired (a lot's expiry passed on the way): gone, as expiry is. */
  readonly expiredOnArrival: number;
  /** Points the intent moved out again (a leave under "share": the lots the member earned). */
  readonly pointsMoved: number;
  /** The intent this one wrote for another account (a leave's credit to its member), for the gateway to deliver at once. */
  readonly next?: FamilyIntent;
}

export interface PoolHoldAnswer {
  readonly hold: string;
  readonly points: number;
  readonly balance: number;
  /** The sequence of the pool's family entry that watches the hold. */
  readonly entry: number;
}

/** A member joins `family` (its pool account `pool`): its remaining points move to the pool, lot by lot, as its own. */
export function joinFamily(input: FamilyInput, join: { readonly joinId: string; readonly family: string; readonly pool: string; readonly operator: string }): OperationResult<JoinAnswer> {
  const { account, existing, now } = input;
  if (account === undefined) return refused(failure("UNKNOWN_MEMBER", "the member has no account"));
  const repeat = repeatOf<JoinAnswer>(account.memberId, joinAddress(join.joinId), [join.family], existing, `join ${join.joinId}`);
  if (repeat !== null) return repeat;
  if (account.family !== undefined) return refused(failure("IN_FAMILY", `member ${account.memberId} already belongs to family ${account.family}`));
  if (account.ledger.holds.length > 0 || account.ledger.debt > 0) {
    return refused(failure("FAMILY_POINTS_OPEN", `member ${account.memberId} has points held for a receipt or a debt; join once they are settled`));
  }
  if (account.ledger.lots.length > TRANSFER_LOTS_MAX) {
    return refused(failure("LEDGER_LIMIT", `member ${account.memberId} has ${account.ledger.lots.length} open lots; a join moves at most ${TRANSFER_LOTS_MAX}`));
  }
  const taken = takeRemaining(account.ledger, now, () => true);
  if (!taken.ok) return refused(taken);
  const lots = transferLots(taken.shares, account.memberId);
  const next: Account = { ...account, ledger: taken.ledger, balance: ledgerTotals(taken.ledger, now).available, sequence: account.sequence + 1, family: join.family };
  const intent: FamilyIntent = { kind: "join", id: intentId(account.memberId, next.sequence), target: join.pool, member: account.memberId, at: now, lots };
  const answer: JoinAnswer = { member: account.memberId, family: join.family, join: join.joinId, pointsMoved: lots.reduce((sum, lot) => sum + lot.points, 0), intent };
  return applied(next, answer, joinAddress(join.joinId), [join.family], [
    familyEntryWrite(next, now, { type: "intent", intent }),
    historyWrite(next, now, "family-join", { family: join.family, join: join.joinId, pointsMoved: answer.pointsMoved, operator: join.operator }),
  ]);
}

/** A member leaves its family; the pool keeps its points ("stay") or gives back the lots the member earned ("share"). */
export function leaveFamily(input: FamilyInput, leave: { readonly leaveId: string; readonly policy: LeavePolicy; readonly operator: string }, poolOf: (family: string) => string): OperationResult<LeaveAnswer> {
  const { account, existing, now } = input;
  if (account === undefined) return refused(failure("UNKNOWN_MEMBER", "the member has no account"));
  const repeat = repeatOf<LeaveAnswer>(account.memberId, leaveAddress(leave.leaveId), [leave.policy], existing, `leave ${leave.leaveId}`);
  if (repeat !== null) return repeat;
  const family = account.family;
  if (family === undefined) return refused(failure("NOT_IN_FAMILY", `member ${account.memberId} belongs to no family`));
  const { family: _left, ...rest } = account;
  const next: Account = { ...rest, sequence: account.sequence + 1 };
  const intent: FamilyIntent = { kind: "leave", id: intentId(account.memberId, next.sequence), target: poolOf(family), member: account.memberId, at: now, policy: leave.policy };
  const answer: LeaveAnswer = { member: account.memberId, family, leave: leave.leaveId, policy: leave.policy, intent };
  return applied(next, answer, leaveAddress(leave.leaveId), [leave.policy], [
    familyEntryWrite(next, now, { type: "intent", intent }),
    historyWrite(next, now, "family-leave", { family, leave: leave.leaveId, policy: leave.policy, operator: leave.operator }),
  ]);
}

/** The pool's account, opened at its first intent or hold. */
export function poolAccount(account: Account | undefined, pool: string, logicalShard: number, now: number): Account {
  return account ?? openAccount(pool, logicalShard, { card: familyIdOfPool(pool), phone: null, name: null, birthDate: null }, now);
}

/**
 * Applies an intent on its target, once: the pool for a receipt, a reversal, a join or a leave; a
 * member for a credit. A repeat answers the first answer.
 */
export function applyIntent(
  input: FamilyInput & { readonly program: CompiledProgram; readonly logicalShard: number; readonly spent: ReceiptRecord | undefined; readonly holdRecord: ReceiptRecord | undefined },
  intent: FamilyIntent,
): OperationResult<ApplyAnswer> {
  const { existing, now } = input;
  const address = applyAddress(intent.id);
  const content = [intent];
  const target = intent.kind === "credit" ? input.account : poolAccount(input.account, intent.target, input.logicalShard, now);
  if (target === undefined) return refused(failure("UNKNOWN_MEMBER", `member ${intent.target} has no account`));
  const repeat = repeatOf<ApplyAnswer>(target.memberId, address, content, existing, `intent ${intent.id}`);
  if (repeat !== null) return repeat;
  const changed = intentChange(input, target, intent);
  if (!changed.ok) return refused(changed);
  const next: Account = { ...target, ledger: changed.ledger, balance: ledgerTotals(changed.ledger, now).available, sequence: target.sequence + 1 };
  const answer: ApplyAnswer = {
    intent: intent.id,
    account: target.memberId,
    balance: next.balance,
    expiredOnArrival: changed.expiredOnArrival,
    pointsMoved: changed.next === undefined ? 0 : changed.next.lots.reduce((sum, lot) => sum + lot.points, 0),
    ...(changed.next === undefined ? {} : { next: changed.next }),
  };
  const writes: ShardWrite[] = [...changed.writes(next), historyWrite(next, now, `family-${intent.kind}`, { intent: intent.id, ...changed.detail })];
  return applied(next, answer, address, content, writes);
}

type IntentChange = Outcome<{
  readonly ledger: Ledger;
  readonly expiredOnArrival: number;
  readonly detail: Readonly<Record<string, unknown>>;
  /** A credit for the leaving member, written in the same record (familyEntryWrite). */
  readonly next?: Extract<FamilyIntent, { kind: "credit" }>;
  /** The writes besides the account, the apply record and the history, given the account after. */
  readonly writes: (next: Account) => ShardWrite[];
}>;

function intentChange(
  input: { readonly program: CompiledProgram; readonly now: number; readonly spent: ReceiptRecord | undefined; readonly holdRecord: ReceiptRecord | undefined },
  target: Account,
  intent: FamilyIntent,
): IntentChange {
  const { now } = input;
  switch (intent.kind) {
    case "receipt":
      return applyReceipt(input, target, intent);
    case "reverse":
      return applyReversal(input, target, intent);
    case "join": {
      const accrued = accrueTransfer(target.ledger, intent.lots, now, (lot) => poolLotReference(lot.origin, lot.reference));
      if (!accrued.ok) return accrued;
      return { ...accrued, detail: { member: intent.member, lots: intent.lots.length }, writes: () => [] };
    }
    case "leave": {
      if (intent.policy === "stay") return { ok: true, ledger: target.ledger, expiredOnArrival: 0, detail: { member: intent.member, policy: "stay" }, writes: () => [] };
      // The member's lots, the first TRANSFER_LOTS_MAX by id (the intent stays well under a log record).
      const theirs = new Set(target.ledger.lots.filter((lot) => lot.remaining > 0 && originOfPoolLot(lot.reference) === intent.member).slice(0, TRANSFER_LOTS_MAX).map((lot) => lot.id));
      const taken = takeRemaining(target.ledger, now, (lot) => theirs.has(lot.id));
      if (!taken.ok) return taken;
      const lots = transferLots(taken.shares, null);
      const moved = lots.reduce((sum, lot) => sum + lot.points, 0);
      if (moved === 0) return { ok: true, ledger: taken.ledger, expiredOnArrival: 0, detail: { member: intent.member, policy: "share", pointsMoved: 0 }, writes: () => [] };
      // The pool's sequence after this apply names the credit (applyIntent adds one).
      const credit = { kind: "credit" as const, id: intentId(target.memberId, target.sequence + 1), target: intent.member, from: target.memberId, at: now, lots };
      return {
        ok: true,
        ledger: taken.ledger,
        expiredOnArrival: 0,
        detail: { member: intent.member, policy: "share", pointsMoved: moved },
        next: credit,
        writes: (next) => [familyEntryWrite(next, now, { type: "intent", intent: credit })],
      };
    }
    case "credit": {
      const accrued = accrueTransfer(target.ledger, intent.lots, now, (lot) => originalReference(lot.reference));
      if (!accrued.ok) return accrued;
      return { ...accrued, detail: { from: intent.from, lots: intent.lots.length }, writes: () => [] };
    }
  }
}

/** A family receipt's points part on the pool: the hold released, the redeem spent, the accrual added as the member's lot. */
function applyReceipt(input: { readonly program: CompiledProgram; readonly now: number; readonly holdRecord: ReceiptRecord | undefined }, pool: Account, intent: Extract<FamilyIntent, { kind: "receipt" }>): IntentChange {
  const { now, program } = input;
  let ledger = pool.ledger;
  const writes: ShardWrite[] = [];
  let shares: readonly LotShare[] = [];
  if (intent.hold !== null) {
    // Captured, not released and spent again: released points would repay the pool's debt first.
    const captured = captureHold(ledger, intent.hold.key, now);
    // The abort protocol releases a hold only once its receipt can no longer commit with it: a receipt that did still finds it.
    if (!captured.ok) return failure("INTERNAL", `the pool has no hold ${intent.hold.key} for receipt intent ${intent.id}`);
    ledger = captured.ledger;
    // A receipt redeems what it asked or is refused, so the hold is its redeem; any excess goes back as a return would.
    const { taken: excess, left } = takeLatestShares(captured.shares, captured.points - intent.redeem);
    shares = left;
    if (excess.length > 0) {
      const returned = returnShares(ledger, excess, now);
      if (!returned.ok) return returned;
      ledger = returned.ledger;
    }
    const watched = input.holdRecord === undefined ? null : storedAnswer<PoolHoldAnswer>(input.holdRecord);
    if (watched !== null) writes.push({ kind: "familyDone", entry: { logicalShard: pool.logicalShard, memberId: pool.memberId, sequence: watched.entry, number: 0 } });
  } else if (intent.redeem > 0) {
    const spent = spendPoints(ledger, intent.redeem, now, lotFilter(program, intent.partner));
    if (!spent.ok) return failure("INTERNAL", `receipt intent ${intent.id} redeemed ${intent.redeem} points without a hold`);
    ledger = spent.ledger;
    shares = spent.shares;
  }
  let lot: number | null = null;
  let expiredOnArrival = 0;
  if (intent.accrual !== null) {
    const accrued = accrueTransfer(ledger, [intent.accrual], now, (each) => poolLotReference(each.origin, each.reference));
    if (!accrued.ok) return accrued;
    ledger = accrued.ledger;
    lot = accrued.lots[0] ?? null;
    expiredOnArrival = accrued.expiredOnArrival;
  }
  const named = intent.hold === null ? null : parseFamilyHoldKey(intent.hold.key);
  const spentRecord: SpentRecord = { lot, shares, partner: intent.partner, store: named?.store ?? "", receiptId: named?.receiptId ?? "" };
  return {
    ok: true,
    ledger,
    expiredOnArrival,
    detail: { member: intent.member, redeem: intent.redeem, points: intent.accrual?.points ?? 0 },
    writes: (next) => [
      ...writes,
      recordWrite(next, spentAddress(intent.id), spentRecord),
      // Points other partners issued, spent at this store: settled as any member's redemption is, under the pool.
      ...settlementWrites(settlementContext(next, program, intent.at, spentRecord, "commit"), crossPartnerPoints(shares, intent.partner)),
    ],
  };
}

/** A refund or cancel of a family receipt on the pool: part of its lot revoked (debt if spent), redeemed points given back. */
function applyReversal(input: { readonly program: CompiledProgram; readonly now: number; readonly spent: ReceiptRecord | undefined }, pool: Account, intent: Extract<FamilyIntent, { kind: "reverse" }>): IntentChange {
  const { now, program } = input;
  // The receipt's intent comes first from the same member's shard, in order: until it is applied the reversal waits.
  if (input.spent === undefined) return failure("UNAVAILABLE", `receipt intent ${intent.receiptIntent} is not applied on the pool yet`);
  const before = storedAnswer<SpentRecord>(input.spent);
  let ledger = pool.ledger;
  let debtAdded = 0;
  if (intent.revoke > 0 && before.lot !== null) {
    // The member's shard already took the return: the pool takes the points back, as debt where they were spent.
    const revoked = revokeLot(ledger, before.lot, intent.revoke, now, "debt");
    if (!revoked.ok) return revoked;
    ledger = revoked.ledger;
    debtAdded = revoked.debtAdded;
  }
  const { taken, left } = takeLatestShares(before.shares, intent.giveBack);
  if (taken.length > 0) {
    const returned = returnShares(ledger, taken, now);
    if (!returned.ok) return returned;
    ledger = returned.ledger;
  }
  return {
    ok: true,
    ledger,
    expiredOnArrival: 0,
    detail: { member: intent.member, receiptIntent: intent.receiptIntent, revoked: intent.revoke, returned: intent.giveBack, debtAdded },
    writes: (next) => [
      recordWrite(next, spentAddress(intent.receiptIntent), { ...before, shares: left }),
      ...settlementWrites(settlementContext(next, program, intent.at, before, intent.operation), crossPartnerPointsReturned(before.shares, left, before.partner)),
    ],
  };
}

/** What a receipt intent's apply spent and accrued on the pool (its record at spentAddress), updated by each return. */
interface SpentRecord {
  readonly lot: number | null;
  /** The lots its redeem came from, less what returns gave back. */
  readonly shares: readonly LotShare[];
  /** The partner of the store, the store and the receipt: the pool's settlement entries name them. */
  readonly partner: string;
  readonly store: string;
  readonly receiptId: string;
}

function settlementContext(account: Account, program: CompiledProgram, at: number, spent: SpentRecord, operation: string): SettlementContext {
  return { account, at, redeemer: spent.partner, store: spent.store, receiptId: spent.receiptId, operation, pointValueMinor: program.program.points.pointValueMinor };
}

/** Takes `points` from the end of the shares (the latest spent come back first), as receipt returns do. */
function takeLatestShares(shares: readonly LotShare[], points: number): { taken: LotShare[]; left: LotShare[] } {
  const left = shares.map((share) => ({ ...share }));
  const taken: LotShare[] = [];
  let owed = points;
  for (let index = left.length - 1; index >= 0 && owed > 0; index -= 1) {
    const share = left[index] as LotShare;
    const part = Math.min(share.points, owed);
    taken.push({ ...share, points: part });
    left[index] = { ...share, points: share.points - part };
    owed -= part;
  }
  return { taken, left: left.filter((share) => share.points > 0) };
}

/** Lots on their way accrued as lots of this ledger, keeping their times; a lot whose expiry has passed on the way expires. */
function accrueTransfer(ledger: Ledger, lots: readonly TransferLot[], now: number, reference: (lot: TransferLot) => string): Outcome<{ ledger: Ledger; lots: number[]; expiredOnArrival: number }> {
  let next = ledger;
  const ids: number[] = [];
  let expiredOnArrival = 0;
  for (const lot of lots) {
    const activatesAt = Math.max(lot.activatesAt, now);
    if (lot.expiresAt !== null && lot.expiresAt <= activatesAt) {
      expiredOnArrival += lot.points;
      continue;
    }
    const accrued = accrueLot(next, { points: lot.points, source: lot.source, reference: reference(lot), partner: lot.partner, at: now, activatesAt, expiresAt: lot.expiresAt });
    if (!accrued.ok) return accrued;
    next = accrued.ledger;
    ids.push(accrued.lot.id);
  }
  return { ok: true, ledger: next, lots: ids, expiredOnArrival };
}

/** A pool lot's own reference back (the member's credit keeps the receipt's reference); another form as it is. */
function originalReference(reference: string): string {
  if (originOfPoolLot(reference) === null) return reference;
  return (JSON.parse(reference) as [string, string])[1];
}

function lotFilter(program: CompiledProgram, partner: string): LotFilter | undefined {
  if ((program.program.coalition?.redemption ?? "anywhere") === "anywhere") return undefined;
  return (lot) => program.mayRedeem(lot.partner, partner);
}

/** Holds the pool's points for a family member's receipt, until the receipt's intent captures them or the abort protocol releases them. */
export function holdPoolPoints(
  input: FamilyInput & { readonly program: CompiledProgram; readonly logicalShard: number; readonly pool: string },
  hold: { readonly key: string; readonly points: number; readonly partner: string; readonly member: string; readonly store: string; readonly receiptId: string },
): OperationResult<PoolHoldAnswer> {
  const { existing, now } = input;
  const pool = poolAccount(input.account, input.pool, input.logicalShard, now);
  const content = [hold.points, hold.partner];
  const repeat = repeatOf<PoolHoldAnswer>(pool.memberId, holdAddress(hold.key), content, existing, `hold ${hold.key}`);
  if (repeat !== null) return repeat;
  const held = holdPoints(pool.ledger, hold.key, hold.points, now, FAMILY_HOLD_TTL_MILLISECONDS, lotFilter(input.program, hold.partner));
  if (!held.ok) return refused(held);
  const next: Account = { ...pool, ledger: held.ledger, balance: ledgerTotals(held.ledger, now).available, sequence: pool.sequence + 1 };
  const answer: PoolHoldAnswer = { hold: hold.key, points: hold.points, balance: next.balance, entry: next.sequence };
  return applied(next, answer, holdAddress(hold.key), content, [
    familyEntryWrite(next, now, { type: "hold", key: hold.key, member: hold.member, store: hold.store, receiptId: hold.receiptId }),
    historyWrite(next, now, "family-hold", { hold: hold.key, points: hold.points, member: hold.member }),
  ]);
}

/** Releases a pool hold the member's shard has aborted (abortFamilyHold): its points go back to their lots. */
export function releasePoolHold(input: FamilyInput & { readonly holdRecord: ReceiptRecord | undefined }, key: string): OperationResult<{ readonly hold: string; readonly released: number }> {
  const { account, existing, now } = input;
  if (account === undefined) return { kind: "answered", answer: { hold: key, released: 0 } };
  const repeat = repeatOf<{ hold: string; released: number }>(account.memberId, releaseAddress(key), [], existing, `release ${key}`);
  if (repeat !== null) return repeat;
  const released = releaseHold(account.ledger, key, now);
  const ledger = released.ok ? released.ledger : account.ledger;
  const next: Account = { ...account, ledger, balance: ledgerTotals(ledger, now).available, sequence: account.sequence + 1 };
  const answer = { hold: key, released: released.ok ? released.points : 0 };
  const watched = input.holdRecord === undefined ? null : storedAnswer<PoolHoldAnswer>(input.holdRecord);
  const done: ShardWrite[] = watched === null ? [] : [{ kind: "familyDone", entry: { logicalShard: account.logicalShard, memberId: account.memberId, sequence: watched.entry, number: 0 } }];
  return applied(next, answer, releaseAddress(key), [], [...done, historyWrite(next, now, "family-release", answer)]);
}

/**
 * On the member's shard: the receipt committed with this hold ("committed": its intent will capture
 * it), or not, and from now on it never will (a marker the commit checks): the pool may release it.
 */
export function abortFamilyHold(
  input: FamilyInput & { readonly receipt: ReceiptRecord | undefined },
  abort: { readonly key: string },
): OperationResult<{ readonly hold: string; readonly committed: boolean }> {
  const { account, existing, now, receipt } = input;
  if (account === undefined) return refused(failure("UNKNOWN_MEMBER", "the member has no account"));
  const committedWith = (receipt?.answer as { familyIntent?: { intent?: FamilyIntent } } | undefined)?.familyIntent?.intent;
  if (committedWith?.kind === "receipt" && committedWith.hold?.key === abort.key) return { kind: "answered", answer: { hold: abort.key, committed: true } };
  const repeat = repeatOf<{ hold: string; committed: boolean }>(account.memberId, abortAddress(abort.key), [], existing, `abort ${abort.key}`);
  if (repeat !== null) return repeat;
  const next: Account = { ...account, sequence: account.sequence + 1 };
  return applied(next, { hold: abort.key, committed: false }, abortAddress(abort.key), [], [historyWrite(next, now, "family-abort", { hold: abort.key })]);
}

/** A repeat's first answer, or CONFLICT for other content; null: the operation is new. */
function repeatOf<Answer extends object>(memberId: string, address: RecordAddress, content: unknown, existing: ReceiptRecord | undefined, what: string): OperationResult<Answer> | null {
  if (existing === undefined) return null;
  return existing.fingerprint === fingerprintOf(memberId, address, content)
    ? { kind: "answered", answer: storedAnswer<Answer>(existing) }
    : refused(failure("CONFLICT", `${what} was already made with other content`));
}

function fingerprintOf(memberId: string, address: RecordAddress, content: unknown): string {
  return hash("sha256", JSON.stringify([memberId, address.store, address.recordId, content]), "base64url");
}

function recordWrite(account: Account, address: RecordAddress, answer: object, fingerprint = ""): ShardWrite {
  return { kind: "receipt", receipt: { logicalShard: account.logicalShard, store: address.store, receiptId: address.recordId, memberId: account.memberId, fingerprint, answer } };
}

/** The applied result: the account after, the operation's record (fingerprint, answer), and the other writes. */
function applied<Answer extends object>(next: Account, answer: Answer, address: RecordAddress, content: unknown, writes: readonly ShardWrite[]): OperationResult<Answer> {
  return {
    kind: "applied",
    answer,
    account: next,
    writes: [{ kind: "account", account: next }, recordWrite(next, address, answer, fingerprintOf(next.memberId, address, content)), ...writes],
  };
}

