// Thread: the gateway (main) thread; the directory's only writer.
import { failure, type Failure } from "../../protocol/errors/loycore-error.js";
import type { CardView, MemberCards, ReplaceCardResult } from "../../protocol/admin-wire.js";
import { readObject, readOptionalInteger, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import type { ControlStore } from "../control/control-store.js";
import { CARDS_PER_MEMBER_MAX, PLAIN_CARD_DETAILS, type CardRecord, type DirectoryStore } from "../directory/directory-store.js";
import { KeyLocks } from "./key-locks.js";
import type { OperationOutcome } from "./operation-outcome.js";
import { readCard } from "../protocol/read-operation-request.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { CardChange } from "../../shard/operations/card-change.js";

/** A block's reason is a note for support ("lost", "stolen at the store"), not a document. */
export const CARD_BLOCK_REASON_LENGTH_MAX = 200;
/** Expiry dates from 1970 to the year 9999: a card past that is not a date anyone means. */
const CARD_EXPIRY_MAX_MILLISECONDS = 253_402_300_799_999;
/** Member ids are "m" and 16 hex digits (gateway/operations/enrollment.ts). */
const MEMBER_ID_PATTERN = /^m[0-9a-f]{16}$/;
const ISSUE_FIELDS = new Set(["card", "type", "expiresAt"]);
const BLOCK_FIELDS = new Set(["reason"]);

type CardOutcome<Value extends object> = OperationOutcome<Value>;

/**
 * A member's cards (issue 12): issue, block, unblock, replace, read. Cards
 * live in the directory, so a lane's card is checked where it is looked up,
 * on the gateway thread, and history, counters, statuses and points stay on
 * the member's account whatever card they come with. Each operation is
 * idempotent by its card: the same change again answers the card as it is;
 * a change the card's state contradicts is a coded refusal. Every change is
 * audited with its operator.
 */
export class CardService {
  private readonly locks = new KeyLocks();

  constructor(
    private readonly directory: DirectoryStore,
    private readonly control: ControlStore,
    private readonly cluster: ShardCluster,
    private readonly clock: () => number,
  ) {}

  card(cardNumber: string): CardOutcome<CardView> {
    const card = readCard(cardNumber, "card");
    const memberId = this.directory.findMemberByCard(card);
    return memberId === undefined ? failure("UNKNOWN_CARD", `card ${card} is not enrolled`) : { ok: true, value: cardView(this.recordOf(card, memberId)) };
  }

  async memberCards(memberId: string): Promise<CardOutcome<MemberCards>> {
    const profileCard = await this.enrolmentCard(memberId);
    if (typeof profileCard !== "string") return profileCard;
    return { ok: true, value: { cards: cardsOfMember(this.directory, memberId, profileCard) } };
  }

  /** A new card for an existing member; the same card, member, type and expiry again answers it as it is. */
  async issue(memberId: string, input: unknown, operator: string): Promise<CardOutcome<CardView>> {
    const request = this.readIssue(input, "card");
    if ("ok" in request) return request;
    const profileCard = await this.enrolmentCard(memberId);
    if (typeof profileCard !== "string") return profileCard;
    return this.locks.run([`card:${request.card}`, `member-cards:${memberId}`], async (): Promise<CardOutcome<CardView>> => {
      const taken = this.takenBy(request.card, memberId, request);
      if (taken !== null) return taken;
      if (this.directory.findMemberByCard(request.card) === memberId) return { ok: true, value: cardView(this.recordOf(request.card, memberId)) };
      if (cardsOfMember(this.directory, memberId, profileCard).length >= CARDS_PER_MEMBER_MAX) {
        return failure("CARD_LIMIT", `member ${memberId} already holds ${CARDS_PER_MEMBER_MAX} cards`);
      }
      const record: CardRecord = { ...PLAIN_CARD_DETAILS, card: request.card, type: request.type, expiresAt: request.expiresAt, memberId, issuedAt: this.clock() };
      await this.directory.writeCards([record]);
      await this.audit("issue-card", operator, { card: record.card, member: memberId, type: record.type, expiresAt: record.expiresAt });
      return { ok: true, value: cardView(record) };
    });
  }

  /** Blocks a card with a reason; an already blocked card answers as it is (the first reason kept). */
  async block(cardNumber: string, input: unknown, operator: string): Promise<CardOutcome<CardView>> {
    const card = readCard(cardNumber, "card");
    const document = readObject(input, "block");
    refuseUnknownFields(document, "block", BLOCK_FIELDS);
    const reason = readString(document["reason"], "block.reason", CARD_BLOCK_REASON_LENGTH_MAX);
    return this.locks.run([`card:${card}`], async (): Promise<CardOutcome<CardView>> => {
      const current = this.existing(card);
      if ("ok" in current) return current;
      if (current.state === "blocked") {
        // Again: completes the member's record of an operator's block a crash may have interrupted (a replacement's has its own).
        const recorded = current.replacedBy === null ? await this.recordBlock(current, operator) : null;
        return recorded ?? { ok: true, value: cardView(current) };
      }
      const blocked: CardRecord = { ...current, state: "blocked", blockedAt: this.clock(), blockReason: reason };
      await this.directory.writeCards([blocked]);
      const recorded = await this.recordBlock(blocked, operator);
      if (recorded !== null) return recorded;
      await this.audit("block-card", operator, { card, member: blocked.memberId, reason });
      return { ok: true, value: cardView(blocked) };
    });
  }

  /** Unblocks a card blocked by an operator; a replaced card stays blocked (CONFLICT). */
  async unblock(cardNumber: string, operator: string): Promise<CardOutcome<CardView>> {
    const card = readCard(cardNumber, "card");
    return this.locks.run([`card:${card}`], async (): Promise<CardOutcome<CardView>> => {
      const current = this.existing(card);
      if ("ok" in current) return current;
      if (current.replacedBy !== null) return failure("CONFLICT", `card ${card} was replaced by card ${current.replacedBy}; it stays blocked`);
      if (current.state === "active") return { ok: true, value: cardView(current) };
      const active: CardRecord = { ...current, state: "active", blockedAt: null, blockReason: null };
      await this.directory.writeCards([active]);
      await this.audit("unblock-card", operator, { card, member: active.memberId });
      return { ok: true, value: cardView(active) };
    });
  }

  /**
   * Replaces a card: the old one is blocked ("replaced by <new>") and the new
   * one carries on the same member, in one directory transaction, so history,
   * counters, statuses and points continue without a break. The new card's
   * type and expiry default to the old card's. The same replacement again
   * answers both cards as they are.
   */
  async replace(cardNumber: string, input: unknown, operator: string): Promise<CardOutcome<ReplaceCardResult>> {
    const oldCard = readCard(cardNumber, "card");
    const request = this.readIssue(input, "replacement");
    if ("ok" in request) return request;
    return this.locks.run([`card:${oldCard}`, `card:${request.card}`], async (): Promise<CardOutcome<ReplaceCardResult>> => {
      const old = this.existing(oldCard);
      if ("ok" in old) return old;
      if (old.replacedBy === request.card) {
        const issued = this.recordOf(request.card, old.memberId);
        const recorded = await this.recordReplacement(old, issued, operator);
        return recorded ?? { ok: true, value: { replaced: cardView(old), card: cardView(issued) } };
      }
      if (old.replacedBy !== null) return failure("CONFLICT", `card ${oldCard} was already replaced by card ${old.replacedBy}`);
      if (request.card === oldCard || this.directory.findMemberByCard(request.card) !== undefined) {
        return failure("CARD_TAKEN", `card ${request.card} is already issued`);
      }
      const now = this.clock();
      const typeAndExpiry = { type: request.typeGiven ? request.type : old.type, expiresAt: request.expiryGiven ? request.expiresAt : old.expiresAt };
      const replaced: CardRecord = { ...old, state: "blocked", blockedAt: old.blockedAt ?? now, blockReason: old.blockReason ?? "replaced", replacedBy: request.card };
      const issued: CardRecord = { ...PLAIN_CARD_DETAILS, card: request.card, memberId: old.memberId, ...typeAndExpiry, issuedAt: now };
      await this.directory.writeCards([replaced, issued]);
      const recorded = await this.recordReplacement(replaced, issued, operator);
      if (recorded !== null) return recorded;
      await this.audit("replace-card", operator, { card: oldCard, member: old.memberId, replacedBy: request.card, type: issued.type });
      return { ok: true, value: { replaced: cardView(replaced), card: cardView(issued) } };
    });
  }

  /**
   * Records a block on the member's account (history, and the card.blocked
   * event): after the directory's write, so no event tells of a block that
   * is not there; idempotent by card and block time, so a repeat of the block
   * completes it after a crash. Null when written, else why not.
   */
  private async recordBlock(blocked: CardRecord, operator: string): Promise<Failure | null> {
    const at = blocked.blockedAt ?? 0;
    const change: CardChange = { changeId: `block ${blocked.card} ${at}`, action: "blocked", card: blocked.card, at, reason: blocked.blockReason, replacedBy: null, operator };
    return this.recordChange(blocked.memberId, change);
  }

  /** Records a replacement on the member's account (history, and the card.replaced event), idempotent by the old card. */
  private async recordReplacement(replaced: CardRecord, issued: CardRecord, operator: string): Promise<Failure | null> {
    const change: CardChange = { changeId: `replace ${replaced.card}`, action: "replaced", card: replaced.card, at: issued.issuedAt ?? 0, reason: null, replacedBy: issued.card, operator };
    return this.recordChange(replaced.memberId, change);
  }

  private async recordChange(memberId: string, change: CardChange): Promise<Failure | null> {
    const reply = await this.cluster.requestForMember({ kind: "recordCardChange", memberId, change });
    if (reply.ok) return null;
    return failure(reply.code, `the card change is in the directory, but not yet in the member's history and events (${reply.message}); send it again`);
  }

  /** The card's record as stored, or as a plain card when it has no details. */
  private recordOf(card: string, memberId: string): CardRecord {
    return { card, memberId, ...(this.directory.findCardDetails(card) ?? PLAIN_CARD_DETAILS) };
  }

  private existing(card: string): CardRecord | Failure {
    const memberId = this.directory.findMemberByCard(card);
    return memberId === undefined ? failure("UNKNOWN_CARD", `card ${card} is not enrolled`) : this.recordOf(card, memberId);
  }

  /** Why `card` cannot be issued to `memberId` with these details: another member's, or this member's with others. */
  private takenBy(card: string, memberId: string, wanted: { readonly type: string | null; readonly expiresAt: number | null }): Failure | null {
    const owner = this.directory.findMemberByCard(card);
    if (owner === undefined) return null;
    const current = this.recordOf(card, owner);
    if (owner === memberId && current.type === wanted.type && current.expiresAt === wanted.expiresAt) return null;
    return failure("CARD_TAKEN", owner === memberId ? `card ${card} is already this member's, with another type or expiry` : `card ${card} belongs to another member`);
  }

  /** The member's enrolment card (its account's), proving the member exists; UNKNOWN_MEMBER otherwise. */
  private async enrolmentCard(memberId: string): Promise<string | Failure> {
    if (!MEMBER_ID_PATTERN.test(memberId)) return failure("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId });
    return reply.ok ? reply.value.card : failure(reply.code, reply.message);
  }

  private readIssue(input: unknown, field: string): IssueRequest | Failure {
    const document = readObject(input, field);
    refuseUnknownFields(document, field, ISSUE_FIELDS);
    const card = readCard(document["card"], `${field}.card`);
    const typeGiven = document["type"] !== undefined;
    const type = document["type"] === undefined || document["type"] === null ? null : readString(document["type"], `${field}.type`, 64);
    const expiryGiven = document["expiresAt"] !== undefined;
    const expiresAt = readOptionalInteger(document["expiresAt"], `${field}.expiresAt`, 0, CARD_EXPIRY_MAX_MILLISECONDS) ?? null;
    if (type !== null && this.control.currentProgram()?.cardTypes?.some((cardType) => cardType.id === type) !== true) {
      return failure("BAD_REQUEST", `${field}.type must name a card type of the current program; ${JSON.stringify(type)} is not one`);
    }
    return { card, type, expiresAt, typeGiven, expiryGiven };
  }

  private async audit(action: string, operator: string, detail: Readonly<Record<string, unknown>>): Promise<void> {
    await this.control.appendAudit({ at: this.clock(), action, operator, detail });
  }
}

interface IssueRequest {
  readonly card: string;
  readonly type: string | null;
  readonly expiresAt: number | null;
  /** Whether the request named a type (null included) or an expiry: a replacement keeps the old card's otherwise. */
  readonly typeGiven: boolean;
  readonly expiryGiven: boolean;
}

/**
 * Every card of a member, in card order: those the directory lists, and the
 * card the member enrolled with (members enrolled before cards were listed
 * have it unlisted).
 */
export function cardsOfMember(directory: DirectoryStore, memberId: string, enrolmentCard: string): readonly CardView[] {
  const listed = directory.cardsOfMember(memberId);
  if (listed.some((record) => record.card === enrolmentCard)) return listed.map(cardView);
  const enrolment: CardRecord = { card: enrolmentCard, memberId, ...(directory.findCardDetails(enrolmentCard) ?? PLAIN_CARD_DETAILS) };
  return [...listed, enrolment].sort((left, right) => (left.card < right.card ? -1 : 1)).map(cardView);
}

function cardView({ card, memberId, ...details }: CardRecord): CardView {
  return { card, member: memberId, ...details };
}
