// Thread: the gateway (main) thread.
import { failure } from "../../protocol/errors/loycore-error.js";
import type { CardDetails, DirectoryStore } from "../directory/directory-store.js";
import type { MemberReference } from "../protocol/operation-request.js";
import type { OperationFailure } from "./operation-outcome.js";

/** The member a lane named, and the type of the card it presented (null: found by phone, or an untyped card). */
export interface PresentedMember {
  readonly memberId: string;
  readonly cardType: string | null;
}

/**
 * Card or phone -> member, from the directory (no shard is asked), refusing
 * a card that is blocked (CARD_BLOCKED) or past its expiry (CARD_EXPIRED):
 * two reads of the directory, about a microsecond each.
 */
export function presentedMember(directory: DirectoryStore, member: MemberReference, now: number): PresentedMember | OperationFailure {
  if (member.kind === "phone") {
    const memberId = directory.findMemberByPhone(member.phone);
    return memberId === undefined ? unknownMember(member) : { memberId, cardType: null };
  }
  const memberId = directory.findMemberByCard(member.card);
  if (memberId === undefined) return unknownMember(member);
  const details = directory.findCardDetails(member.card);
  if (details === undefined) return { memberId, cardType: null };
  return cardRefusal(member.card, details, now) ?? { memberId, cardType: details.type };
}

/** Why a lane may not use this card now, or null. */
export function cardRefusal(card: string, details: CardDetails, now: number): OperationFailure | null {
  if (details.state === "blocked") {
    const why = details.replacedBy !== null ? `replaced by card ${details.replacedBy}` : (details.blockReason ?? "no reason given");
    return failure("CARD_BLOCKED", `card ${card} is blocked (${why})`);
  }
  if (details.expiresAt !== null && now >= details.expiresAt) {
    return failure("CARD_EXPIRED", `card ${card} expired at ${new Date(details.expiresAt).toISOString()}`);
  }
  return null;
}

/** A refusal because of the card's state, not because no member was found. */
export function isCardRefusal(refusal: OperationFailure): boolean {
  return refusal.code === "CARD_BLOCKED" || refusal.code === "CARD_EXPIRED";
}

export function unknownMember(member: MemberReference): OperationFailure {
  return member.kind === "card"
    ? failure("UNKNOWN_CARD", `card ${member.card} is not enrolled`)
    : failure("UNKNOWN_PHONE", `phone ${member.phone} is not enrolled`);
}
