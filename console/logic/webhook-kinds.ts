import type { WebhookEventKind, WebhookView } from "../../protocol/admin-wire.js";

/** Every event kind an endpoint may take, in the order docs/notifications.md lists them. */
export const WEBHOOK_KINDS = [
  "points.accrued",
  "status.changed",
  "receipt.cancelled",
  "class.changed",
  "level.reached",
  "card.blocked",
  "card.replaced",
  "points.expiring",
  "discount.lapsing",
  "class.lapsing",
  "survey.invitation",
  "survey.reward",
  "campaign.accrued",
] as const satisfies readonly WebhookEventKind[];

/** A compile-time check that the list names every kind the wire type has. */
const EVERY_KIND_LISTED: Exclude<WebhookEventKind, (typeof WEBHOOK_KINDS)[number]> extends never ? true : never = true;
void EVERY_KIND_LISTED;

/** An endpoint's delivery state in a word: disabled wins over paused. */
export function webhookState(webhook: Pick<WebhookView, "paused" | "disabled">): "disabled" | "paused" | "active" {
  if (webhook.disabled) return "disabled";
  return webhook.paused ? "paused" : "active";
}

/** Kinds picked in a form, in WEBHOOK_KINDS order. */
export function pickedKinds(picked: ReadonlySet<string>): WebhookEventKind[] {
  return WEBHOOK_KINDS.filter((kind) => picked.has(kind));
}
