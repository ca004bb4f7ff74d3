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

/** A member answer for a lane: phone masked, birth date left out. */
export function forCashier(answer: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { birthDate: _birthDate, phone, ...rest } = answer;
  return { ...rest, phone: typeof phone === "string" ? maskPhone(phone) : null };
}
