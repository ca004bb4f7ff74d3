import { assert } from "../assert/assert.js";
import type { LotShare } from "../ledger/lot.js";

/**
 * Inter-partner settlement (issue 12): points issued by one partner (the
 * lot's `partner`) and spent at another partner's store (the redeemer) are
 * owed by the issuer to the redeemer, at the program's value of a point. A
 * receipt's redemption records what it spent per issuer; a return or cancel
 * that gives points back to their lots records the same, negative. Pure:
 * the shard turns these into stored entries.
 */

/** Points of one issuer spent (> 0) or given back (< 0) at a redeemer's store. */
export interface IssuerPoints {
  readonly issuer: string;
  readonly points: number;
}

const NO_ISSUER_POINTS: readonly IssuerPoints[] = Object.freeze([]);

/** The points of `shares` that other partners than `redeemer` issued, by issuer (issuer order), none of 0. */
export function crossPartnerPoints(shares: readonly LotShare[], redeemer: string): readonly IssuerPoints[] {
  // Most receipts pay with no points at all: nothing to build.
  if (shares.length === 0) return NO_ISSUER_POINTS;
  const byIssuer = new Map<string, number>();
  for (const share of shares) {
    assert(Number.isSafeInteger(share.points) && share.points >= 0, "a share's points are a non-negative integer");
    if (share.partner === redeemer || share.points === 0) continue;
    byIssuer.set(share.partner, (byIssuer.get(share.partner) ?? 0) + share.points);
  }
  return [...byIssuer.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)).map(([issuer, points]) => ({ issuer, points }));
}

/**
 * What a return gave back, by issuer other than the redeemer, as negative
 * points: the receipt's unreturned shares before the return minus after it.
 */
export function crossPartnerPointsReturned(before: readonly LotShare[], after: readonly LotShare[], redeemer: string): readonly IssuerPoints[] {
  const left = new Map(crossPartnerPoints(after, redeemer).map(({ issuer, points }) => [issuer, points]));
  const returned: IssuerPoints[] = [];
  for (const { issuer, points } of crossPartnerPoints(before, redeemer)) {
    const back = points - (left.get(issuer) ?? 0);
    assert(back >= 0, "a return never adds spent points");
    if (back > 0) returned.push({ issuer, points: -back });
  }
  return returned;
}
