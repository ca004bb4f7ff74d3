import { createHash } from "node:crypto";
import { openAccount, profileEmail, type Account, type MemberProfile } from "../../domain/account/account.js";
import { EMPTY_COUNTERS, type CounterTotals } from "../../domain/account/counters.js";
import { assert } from "../../domain/assert/assert.js";
import type { ReceiptOwner } from "../../gateway/directory/lmdb-directory-store.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { adjustForMember, calculateForMember } from "../../domain/engine/member-operations.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import { commitReceipt } from "../../shard/operations/commit-receipt.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import type { ShardWrite } from "../../shard/storage/shard-store.js";
import { DEMO_PARTNER, DEMO_WELCOME_RECEIPT_AT, demoMemberProfile } from "../../gateway/demo.js";
import { REDEEM_SHARE_BASIS_POINTS, syntheticHistory } from "./synthetic-history.js";

/** 8 bytes of the hash, like enrolment's 8 random bytes: the member id pattern is "m" and 16 hex digits. */
const MEMBER_ID_HASH_HEX_DIGITS = 16;

/**
 * An imported member's id is derived from the card, not drawn at random, so
 * an import that stopped half-way and runs again writes the same records
 * under the same keys instead of a second member. (Enrolment draws ids at
 * random; 64 bits make a collision with a derived id as unlikely as between
 * two random ones.)
 */
export function importedMemberId(card: string): string {
  return `m${createHash("sha256").update(`loycore-import\u0000${card}`).digest("hex").slice(0, MEMBER_ID_HASH_HEX_DIGITS)}`;
}

/** Everything one member adds to a data directory: the shard records and the directory entries. */
export interface BuiltMember {
  readonly memberId: string;
  readonly card: string;
  readonly phone: string | null;
  /** For the directory's search indexes. */
  readonly name: string | null;
  readonly email: string | null;
  /** The account, then the record and history entry of each past receipt, as the shard would have staged them. */
  readonly writes: readonly ShardWrite[];
  readonly receiptOwners: readonly ReceiptOwner[];
}

/** A receipt as it was committed, with the points it redeemed: what a replay through a server sends. */
export interface CommittedReceipt {
  readonly receipt: Receipt;
  readonly redeem: number;
}

/**
 * How much of a synthetic history is stored. "account": the account as the
 * whole history left it (counters, status, lots, categories) plus the record
 * of the demo welcome receipt, so that --demo seeding finds it committed.
 * "full": also every past receipt's record (returns can find it), history
 * entry and receipt index entry, as a server would hold them: about 3 times
 * the disk.
 */
export type SyntheticHistoryStored = "account" | "full";

/**
 * Synthetic members `indices`: the demo's profile and a history of receipts
 * (synthetic-history.ts) committed one by one through the pure engine, each
 * at its own time, exactly as a shard commits them: counters, status, lots
 * and categories are what those receipts would have made.
 *
 * Receipts are applied round by round (every member's first receipt, then
 * every member's second, ...), each round in time order: a member's own
 * receipts stay in order, and the program calendar's one-period cache hits
 * instead of recomputing a period (an Intl call) on nearly every receipt.
 */
export function buildSyntheticMembers(
  indices: readonly number[],
  compiled: CompiledProgram,
  referenceTime: number,
  stored: SyntheticHistoryStored,
): (BuiltMember & { readonly committed: readonly CommittedReceipt[] })[] {
  const members = indices.map((index) => {
    const profile = demoMemberProfile(index);
    const memberId = importedMemberId(profile.card);
    const logicalShard = logicalShardOf(memberId);
    return {
      memberId,
      logicalShard,
      profile,
      account: openAccount(memberId, logicalShard, profile, DEMO_WELCOME_RECEIPT_AT),
      planned: syntheticHistory(index, referenceTime),
      writes: [] as ShardWrite[],
      receiptOwners: [] as ReceiptOwner[],
      committed: [] as CommittedReceipt[],
    };
  });
  const rounds = Math.max(0, ...members.map((member) => member.planned.length));
  for (let round = 0; round < rounds; round += 1) {
    const due = members.filter((member) => member.planned.length > round);
    due.sort((left, right) => (left.planned[round]?.receipt.at ?? 0) - (right.planned[round]?.receipt.at ?? 0));
    for (const member of due) {
      const planned = member.planned[round];
      assert(planned !== undefined, "a due member has a receipt this round");
      const { receipt } = planned;
      const { memberId } = member;
      const context = { now: receipt.at, partner: DEMO_PARTNER.id };
      let redeem = 0;
      if (planned.redeems) {
        const calculated = calculateForMember(compiled, member.account, receipt, 0, context);
        if (calculated.ok) redeem = Math.floor((calculated.calculation.redeemable * REDEEM_SHARE_BASIS_POINTS) / 10_000);
      }
      // The same pure operation a shard runs for a commit: the same account, record and history entry.
      const result = commitReceipt({ program: compiled, account: member.account, existing: undefined, receipt, redeem, partner: DEMO_PARTNER.id, now: context.now, events: false });
      assert(result.kind === "applied", `a synthetic receipt commits (${result.kind === "refused" ? result.message : result.kind})`);
      member.account = result.account;
      member.committed.push({ receipt, redeem });
      // The welcome receipt (round 0) is always on record; the rest with the full history.
      if (round > 0 && stored === "account") continue;
      for (const write of result.writes) {
        if (write.kind === "receipt") {
          member.writes.push(write);
          member.receiptOwners.push({ store: receipt.store, receiptId: receipt.id, memberId });
        } else if (write.kind === "activity" && stored === "full") {
          member.writes.push(write);
        }
      }
    }
  }
  return members.map((member) => ({
    memberId: member.memberId,
    card: member.profile.card,
    phone: member.profile.phone,
    name: member.profile.name,
    email: profileEmail(member.profile),
    writes: [{ kind: "account", account: member.account }, ...member.writes],
    receiptOwners: member.receiptOwners,
    committed: member.committed,
  }));
}

/** A member brought over from another platform (one NDJSON line, validated). */
export interface MigratedMember {
  /** The line of the file it came from, for reports. */
  readonly line: number;
  readonly profile: MemberProfile;
  /** The opening points balance: one lot, active at once, under the program's points lifetime. */
  readonly points: number;
  /** Lifetime counters the other platform kept; statuses and rules count from them. */
  readonly lifetime: CounterTotals | null;
  readonly firstVisitAt: number | null;
  readonly lastVisitAt: number | null;
}

/**
 * A migrated member's account: the profile, the lifetime counters if given,
 * and the opening balance as an adjustment lot made at `now`; one "import"
 * history entry says where it all came from.
 */
export function buildMigratedMember(member: MigratedMember, compiled: CompiledProgram, now: number): BuiltMember {
  const memberId = importedMemberId(member.profile.card);
  const logicalShard = logicalShardOf(memberId);
  let account: Account = openAccount(memberId, logicalShard, member.profile, now);
  if (member.lifetime !== null) {
    account = {
      ...account,
      counters: { ...EMPTY_COUNTERS, lifetime: member.lifetime, firstVisitAt: member.firstVisitAt, lastVisitAt: member.lastVisitAt },
    };
  }
  if (member.points > 0) {
    const adjusted = adjustForMember(compiled, account, "opening-balance", member.points, now);
    assert(adjusted.ok, "an opening balance within POINTS_BALANCE_MAX accrues");
    account = adjusted.account;
  }
  account = { ...account, sequence: account.sequence + 1 };
  const writes: ShardWrite[] = [
    { kind: "account", account },
    {
      kind: "activity",
      activity: {
        logicalShard,
        memberId,
        sequence: account.sequence,
        at: now,
        kind: "import",
        detail: { points: member.points, lifetime: member.lifetime, line: member.line },
      },
    },
  ];
  return { memberId, card: member.profile.card, phone: member.profile.phone, name: member.profile.name, email: profileEmail(member.profile), writes, receiptOwners: [] };
}
