// Thread: any (pure); run by a shard worker thread (and not by the bulk importer: imported history is not news).
import type { Account } from "../../domain/account/account.js";
import type { EventData } from "../storage/records/outbox-codec.js";
import type { ShardWrite } from "../storage/shard-store.js";

/** The event kinds the shard emits (docs/notifications.md has their payloads). */
export const EVENT_KINDS = ["points.accrued", "status.changed", "receipt.cancelled"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * The outbox writes of an operation's events: numbered 0, 1, ... within the
 * operation, keyed by the account after it (its member and sequence), so
 * each has an id no other event has, the same on every replay.
 */
export function eventWrites(account: Account, at: number, events: readonly { readonly kind: EventKind; readonly data: EventData }[]): ShardWrite[] {
  return events.map(({ kind, data }, number) => ({
    kind: "event",
    event: { logicalShard: account.logicalShard, memberId: account.memberId, sequence: account.sequence, number, kind, at, data },
  }));
}

/** A commit's events: points accrued (when it accrued any), and the member's status level changing. */
export function commitEvents(
  commit: { readonly receipt: string; readonly store: string; readonly points: number; readonly balance: number; readonly transaction: string },
  statusChange: { readonly from: string | null; readonly to: string | null } | null,
): { kind: EventKind; data: EventData }[] {
  const events: { kind: EventKind; data: EventData }[] = [];
  if (commit.points > 0) events.push({ kind: "points.accrued", data: { ...commit } });
  if (statusChange !== null) events.push({ kind: "status.changed", data: { from: statusChange.from, to: statusChange.to, receipt: commit.receipt, store: commit.store } });
  return events;
}
