import { hash } from "node:crypto";
import { profileConsent, profileEmail, withContact, type Account, type MemberConsent, type MemberProfile } from "../../domain/account/account.js";
import { failure, type Failure, type Outcome } from "../../protocol/errors/loycore-error.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { adjustForMember, releaseHoldForMember, reportVisitForMember } from "../../domain/engine/member-operations.js";
import { crossPartnerPointsReturned } from "../../domain/engine/partner-settlement.js";
import { payReceipt, reverseReceipt, scaledQuantity, type ReceiptSettlement, type ReversalOutcome } from "../../domain/engine/receipt-settlement.js";
import type { AdjustmentResult, EditProfileResult, MemberProfileView, ProfileChanges } from "../../protocol/admin-wire.js";
import type { CancelResult, PaymentResult, RefundResult, ReportVisitResult } from "../../protocol/terminal-wire.js";
import type { ReceiptRecord, ShardWrite } from "../storage/shard-store.js";
import { historyWrite, refused, storedAnswer, type OperationResult } from "./operation-result.js";
import { settlementWrites } from "./settlement-writes.js";
import { budgetReturnedWrites, budgetReturns, type BudgetGiven } from "./budget-writes.js";
import { discountReturned } from "../../domain/campaigns/discount-budgets.js";
import { budgetReturned } from "../../domain/engine/campaign-lots.js";
import { eventWrites } from "./outbox-events.js";
import { intentId, type FamilyIntent } from "../../domain/family/family.js";
import type { FamilyAnswerPart } from "./commit-receipt-input.js";
import { ADMIN_RECORD_STORE, type RecordAddress } from "./record-address.js";
import { familyEntryWrite } from "./family-operations.js";

/**
 * The keyed state changes other than a commit: visits, cancels, refunds and
 * adjustments. Each is idempotent by its own record, kept in the receipts'
 * key space under "<kind> <id>" (a space never occurs in a client id, so
 * they cannot collide with receipt ids): a repeat gets the first answer,
 * the same key with other content CONFLICT.
 */


export interface KeyedInput {
  readonly program: CompiledProgram;
  readonly account: Account;
  /** The operation's own record (at its RecordAddress), if already made. */
  readonly existing: ReceiptRecord | undefined;
  readonly now: number;
  /** What campaigns with a budget have given in a logical shard: a return gives back to it (absent: no budgets kept). */
  readonly budgetGiven?: BudgetGiven;
}

/** What `run` decided: the answer without its `member` (keyedOperation adds it). */
type KeyedChange<Answer extends { readonly member: string }> = Outcome<{
  readonly account: Account;
  readonly answer: Omit<Answer, "member">;
  readonly writes?: readonly ShardWrite[];
  readonly activity: { readonly kind: string; readonly detail: Readonly<Record<string, unknown>> };
}>;

export interface Visit {
  readonly id: string;
  readonly store: string;
  readonly status: "came" | "didNotCome";
  readonly at: number;
  /** Present when the POS sent no time: the fingerprint then has none (see Receipt.atFromServer). */
  readonly atFromServer?: true;
}

export const visitAddress = (visit: Visit): RecordAddress => ({ store: visit.store, recordId: `visit ${visit.id}` });
export const cancelAddress = (store: string, receiptId: string): RecordAddress => ({ store, recordId: `cancel ${receiptId}` });
export const refundAddress = (store: string, refundId: string): RecordAddress => ({ store, recordId: `refund ${refundId}` });
export const adjustmentAddress = (adjustmentId: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: `adjust ${adjustmentId}` });
export const profileEditAddress = (editId: string): RecordAddress => ({ store: ADMIN_RECORD_STORE, recordId: `profile ${editId}` });

/** What a keyed operation reads besides its request; a profile edit needs no program. */
export type RecordInput = Pick<KeyedInput, "account" | "existing" | "now">;

/** A visit-status event, idempotent by (store, visit id). */
export function reportVisit(input: KeyedInput, visit: Visit): OperationResult<ReportVisitResult> {
  const content = [visit.status, visit.atFromServer === true ? null : visit.at];
  return keyedOperation<ReportVisitResult>(input, visitAddress(visit), content, `visit ${visit.id} of store ${visit.store}`, () => {
    const next = reportVisitForMember(input.program, input.account, visit.status, visit.at);
    return {
      ok: true,
      account: next,
      answer: { visit: visit.id, status: visit.status, categories: next.categories },
      activity: { kind: "visit", detail: { visit: visit.id, store: visit.store, status: visit.status } },
    };
  });
}

/** The settlement entries of a return (the points it gave back to other partners' lots, as negative entries) and what it gives back to campaigns' budgets. */
function returnedSettlement(input: KeyedInput, reversed: { readonly account: Account; readonly settlement: ReceiptSettlement }, target: ReceiptRecord, where: { readonly redeemer: string; readonly operation: string }): ShardWrite[] {
  const before = target.settlement?.unreturnedShares ?? [];
  const context = { account: reversed.account, at: input.now, redeemer: where.redeemer, store: target.store, receiptId: target.receiptId, operation: where.operation, pointValueMinor: input.program.program.points.pointValueMinor };
  const returned = budgetReturns(
    budgetReturned(target.settlement?.campaignLots, reversed.settlement.campaignLots),
    discountReturned(target.settlement?.campaignDiscounts, target.settlement?.lines ?? [], reversed.settlement.lines),
  );
  return [
    ...settlementWrites(context, crossPartnerPointsReturned(before, reversed.settlement.unreturnedShares, where.redeemer)),
    ...budgetReturnedWrites(reversed.account.logicalShard, returned, input.budgetGiven),
  ];
}

/**
 * Voids a committed receipt whole (`target`: its record), or releases its hold if it was never committed.
 * `redeemer`: the partner of the store, where the receipt spent points other partners may have issued.
 */
export function cancelReceipt(input: KeyedInput, store: string, receiptId: string, target: ReceiptRecord | undefined, redeemer = ""): OperationResult<CancelResult> {
  const { account, program, now } = input;
  return keyedOperation<CancelResult>(input, cancelAddress(store, receiptId), [], `the cancel of receipt ${receiptId}`, () => {
    if (target === undefined || target.settlement === undefined) {
      const released = releaseHoldForMember(account, { store, id: receiptId }, now);
      if (released === null) return unknownReceipt(store, receiptId);
      return {
        ok: true,
        account: released,
        answer: { receipt: receiptId, cancelled: "hold", balance: released.balance },
        activity: { kind: "hold-released", detail: { receipt: receiptId, store } },
      };
    }
    if (target.memberId !== account.memberId) return unknownReceipt(store, receiptId);
    const family = familyPartOf(target);
    const reversed = reverseReceipt(account, account.ledger, target.settlement, "all", now, program.program.points.returnPolicy, family !== null);
    if (!reversed.ok) return reversed;
    if (family !== null) {
      return familyReversal(reversed, target, family, now, "cancel", { answer: { receipt: receiptId, cancelled: "receipt" }, activity: { kind: "cancel", detail: { receipt: receiptId, store } } });
    }
    return {
      ok: true,
      account: reversed.account,
      // A receipt that presented a coupon names it: the gateway gives the coupon's use back on its own shard.
      answer: { receipt: receiptId, cancelled: "receipt", ...reversed.answer, ...(target.settlement.coupon === undefined ? {} : { coupon: target.settlement.coupon }) },
      writes: [
        { kind: "receipt", receipt: { ...target, settlement: reversed.settlement } },
        ...returnedSettlement(input, reversed, target, { redeemer, operation: "cancel" }),
        ...eventWrites(reversed.account, now, [{ kind: "receipt.cancelled", data: { receipt: receiptId, store, pointsRevoked: reversed.answer.pointsRevoked, pointsReturned: reversed.answer.pointsReturned, balance: reversed.account.balance } }]),
      ],
      activity: { kind: "cancel", detail: { receipt: receiptId, store, ...reversed.answer } },
    };
  });
}

export interface Refund {
  readonly store: string;
  readonly refundId: string;
  readonly receiptId: string;
  readonly lines: readonly { readonly line: number; readonly qty: number }[];
}

/** A partial return by lines of a committed receipt (`target`: its record), idempotent by (store, refund id). */
export function refundReceipt(input: KeyedInput, refund: Refund, target: ReceiptRecord | undefined, redeemer = ""): OperationResult<RefundResult> {
  const { account, program, now } = input;
  const { store, refundId, receiptId, lines } = refund;
  return keyedOperation<RefundResult>(input, refundAddress(store, refundId), [receiptId, lines], `refund ${refundId} of store ${store}`, () => {
    if (target === undefined || target.settlement === undefined || target.memberId !== account.memberId) return unknownReceipt(store, receiptId);
    const returns = lines.map((line) => ({ line: line.line, quantity: scaledQuantity(line.qty) }));
    const family = familyPartOf(target);
    const reversed = reverseReceipt(account, account.ledger, target.settlement, returns, now, program.program.points.returnPolicy, family !== null);
    if (!reversed.ok) return reversed;
    if (family !== null) {
      return familyReversal(reversed, target, family, now, `refund ${refundId}`, { answer: { refund: refundId, receipt: receiptId }, activity: { kind: "refund", detail: { refund: refundId, receipt: receiptId, store } } });
    }
    return {
      ok: true,
      account: reversed.account,
      answer: { refund: refundId, receipt: receiptId, ...reversed.answer },
      writes: [{ kind: "receipt", receipt: { ...target, settlement: reversed.settlement } }, ...returnedSettlement(input, reversed, target, { redeemer, operation: `refund ${refundId}` })],
      activity: { kind: "refund", detail: { refund: refundId, receipt: receiptId, store, ...reversed.answer } },
    };
  });
}

export interface Payment {
  readonly store: string;
  readonly paymentId: string;
  readonly receiptId: string;
  readonly amount: number;
  readonly at: number;
  /** Present when the POS sent no time: the fingerprint then has none. */
  readonly atFromServer?: true;
}

export const paymentAddress = (store: string, paymentId: string): RecordAddress => ({ store, recordId: `payment ${paymentId}` });

/** Money paid later toward a receipt paid in part (`target`: its record), idempotent by (store, payment id); it counts in the period of `at`. */
export function payTowardReceipt(input: KeyedInput, payment: Payment, target: ReceiptRecord | undefined): OperationResult<PaymentResult> {
  const { account, program } = input;
  const { store, paymentId, receiptId, amount, at } = payment;
  const content = [receiptId, amount, payment.atFromServer === true ? null : at];
  return keyedOperation<PaymentResult>(input, paymentAddress(store, paymentId), content, `payment ${paymentId} of store ${store}`, () => {
    if (target === undefined || target.settlement === undefined || target.memberId !== account.memberId) return unknownReceipt(store, receiptId);
    const paid = payReceipt(account, target.settlement, amount, program.calendar.periodOf(at).index);
    if (!paid.ok) return paid;
    return {
      ok: true,
      account: paid.account,
      answer: { payment: paymentId, receipt: receiptId, amount, unpaid: paid.unpaid },
      writes: [{ kind: "receipt", receipt: { ...target, settlement: paid.settlement } }],
      activity: { kind: "payment", detail: { payment: paymentId, receipt: receiptId, store, amount, unpaid: paid.unpaid } },
    };
  });
}

export interface Adjustment {
  readonly adjustmentId: string;
  readonly points: number;
  readonly reason: string;
  readonly operator: string;
}

/** An administrator's credit or debit of points, idempotent by adjustment id. */
export function adjustPoints(input: KeyedInput, adjustment: Adjustment): OperationResult<AdjustmentResult> {
  const { adjustmentId, points, reason, operator } = adjustment;
  return keyedOperation<AdjustmentResult>(input, adjustmentAddress(adjustmentId), [points, reason, operator], `adjustment ${adjustmentId}`, () => {
    const outcome = adjustForMember(input.program, input.account, adjustmentId, points, input.now);
    if (!outcome.ok) return outcome;
    return {
      ok: true,
      account: outcome.account,
      answer: { adjustment: adjustmentId, points, balance: outcome.account.balance },
      activity: { kind: "adjustment", detail: { adjustment: adjustmentId, points, reason, operator } },
    };
  });
}

export interface ProfileEdit {
  readonly editId: string;
  /** Each field: absent, unchanged; null, cleared; else the new value (validated by the gateway). */
  readonly name?: string | null;
  readonly phone?: string | null;
  readonly birthDate?: string | null;
  readonly email?: string | null;
  /** The channels given change; the others stay. */
  readonly consent?: Partial<MemberConsent>;
  readonly operator: string;
}

/**
 * Support's edit of a member's profile, idempotent by edit id. The answer
 * names what changed, from and to: the gateway frees the old phone and the
 * old search keys from it, also when it only gets the stored answer of a
 * retry (gateway/admin/member-edits.ts). The card is not a profile field
 * here: cards have their own operations.
 */
export function editProfile(input: RecordInput, edit: ProfileEdit): OperationResult<EditProfileResult> {
  const given = <Value>(value: Value | undefined): Value[] => (value === undefined ? [] : [value]);
  const content = [given(edit.name), given(edit.phone), given(edit.birthDate), given(edit.email), given(edit.consent?.sms), given(edit.consent?.email)];
  return keyedOperation<EditProfileResult>(input, profileEditAddress(edit.editId), content, `profile edit ${edit.editId}`, () => {
    const before = input.account.profile;
    const consentBefore = profileConsent(before);
    const consent = { sms: edit.consent?.sms ?? consentBefore.sms, email: edit.consent?.email ?? consentBefore.email };
    const core: MemberProfile = {
      card: before.card,
      phone: edit.phone === undefined ? before.phone : edit.phone,
      name: edit.name === undefined ? before.name : edit.name,
      birthDate: edit.birthDate === undefined ? before.birthDate : edit.birthDate,
    };
    const after = withContact(core, edit.email === undefined ? profileEmail(before) : edit.email, consent);
    const changed = profileChanges(before, after);
    const account: Account = { ...input.account, profile: after, sequence: input.account.sequence + 1 };
    return {
      ok: true,
      account,
      answer: { edit: edit.editId, profile: profileView(after), changed },
      activity: { kind: "profile", detail: { edit: edit.editId, changed, operator: edit.operator } },
    };
  });
}

export function profileView(profile: MemberProfile): MemberProfileView {
  return { card: profile.card, phone: profile.phone, name: profile.name, birthDate: profile.birthDate, email: profileEmail(profile), consent: profileConsent(profile) };
}

/** The fields whose value differs, with both values. */
function profileChanges(before: MemberProfile, after: MemberProfile): ProfileChanges {
  const from = profileView(before);
  const to = profileView(after);
  const consentChanged = from.consent.sms !== to.consent.sms || from.consent.email !== to.consent.email;
  return {
    ...(from.name === to.name ? {} : { name: { from: from.name, to: to.name } }),
    ...(from.phone === to.phone ? {} : { phone: { from: from.phone, to: to.phone } }),
    ...(from.birthDate === to.birthDate ? {} : { birthDate: { from: from.birthDate, to: to.birthDate } }),
    ...(from.email === to.email ? {} : { email: { from: from.email, to: to.email } }),
    ...(consentChanged ? { consent: { from: from.consent, to: to.consent } } : {}),
  };
}

/**
 * The shape every keyed operation shares: the record answers a repeat or
 * refuses other content; otherwise `run` decides, and the account, the
 * operation's record (with its fingerprint and answer), any other records it
 * changed and its history entry are the writes.
 */
export function keyedOperation<Answer extends { readonly member: string }>(
  input: RecordInput,
  address: RecordAddress,
  content: unknown,
  what: string,
  run: () => KeyedChange<Answer>,
): OperationResult<Answer> {
  const { account, existing, now } = input;
  const memberId = account.memberId;
  const fingerprint = hash("sha256", JSON.stringify([memberId, address.store, address.recordId, content]), "base64url");
  if (existing !== undefined) {
    return existing.fingerprint === fingerprint
      ? { kind: "answered", answer: storedAnswer<Answer>(existing) }
      : refused(failure("CONFLICT", `${what} was already made with other content`));
  }
  const outcome = run();
  if (!outcome.ok) return refused(outcome);
  const answer = { member: memberId, ...outcome.answer } as Answer;
  const record: ReceiptRecord = { logicalShard: account.logicalShard, store: address.store, receiptId: address.recordId, memberId, fingerprint, answer };
  return {
    kind: "applied",
    answer,
    account: outcome.account,
    writes: [
      { kind: "account", account: outcome.account },
      { kind: "receipt", receipt: record },
      ...(outcome.writes ?? []),
      historyWrite(outcome.account, now, outcome.activity.kind, outcome.activity.detail),
    ],
  };
}

/** The family part of a receipt's stored answer (family-commit.ts); null for a receipt of a member in no family then. */
function familyPartOf(target: ReceiptRecord): FamilyAnswerPart["familyIntent"] | null {
  return (target.answer as Partial<FamilyAnswerPart>).familyIntent ?? null;
}

/**
 * A return of a family receipt: lines and counters on the member as for anyone; the points part is an
 * intent for the pool (revoke part of the receipt's lot, give redeemed points back), in the same record.
 * The answer carries the intent for the gateway, which applies it and answers with the pool's balance.
 */
function familyReversal<Answer extends { readonly member: string }>(
  reversed: Extract<ReversalOutcome, { ok: true }>,
  target: ReceiptRecord,
  family: FamilyAnswerPart["familyIntent"],
  now: number,
  operation: string,
  what: { readonly answer: Readonly<Record<string, unknown>>; readonly activity: { readonly kind: string; readonly detail: Readonly<Record<string, unknown>> } },
): KeyedChange<Answer> {
  const next = reversed.account;
  const receiptIntent = family.intent;
  const intent: FamilyIntent = {
    kind: "reverse",
    id: intentId(next.memberId, next.sequence),
    target: receiptIntent.target,
    member: next.memberId,
    at: now,
    receiptIntent: receiptIntent.id,
    revoke: reversed.answer.pointsRevoked,
    giveBack: reversed.answer.pointsReturned,
    operation,
  };
  const answer = { ...what.answer, ...reversed.answer, familyIntent: { id: family.id, intent } } as unknown as Omit<Answer, "member">;
  return {
    ok: true,
    account: next,
    answer,
    writes: [{ kind: "receipt", receipt: { ...target, settlement: reversed.settlement } }, familyEntryWrite(next, now, { type: "intent", intent })],
    activity: { kind: what.activity.kind, detail: { ...what.activity.detail, ...reversed.answer, family: family.id } },
  };
}

function unknownReceipt(store: string, receiptId: string): Failure {
  return failure("UNKNOWN_RECEIPT", `store ${store} has no receipt ${receiptId} for this member`);
}
