/**
 * The reference documents' examples (the "seeds", see docs/program.md
 * "Seed programs") written as program documents, as an administrator would
 * send them: plain JSON, input for validateProgramDocument. Money is kopecks:
 * 10,000 roubles = 1_000_000. docs/program.md shows each one as JSON, and a
 * test keeps the page and these objects in step.
 *
 * Where a seed says nothing (points rates, how long a class lasts, which
 * categories the visit statuses touch) the value is this example's choice and
 * the comment says so.
 */

/**
 * Loymax "Status system", example 1: a status for the amount of purchases per
 * month. Purchases of more than 10,000 roubles in a month give Silver for the
 * next month, more than 20,000 give Gold; everyone else is Bronze. The seed's
 * table puts each threshold on the level below (the amount to exceed to
 * leave it); here each level carries the amount that earns it.
 */
export const LOYMAX_STATUS_EXAMPLE_PROGRAM = {
  name: "Loymax status system (example 1)",
  timeZone: "Europe/Moscow",
  period: { kind: "month" },
  // The seed's points come only from the every-5th-purchase bonus: no base
  // accrual. It sets no cap on paying with points, so neither does the program.
  points: { accrualRateBasisPoints: 0, maxRedeemShareBasisPoints: 10_000 },
  statuses: {
    // "Purchases for more than 10,000 rubles per month": the billed amount, before loyalty discounts.
    counter: "sold",
    entryLevel: "bronze",
    levels: [
      { id: "bronze", name: "Bronze", threshold: 0, discountBasisPoints: 200, bonus: { everyPurchases: 5, points: 100 } },
      { id: "silver", name: "Silver", threshold: 1_000_000, discountBasisPoints: 500, bonus: { everyPurchases: 5, points: 300 } },
      { id: "gold", name: "Gold", threshold: 2_000_000, discountBasisPoints: 1_000, bonus: { everyPurchases: 5, points: 500 } },
    ],
  },
} as const;

/**
 * The salon CRM's loyalty module: discount rules by sold amount and visits,
 * importance classes, and categories added and removed automatically.
 */
export const SALON_RULES_EXAMPLE_PROGRAM = {
  name: "Salon loyalty rules",
  timeZone: "Europe/Moscow",
  period: { kind: "month" },
  // The salon module has no points: nothing accrues and nothing can be redeemed.
  points: { accrualRateBasisPoints: 0, maxRedeemShareBasisPoints: 0 },
  discountRules: [
    // "As soon as invoices reached 5,000, a 5 % discount is assigned."
    { id: "sold-5000", counter: "sold", from: 500_000, discountBasisPoints: 500 },
    // "As soon as the client made more than two visits, a 5 % discount is assigned": from 3 visits.
    { id: "visits-3", counter: "visits", from: 3, discountBasisPoints: 500 },
  ],
  // "If the client made no visit for 60 days, the discount changes to 0 %" (the field is "did not visit more than").
  discountLapseAfterDaysWithoutVisit: 60,
  classes: {
    // "Spent/paid from X or made N visits": the seed's "spent" is the sold amount.
    classes: [
      { id: "bronze", name: "Bronze", rank: 1, criteria: [{ counter: "sold", from: 2_000_000 }, { counter: "visits", from: 10 }] },
      { id: "silver", name: "Silver", rank: 2, criteria: [{ counter: "sold", from: 5_000_000 }, { counter: "visits", from: 30 }] },
      { id: "gold", name: "Gold", rank: 3, criteria: [{ counter: "sold", from: 10_000_000 }, { counter: "visits", from: 50 }] },
    ],
    // The seed names the setting ("cancel the class after D days without a visit") but gives no D:
    // 180 days is this example's choice.
    lapseAfterDaysWithoutVisit: 180,
  },
  categories: [
    { id: "economy", name: "Economy" },
    { id: "standard", name: "Standard" },
    { id: "vip", name: "VIP" },
    { id: "lost", name: "Lost" },
  ],
  categoryRules: [
    // "Spent from 2,000 -> Economy."
    { id: "economy-sold-2000", action: "add", category: "economy", when: { counter: "sold", from: 200_000 } },
    // "Standard" at 10,000 sold, the rule the seed's Economy removal refers to.
    { id: "standard-sold-10000", action: "add", category: "standard", when: { counter: "sold", from: 1_000_000 } },
    // "Paid from 30,000 -> VIP"; "from 20 visits -> VIP as well".
    { id: "vip-paid-30000", action: "add", category: "vip", when: { counter: "paid", from: 3_000_000 } },
    { id: "vip-visits-20", action: "add", category: "vip", when: { counter: "visits", from: 20 } },
    // "No visit for 90 days -> moved to Lost."
    { id: "lost-90-days", action: "add", category: "lost", when: { daysWithoutVisitMoreThan: 90 } },
    // "No visit for 45 days -> moved to Standard" (listed by the seed among the removal rules).
    { id: "standard-45-days", action: "add", category: "standard", when: { daysWithoutVisitMoreThan: 45 } },
    // Visit status "came" (this example's choice): a member whose visit is marked "came" is at least
    // Economy, even below 2,000 sold; the removal at 10,000 sold still wins over it.
    { id: "economy-came", action: "add", category: "economy", when: { visitStatus: "came" } },
    // "Spent from 10,000 -> removed from Economy, because Standard is added at the same 10,000."
    { id: "economy-out-sold-10000", action: "remove", category: "economy", when: { counter: "sold", from: 1_000_000 } },
    // Visit status "did not come" (this example's choice): a VIP who did not come to the appointment
    // leaves VIP while that is their visit status; remove wins over the VIP add rules.
    { id: "vip-out-did-not-come", action: "remove", category: "vip", when: { visitStatus: "didNotCome" } },
  ],
  // "The larger discount is assigned."
  discountPolicy: { kind: "largest" },
} as const;

/**
 * Both seeds in one program: Loymax's monthly statuses with the salon's rules,
 * classes and categories; the largest discount of all of them applies. Every
 * field is written out, the line policy included; its SKUs are illustrative,
 * not from a seed.
 */
export const FULL_EXAMPLE_PROGRAM = {
  name: "Statuses, rules, classes and categories",
  timeZone: "Europe/Moscow",
  period: { kind: "month" },
  points: { ...LOYMAX_STATUS_EXAMPLE_PROGRAM.points, pointValueMinor: 1 },
  statuses: LOYMAX_STATUS_EXAMPLE_PROGRAM.statuses,
  discountRules: SALON_RULES_EXAMPLE_PROGRAM.discountRules,
  discountLapseAfterDaysWithoutVisit: SALON_RULES_EXAMPLE_PROGRAM.discountLapseAfterDaysWithoutVisit,
  classes: SALON_RULES_EXAMPLE_PROGRAM.classes,
  categories: SALON_RULES_EXAMPLE_PROGRAM.categories,
  categoryRules: SALON_RULES_EXAMPLE_PROGRAM.categoryRules,
  discountPolicy: SALON_RULES_EXAMPLE_PROGRAM.discountPolicy,
  lines: {
    maxDiscountBasisPoints: 10_000,
    // Tobacco may not be discounted or paid with points; gift cards earn no points.
    noDiscountSkus: ["TOBACCO-0001", "TOBACCO-0002"],
    noPointsSkus: ["GIFT-CARD-1000"],
  },
} as const;
