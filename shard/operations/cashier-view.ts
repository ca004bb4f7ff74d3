import type { MemberLookup } from "../shard-messages.js";
import type { BalanceResult, EnrollResult, IdentifyResult } from "../../protocol/terminal-wire.js";

/**
 * What a lane may read about a member: what a cashier needs to serve them,
 * no more. A stolen terminal token must not be a way to harvest personal
 * data, so phones are masked and the birth date is never shown to lanes (the
 * admin API, with its own credentials, shows everything).
 */

/** Digits kept at each end of a masked phone: enough for a cashier to confirm "ends in 01". */
const PHONE_LEADING_DIGITS_SHOWN = 4;
const PHONE_TRAILING_DIGITS_SHOWN = 2;

/** "+79001234567" -> "+7900*****67"; short numbers keep only their last two digits. */
export function maskPhone(phone: string): string {
  const digits = phone.startsWith("+") ? phone.slice(1) : phone;
  const leading = digits.length > PHONE_LEADING_DIGITS_SHOWN + PHONE_TRAILING_DIGITS_SHOWN ? PHONE_LEADING_DIGITS_SHOWN : 0;
  const hidden = digits.length - leading - PHONE_TRAILING_DIGITS_SHOWN;
  return `+${digits.slice(0, leading)}${"*".repeat(Math.max(0, hidden))}${digits.slice(digits.length - PHONE_TRAILING_DIGITS_SHOWN)}`;
}

/**
 * `identify`: the member's card view, phone masked, no birth date. `presented`: the card the lane
 * presented and its type; found by phone (null), the card the member enrolled with and no type.
 */
export function identifyResult(view: MemberLookup, presented: { readonly card: string; readonly type: string | null } | null): IdentifyResult {
  return {
    member: view.member,
    card: presented?.card ?? view.card,
    cardType: presented?.type ?? null,
    phone: view.phone === null ? null : maskPhone(view.phone),
    name: view.name,
    balance: view.balance,
    status: view.status,
    importanceClass: view.importanceClass,
    categories: view.categories,
    discountBasisPoints: view.discountBasisPoints,
    discountLapsesAt: view.discountLapsesAt,
    classLapsesAt: view.classLapsesAt,
    pointLevel: view.pointLevel,
    ...(view.family === undefined ? {} : { family: view.family }),
    ...(view.programPartner === undefined ? {} : { programPartner: view.programPartner }),
  };
}

/** `balance`: the points view, with the open lots when the lane asked for `detail`. */
export function balanceResult(view: MemberLookup, withLots: boolean): BalanceResult {
  const { active, pending, held, debt } = view.points;
  const result = { member: view.member, balance: view.balance, active, pending, held, debt, ...(view.family === undefined ? {} : { family: view.family }) };
  return withLots ? { ...result, lots: view.lots ?? [] } : result;
}

/** `enroll`: the new member as a lane sees it. */
export function enrollResult(view: MemberLookup): EnrollResult {
  return {
    member: view.member,
    card: view.card,
    phone: view.phone === null ? null : maskPhone(view.phone),
    name: view.name,
    balance: view.balance,
    status: view.status,
  };
}
