import { NO_CONSENT, withContact, type MemberConsent, type MemberProfile } from "../../domain/account/account.js";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import {
  CARD_NUMBER_LENGTH_MAX,
  CLIENT_IDENTIFIER_LENGTH_MAX,
  EMAIL_LENGTH_MAX,
  MEMBER_NAME_LENGTH_MAX,
  PHONE_DIGITS_MAX,
  PHONE_DIGITS_MIN,
  POINTS_BALANCE_MAX,
  RECEIPT_LINES_MAX,
} from "../../domain/limits.js";
import { CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { readEventTime, readQuantity, readReceipt } from "./read-receipt.js";
import { COUPON_CODE_LENGTH, COUPON_CODE_PATTERN } from "../../domain/campaigns/coupons.js";
import {
  badRequest,
  readArray,
  readInteger,
  readObject,
  readOptionalBoolean,
  readOptionalInteger,
  readOptionalString,
  readString,
  refuseUnknownFields,
  type InputObject,
} from "../../domain/validation/fields.js";
import type { MemberReference, OperationName, OperationRequest } from "./operation-request.js";
import { OPERATION_NAMES } from "./operation-request.js";

const CARD_PATTERN = /^[0-9A-Za-z-]+$/;
const PHONE_PATTERN = new RegExp(`^\\+?[0-9]{${PHONE_DIGITS_MIN},${PHONE_DIGITS_MAX}}$`);
const BIRTH_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** local@domain.tld: one "@", a dot in the domain, no white space or control characters. Deliverability is the mail system's to prove. */
const EMAIL_PATTERN = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const CONSENT_FIELDS: ReadonlySet<string> = new Set(["sms", "email"]);
/** "+" and up to 15 digits. */
const PHONE_TEXT_LENGTH_MAX = PHONE_DIGITS_MAX + 1;

/** Fields the envelope carries on WebSocket; HTTP puts them in the URL. */
const ENVELOPE_FIELDS = ["id", "op"];

const FIELDS_BY_OPERATION: Readonly<Record<OperationName, ReadonlySet<string>>> = {
  ping: new Set(ENVELOPE_FIELDS),
  identify: new Set([...ENVELOPE_FIELDS, "card", "phone"]),
  balance: new Set([...ENVELOPE_FIELDS, "card", "phone", "detail"]),
  calculate: new Set([...ENVELOPE_FIELDS, "card", "phone", "receipt", "redeem", "hold", "coupon"]),
  commit: new Set([...ENVELOPE_FIELDS, "card", "phone", "receipt", "redeem", "paid", "coupon"]),
  cancel: new Set([...ENVELOPE_FIELDS, "card", "phone", "receipt"]),
  refund: new Set([...ENVELOPE_FIELDS, "card", "phone", "refund"]),
  enroll: new Set([...ENVELOPE_FIELDS, "card", "phone", "name", "birthDate", "email", "consent"]),
  reportVisit: new Set([...ENVELOPE_FIELDS, "card", "phone", "visit"]),
  payment: new Set([...ENVELOPE_FIELDS, "card", "phone", "payment"]),
  issueCard: new Set([...ENVELOPE_FIELDS, "card", "phone", "issue"]),
  blockCard: new Set([...ENVELOPE_FIELDS, "card", "phone", "block"]),
  replaceCard: new Set([...ENVELOPE_FIELDS, "card", "phone", "replace"]),
};
const BLOCK_FIELDS: ReadonlySet<string> = new Set(["card", "reason"]);
const REPLACE_FIELDS: ReadonlySet<string> = new Set(["card", "with"]);
/** A block's reason at a lane: as the admin API's (gateway/operations/card-service.ts CARD_BLOCK_REASON_LENGTH_MAX). */
const BLOCK_REASON_LENGTH_MAX = 200;
const PAYMENT_FIELDS: ReadonlySet<string> = new Set(["id", "receipt", "amount", "at"]);
/** A payment is money toward one receipt: no receipt bills more than this (the receipt's own amount limit). */
const PAYMENT_AMOUNT_MAX_MINOR = 100_000_000_000;
const VISIT_FIELDS: ReadonlySet<string> = new Set(["id", "status", "at"]);
const REFUND_FIELDS: ReadonlySet<string> = new Set(["id", "receipt", "lines"]);
const REFUND_LINE_FIELDS: ReadonlySet<string> = new Set(["line", "qty"]);

const OPERATION_NAME_SET: ReadonlySet<string> = new Set(OPERATION_NAMES);

export function isOperationName(value: unknown): value is OperationName {
  return typeof value === "string" && OPERATION_NAME_SET.has(value);
}

export interface RequestContext {
  readonly terminalStore: string;
  readonly now: number;
}

/**
 * Validates an operation's fields, throwing BAD_REQUEST naming the first bad
 * field. An `op` that is a name but no operation's is NOT_FOUND, as over HTTP
 * where the name is the URL's last segment; a missing or non-string `op` is
 * a malformed request, BAD_REQUEST.
 */
export function readOperationRequest(op: unknown, input: InputObject, context: RequestContext): OperationRequest {
  if (!isOperationName(op)) {
    if (typeof op === "string") throw new LoycoreError("NOT_FOUND", `no operation ${op}; see docs/protocol.md`);
    throw new LoycoreError("BAD_REQUEST", `op must be one of ${OPERATION_NAMES.join(", ")}`);
  }
  refuseUnknownFields(input, "", FIELDS_BY_OPERATION[op]);
  switch (op) {
    case "ping":
      return { op };
    case "identify":
      return { op, member: readMemberReference(input) };
    case "balance":
      return { op, member: readMemberReference(input), detail: readOptionalBoolean(input["detail"], "detail") ?? false };
    case "calculate":
    case "commit":
      return {
        op,
        member: readMemberReference(input),
        receipt: readReceipt(input["receipt"], { terminalStore: context.terminalStore, now: context.now }),
        redeem: readOptionalInteger(input["redeem"], "redeem", 0, POINTS_BALANCE_MAX) ?? 0,
        hold: op === "calculate" && (readOptionalBoolean(input["hold"], "hold") ?? false),
        ...readPaid(op === "commit" ? input["paid"] : undefined),
        ...readCoupon(input["coupon"]),
      };
    case "cancel":
      return {
        op,
        member: readOptionalMemberReference(input),
        store: context.terminalStore,
        receiptId: readString(input["receipt"], "receipt", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
      };
    case "refund": {
      const refund = readRefund(input["refund"]); // read first: the first bad field named stays the same
      return { op, member: readOptionalMemberReference(input), store: context.terminalStore, ...refund };
    }
    case "payment": {
      const payment = readPayment(input["payment"], context); // read first, as refunds do
      return { op, member: readOptionalMemberReference(input), store: context.terminalStore, ...payment };
    }
    case "issueCard":
    case "blockCard":
    case "replaceCard":
      return readCardOperation(op, input);
    case "enroll":
      return { op, profile: readMemberProfile(input) };
    case "reportVisit": {
      const visit = readVisit(input["visit"], context);
      return { op, member: readMemberReference(input), visit };
    }
  }
}

/** A refund's `refund` object: its id, the receipt and the lines returned. */
function readRefund(value: unknown): Omit<Extract<OperationRequest, { op: "refund" }>, "op" | "member" | "store"> {
  const refund = readObject(value, "refund");
  refuseUnknownFields(refund, "refund", REFUND_FIELDS);
  const rawLines = readArray(refund["lines"], "refund.lines", 1, RECEIPT_LINES_MAX);
  const lines = rawLines.map((raw, index) => {
    const field = `refund.lines[${index}]`;
    const line = readObject(raw, field);
    refuseUnknownFields(line, field, REFUND_LINE_FIELDS);
    return {
      line: readInteger(line["line"], `${field}.line`, 0, RECEIPT_LINES_MAX - 1),
      qty: readQuantity(line["qty"], `${field}.qty`),
    };
  });
  return {
    refundId: readString(refund["id"], "refund.id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
    receiptId: readString(refund["receipt"], "refund.receipt", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
    lines,
  };
}

/** A lane's card operation: the member, and what to do (the new card's own fields are the card service's to read). */
function readCardOperation(op: "issueCard" | "blockCard" | "replaceCard", input: InputObject): Extract<OperationRequest, { op: "issueCard" | "blockCard" | "replaceCard" }> {
  switch (op) {
    case "issueCard":
      return { op, member: readMemberReference(input), issue: readObject(input["issue"], "issue") };
    case "blockCard": {
      const block = readObject(input["block"], "block");
      refuseUnknownFields(block, "block", BLOCK_FIELDS);
      return { op, member: readMemberReference(input), block: { card: readCard(block["card"], "block.card"), reason: readString(block["reason"], "block.reason", BLOCK_REASON_LENGTH_MAX) } };
    }
    case "replaceCard": {
      const replace = readObject(input["replace"], "replace");
      refuseUnknownFields(replace, "replace", REPLACE_FIELDS);
      return { op, member: readMemberReference(input), replace: { card: readCard(replace["card"], "replace.card"), with: readObject(replace["with"], "replace.with") } };
    }
  }
}

/** A receipt's `coupon`: absent, or a code as campaigns issue them (16 characters of A-Z and 2-7). */
function readCoupon(value: unknown): { readonly coupon?: string } {
  const coupon = readOptionalString(value, "coupon", COUPON_CODE_LENGTH, COUPON_CODE_PATTERN);
  return coupon === undefined ? {} : { coupon };
}

/** A commit's `paid`: absent, or the money paid now, an integer of minor units. */
function readPaid(value: unknown): { readonly paid?: number } {
  const paid = readOptionalInteger(value, "paid", 0, PAYMENT_AMOUNT_MAX_MINOR);
  return paid === undefined ? {} : { paid };
}

/** A payment's `payment` object; `at` defaults to the server's time. */
function readPayment(value: unknown, context: RequestContext): Omit<Extract<OperationRequest, { op: "payment" }>, "op" | "member" | "store"> {
  const payment = readObject(value, "payment");
  refuseUnknownFields(payment, "payment", PAYMENT_FIELDS);
  return {
    paymentId: readString(payment["id"], "payment.id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
    receiptId: readString(payment["receipt"], "payment.receipt", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
    amount: readInteger(payment["amount"], "payment.amount", 1, PAYMENT_AMOUNT_MAX_MINOR),
    ...readEventTime(payment["at"], "payment.at", context.now),
  };
}

/** A visit event's `visit` object, at the terminal's store; `at` defaults to the server's time. */
function readVisit(value: unknown, context: RequestContext): Extract<OperationRequest, { op: "reportVisit" }>["visit"] {
  const visit = readObject(value, "visit");
  refuseUnknownFields(visit, "visit", VISIT_FIELDS);
  const status = visit["status"];
  if (status !== "came" && status !== "didNotCome") throw badRequest("visit.status", 'must be "came" or "didNotCome"');
  return {
    id: readString(visit["id"], "visit.id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN),
    store: context.terminalStore,
    status,
    ...readEventTime(visit["at"], "visit.at", context.now),
  };
}

export function readCard(value: unknown, field: string): string {
  return readString(value, field, CARD_NUMBER_LENGTH_MAX, CARD_PATTERN);
}

/** Phones are stored as "+" and digits, so "7900..." and "+7900..." are one phone. */
export function readPhone(value: unknown, field: string): string {
  const phone = readString(value, field, PHONE_TEXT_LENGTH_MAX, PHONE_PATTERN);
  return phone.startsWith("+") ? phone : `+${phone}`;
}

export function readMemberReference(input: InputObject): MemberReference {
  const hasCard = input["card"] !== undefined && input["card"] !== null;
  const hasPhone = input["phone"] !== undefined && input["phone"] !== null;
  if (hasCard === hasPhone) throw badRequest("card or phone", "exactly one of the two must be given");
  return hasCard ? { kind: "card", card: readCard(input["card"], "card") } : { kind: "phone", phone: readPhone(input["phone"], "phone") };
}

/** Card or phone when given (at most one), null when neither is. */
export function readOptionalMemberReference(input: InputObject): MemberReference | null {
  const hasCard = input["card"] !== undefined && input["card"] !== null;
  const hasPhone = input["phone"] !== undefined && input["phone"] !== null;
  return hasCard || hasPhone ? readMemberReference(input) : null;
}

export function readMemberProfile(input: InputObject): MemberProfile {
  const phone = input["phone"] === undefined || input["phone"] === null ? null : readPhone(input["phone"], "phone");
  const birthDate = readBirthDate(input["birthDate"], "birthDate");
  const profile: MemberProfile = {
    card: readCard(input["card"], "card"),
    phone,
    name: readOptionalString(input["name"], "name", MEMBER_NAME_LENGTH_MAX) ?? null,
    birthDate,
  };
  return withContact(profile, readEmail(input["email"], "email"), readConsent(input["consent"], "consent", NO_CONSENT));
}

/** A birth date YYYY-MM-DD that is a real day, or null when absent or null. */
export function readBirthDate(value: unknown, field: string): string | null {
  const birthDate = readOptionalString(value, field, 10, BIRTH_DATE_PATTERN) ?? null;
  if (birthDate !== null && !isCalendarDate(birthDate)) throw badRequest(field, "must be a real date YYYY-MM-DD");
  return birthDate;
}

/** An e-mail address (one "@", a dot in the domain, no spaces), or null when absent or null. Kept as given; searched lower-cased. */
export function readEmail(value: unknown, field: string): string | null {
  const email = readOptionalString(value, field, EMAIL_LENGTH_MAX) ?? null;
  if (email !== null && !EMAIL_PATTERN.test(email)) throw badRequest(field, "must be an e-mail address like name@example.com");
  return email;
}

/** `{ sms?, email? }`: each channel true or false; what is not given is `otherwise`'s. */
export function readConsent(value: unknown, field: string, otherwise: MemberConsent): MemberConsent {
  if (value === undefined || value === null) return otherwise;
  const consent = readObject(value, field);
  refuseUnknownFields(consent, field, CONSENT_FIELDS);
  return {
    sms: readOptionalBoolean(consent["sms"], `${field}.sms`) ?? otherwise.sms,
    email: readOptionalBoolean(consent["email"], `${field}.email`) ?? otherwise.email,
  };
}

function isCalendarDate(text: string): boolean {
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().startsWith(text);
}
