// Thread: any (pure): a message template's variables, its check, and its rendering (docs/notifications.md, "Messages and consent").
import { badRequest } from "../../domain/validation/fields.js";
import type { WebhookEventKind } from "../../protocol/admin-wire.js";

/** The channels a message goes by; the sending itself is the integrator's, behind a webhook endpoint. */
export const MESSAGE_CHANNELS = ["sms", "email"] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/** A template's text up to this long: an e-mail's body of a few paragraphs; an SMS is shorter still. */
export const TEMPLATE_LENGTH_MAX = 2_000;
/** `{{name}}` and the like: a variable is letters only, between double braces. */
const VARIABLE_PATTERN = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Variables every kind has: the member's name (empty when none) and card, and the event's date. */
const COMMON_VARIABLES = ["name", "card", "date"] as const;

/** Each kind's own variables: its event's data fields (docs/notifications.md, "Events"). */
export const KIND_VARIABLES: Readonly<Record<WebhookEventKind, readonly string[]>> = {
  "points.accrued": ["receipt", "store", "points", "balance", "transaction"],
  "status.changed": ["from", "to", "receipt", "store", "cause"],
  "receipt.cancelled": ["receipt", "store", "pointsRevoked", "pointsReturned", "balance"],
  "class.changed": ["from", "to", "receipt", "store", "cause"],
  "level.reached": ["level", "points", "balance", "receipt", "store"],
  "card.blocked": ["card", "reason", "at"],
  "card.replaced": ["card", "replacedBy", "at"],
  "points.expiring": ["lot", "points", "expiresAt", "days"],
  "discount.lapsing": ["lapsesAt", "discountBasisPoints", "days"],
  "class.lapsing": ["class", "lapsesAt", "days"],
  "survey.invitation": ["survey", "title", "link", "endsAt"],
  "survey.reward": ["survey", "points", "balance", "lot"],
  "campaign.accrued": ["campaign", "trigger", "points", "balance", "lot", "expiresAt"],
};

/** Refuses a template that names a variable its kind does not have (BAD_REQUEST naming it). */
export function checkTemplate(kind: WebhookEventKind, text: string, field: string): void {
  const known = new Set<string>([...COMMON_VARIABLES, ...KIND_VARIABLES[kind]]);
  for (const match of text.matchAll(VARIABLE_PATTERN)) {
    const variable = match[1] ?? "";
    if (!known.has(variable)) throw badRequest(field, `names {{${variable}}}, which ${kind} does not have; it has ${[...known].join(", ")}`);
  }
}

/** What a message is rendered from: the event and the member's profile now. */
export interface MessageContext {
  readonly at: number;
  readonly data: Readonly<Record<string, unknown>>;
  readonly name: string | null;
  readonly card: string;
  /** The program's time zone: dates are its local dates. */
  readonly timeZone: string;
}

/**
 * The template with each variable replaced: the member's name and card,
 * the event's date, and the event's data fields; a field ending in "At" (a
 * time) as the program's local date (YYYY-MM-DD); null as nothing.
 */
export function renderTemplate(text: string, context: MessageContext): string {
  return text.replace(VARIABLE_PATTERN, (_, variable: string) => {
    switch (variable) {
      case "name":
        return context.name ?? "";
      case "card":
        return context.card;
      case "date":
        return localDate(context.at, context.timeZone);
      default: {
        const value = context.data[variable];
        if (value === null || value === undefined) return "";
        if (variable.endsWith("At") && typeof value === "number") return localDate(value, context.timeZone);
        return String(value);
      }
    }
  });
}

/** The local date (YYYY-MM-DD) of `at` in the time zone. */
function localDate(at: number, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}
