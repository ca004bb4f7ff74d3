// Thread: any (pure); run by a shard worker thread and by the bulk importer's threads.
import type { Account } from "../../domain/account/account.js";
import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import type { IssuerPoints } from "../../domain/engine/partner-settlement.js";
import type { ShardWrite } from "../storage/shard-store.js";

/** Where and when points changed hands between partners, for the entries of one operation. */
export interface SettlementContext {
  /** The account after the operation: its member, logical shard and sequence key the entries. */
  readonly account: Account;
  readonly at: number;
  /** The partner of the store where the points were spent (or given back). */
  readonly redeemer: string;
  readonly store: string;
  readonly receiptId: string;
  /** "commit", "refund <id>" or "cancel". */
  readonly operation: string;
  /** The program's value of a point, minor units. */
  readonly pointValueMinor: number;
}

/** One settlement entry per issuer whose points changed hands (none when all were the redeemer's own). */
export function settlementWrites(context: SettlementContext, byIssuer: readonly IssuerPoints[]): ShardWrite[] {
  const { account, at, redeemer, store, receiptId, operation, pointValueMinor } = context;
  return byIssuer.map(({ issuer, points }) => ({
    kind: "settlement",
    settlement: {
      logicalShard: account.logicalShard,
      day: Math.floor(at / MILLISECONDS_PER_DAY),
      issuer,
      redeemer,
      memberId: account.memberId,
      sequence: account.sequence,
      at,
      store,
      receiptId,
      operation,
      points,
      valueMinor: points * pointValueMinor,
    },
  }));
}
