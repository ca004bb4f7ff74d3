// Thread: any (pure); run by a shard worker thread (and not by the bulk importer: imported history is not news).
import type { Account } from "../../domain/account/account.js";
import type { EventData } from "../storage/records/outbox-codec.js";
import type { ShardWrite } from "../storage/shard-store.js";
import type { WebhookEventKind } from "../../protocol/admin-wire.js";

/** The event kinds the shard emits (docs/notifications.md has their payloads). */
export const EVENT_KINDS = ["points.accrued", "status.changed", "receipt.cancelled", "class.changed", "level.reached", "card.blocked", "card.replaced", "points.expiring", "discount.lapsing", "class.lapsing", "survey.invitation", "survey.reward", "campaign.accrued"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
/** The wire's kinds (protocol/admin-wire.ts WebhookEventKind) are exactly these: checked when compiling. */
const KINDS_MATCH_THE_WIRE: [EventKind, WebhookEventKind] extends [WebhookEventKind, EventKind] ? true : never = true;
void KINDS_MATCH_THE_WIRE;

/**
 * The outbox writes of an operation's events: numbered 0, 1, ... within the
 * operation, keyed by the account after it (its member and sequence), so
 * each has an id no other event has, the same on every replay.
 */
export function eventWrites(
  account: Account,
  at: number,
  events: readonly { readonly kind: EventKind; readonly data: EventData }[],
  /** The first event's number: after the events the operation already wrote (standing-events.ts nextEventNumber). */
  firstNumber = 0,
): ShardWrite[] {
  return events.map(({ kind, data }, index) => ({
    kind: "event",
    event: { logicalShard: account.logicalShard, memberId: account.memberId, sequence: account.sequence, number: firstNumber + index, kind, at, data },
  }));
}

/** A change of a member's standing: ids before and after (null: none). */
type StandingChange = { readonly from: string | null; readonly to: string | null } | null;

/**
 * A commit's events, numbered in this order (kinds added later come after, so
 * an operation's existing events keep their numbers): points accrued (when it
 * accrued any), the status level changing, the importance class changing,
 * a level by active points reached.
 */
export function commitEvents(
  /** `family`: a family member's receipt, whose points went to that family's pool (`balance` is then 0: the pool's is not known on the member's shard). */
  commit: { readonly receipt: string; readonly store: string; readonly points: number; readonly balance: number; readonly transaction: string; readonly family?: string },
  statusChange: StandingChange,
  changes: { readonly classChange?: StandingChange; readonly levelReached?: { readonly id: string; readonly points: number } | null } = {},
): { kind: EventKind; data: EventData }[] {
  const events: { kind: EventKind; data: EventData }[] = [];
  const at = { receipt: commit.receipt, store: commit.store };
  if (commit.points > 0) events.push({ kind: "points.accrued", data: { ...commit } });
  if (statusChange !== null) events.push({ kind: "status.changed", data: { from: statusChange.from, to: statusChange.to, ...at } });
  const { classChange = null, levelReached = null } = changes;
  if (classChange !== null) events.push({ kind: "class.changed", data: { from: classChange.from, to: classChange.to, ...at } });
  if (levelReached !== null) events.push({ kind: "level.reached", data: { level: levelReached.id, points: levelReached.points, balance: commit.balance, ...at } });
  return events;
}
