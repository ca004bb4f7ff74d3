import type { MemberProfile } from "../../domain/account/account.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import type { Payment } from "../../shard/operations/keyed-operations.js";

/** How a request names a member: exactly one of card or phone. */
export type MemberReference = { readonly kind: "card"; readonly card: string } | { readonly kind: "phone"; readonly phone: string };

/** A validated terminal operation, whatever transport it came by. */
export type OperationRequest =
  | { readonly op: "ping" }
  | { readonly op: "identify"; readonly member: MemberReference }
  | { readonly op: "balance"; readonly member: MemberReference; readonly detail: boolean }
  | {
      readonly op: "calculate" | "commit";
      readonly member: MemberReference;
      readonly receipt: Receipt;
      readonly redeem: number;
      /** `calculate` only: reserve the redeemed points until commit or cancel. */
      readonly hold: boolean;
      /** `commit` only: the money paid now of a receipt paid in part; absent: paid in full. */
      readonly paid?: number;
      /** A coupon code (docs/campaigns.md, "Coupons"); absent: none. */
      readonly coupon?: string;
    }
  | {
      readonly op: "cancel";
      /** Optional: without it the gateway finds the member by the receipt. */
      readonly member: MemberReference | null;
      readonly store: string;
      readonly receiptId: string;
    }
  | {
      readonly op: "refund";
      readonly member: MemberReference | null;
      readonly store: string;
      readonly refundId: string;
      readonly receiptId: string;
      readonly lines: readonly { readonly line: number; readonly qty: number }[];
    }
  | ({ readonly op: "payment"; readonly member: MemberReference | null } & Payment)
  /**
   * A lane's card operations (issue 12) for the member its card or phone names: a new card, a lost
   * card blocked, a card replaced. The nested object is read by the card service (gateway/operations/
   * card-service.ts), as the admin API's body is, with the same coded errors naming its fields.
   */
  | { readonly op: "issueCard"; readonly member: MemberReference; readonly issue: unknown }
  | { readonly op: "blockCard"; readonly member: MemberReference; readonly block: { readonly card: string; readonly reason: string } }
  | { readonly op: "replaceCard"; readonly member: MemberReference; readonly replace: { readonly card: string; readonly with: unknown } }
  | { readonly op: "enroll"; readonly profile: MemberProfile }
  | {
      readonly op: "reportVisit";
      readonly member: MemberReference;
      readonly visit: { readonly id: string; readonly store: string; readonly status: "came" | "didNotCome"; readonly at: number; readonly atFromServer?: true };
    };

export type OperationName = OperationRequest["op"];

export const OPERATION_NAMES: readonly OperationName[] = [
  "ping",
  "identify",
  "balance",
  "calculate",
  "commit",
  "enroll",
  "reportVisit",
  "cancel",
  "refund",
  "payment",
  "issueCard",
  "blockCard",
  "replaceCard",
];
