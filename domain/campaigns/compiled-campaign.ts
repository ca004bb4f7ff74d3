// Thread: any; pure domain (types only).
import type { SegmentCondition } from "../../protocol/campaign-document.js";

/** A points mechanic prepared for the hot path: SKU lists as sets. */
export interface CompiledPointsMechanic {
  readonly rateBasisPoints: number | null;
  readonly fixedPoints: number | null;
  readonly skus: ReadonlySet<string> | null;
  readonly receiptTotalAtLeast: number | null;
  readonly everyPurchases: number | null;
}

export interface CompiledDiscountMechanic {
  readonly basisPoints: number;
  readonly skus: ReadonlySet<string> | null;
}

/** One campaign prepared for the hot path: its period as instants, its audience's condition, its mechanics by kind. */
export interface CompiledCampaign {
  readonly id: string;
  /** "campaign:<id>", made once: the rule a receipt's answer cites. */
  readonly rule: string;
  readonly partner: string;
  readonly startsAt: number;
  readonly endsAt: number;
  /** null: everyone. */
  readonly audience: SegmentCondition | null;
  readonly points: readonly CompiledPointsMechanic[];
  readonly discounts: readonly CompiledDiscountMechanic[];
  /** Whether a points mechanic gives on every k-th purchase: the member's purchases in the campaign's period are counted (campaign-purchases.ts). */
  readonly countsPurchases: boolean;
  /** The campaign's points budget (campaign-budgets.ts); null: none. */
  readonly budgetPoints: number | null;
  /** The campaign's discount budget, minor units (campaign-budgets.ts); null: none. */
  readonly budgetDiscount: number | null;
  /** Days its points live; null: the program's lifetime. */
  readonly pointsLifetimeDays: number | null;
  /** Applies only to receipts presenting one of its coupons (coupons.ts). */
  readonly couponOnly: boolean;
}
