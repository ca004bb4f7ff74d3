// Thread: the gateway (main) thread: reads a webhook endpoint's fields from an admin request (docs/notifications.md).
import { badRequest, readArray, readString } from "../../domain/validation/fields.js";
import type { WebhookEventKind } from "../../protocol/admin-wire.js";
import { EVENT_KINDS } from "../../shard/operations/outbox-events.js";
import { MESSAGE_CHANNELS, type MessageChannel } from "./message-template.js";

/** A URL up to this long: any real endpoint's, bounded so the setting stays small. */
const WEBHOOK_URL_LENGTH_MAX = 2_048;
/** A secret of 16 to 256 characters: long enough to be a key, short enough to bound the setting. */
const WEBHOOK_SECRET_LENGTH_MIN = 16;
const WEBHOOK_SECRET_LENGTH_MAX = 256;

/** An http:// or https:// URL without credentials, normalised. */
export function readWebhookUrl(value: unknown): string {
  const text = readString(value, "url", WEBHOOK_URL_LENGTH_MAX);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badUrl();
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "") throw badUrl();
  return url.toString();
}

function badUrl(): Error {
  return badRequest("url", "must be an http:// or https:// URL without credentials");
}

/** One or more known event kinds, each once, in the order given. */
export function readWebhookKinds(value: unknown): WebhookEventKind[] {
  const kinds = readArray(value, "kinds", 1, EVENT_KINDS.length).map((kind, index) => readKind(kind, `kinds[${index}]`));
  return [...new Set(kinds)];
}

function readKind(value: unknown, field: string): WebhookEventKind {
  if (typeof value !== "string" || !(EVENT_KINDS as readonly string[]).includes(value)) throw badRequest(field, `must be one of ${EVENT_KINDS.join(", ")}`);
  return value as WebhookEventKind;
}

/** A message channel ("sms" or "email"), or null for none. */
export function readWebhookChannel(value: unknown): MessageChannel | null {
  if (value === null) return null;
  if (typeof value !== "string" || !(MESSAGE_CHANNELS as readonly string[]).includes(value)) throw badRequest("channel", `must be one of ${MESSAGE_CHANNELS.join(", ")}, or null`);
  return value as MessageChannel;
}

/** A secret of 16 to 256 characters, kept as given. */
export function readWebhookSecret(value: unknown): string {
  const secret = readString(value, "secret", WEBHOOK_SECRET_LENGTH_MAX);
  if (secret.length < WEBHOOK_SECRET_LENGTH_MIN) throw badRequest("secret", `must be at least ${WEBHOOK_SECRET_LENGTH_MIN} characters`);
  return secret;
}
