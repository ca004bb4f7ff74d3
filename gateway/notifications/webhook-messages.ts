// Thread: the gateway (main) thread: the message a delivery to an endpoint with a channel carries.
import type { WebhookMessage } from "../../protocol/admin-wire.js";
import type { OutboxEntry } from "../../shard/shard-messages.js";
import type { ControlStore } from "../control/control-store.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { renderTemplate, type MessageChannel } from "./message-template.js";
import type { MessageTemplates } from "./message-templates.js";

/**
 * What loycore does for a message (docs/notifications.md, "Messages and
 * consent"): reads the member's profile now (one lookup on the member's
 * shard, off every lane's path), says whether the member consents to the
 * channel, and renders the kind's template for it. The sending is the
 * integrator's: an SMS or e-mail provider behind the endpoint.
 */
export class WebhookMessages {
  constructor(
    private readonly cluster: ShardCluster,
    private readonly templates: MessageTemplates,
    private readonly control: ControlStore,
  ) {}

  /** The message for the event by the channel, or why it could not be made now (the attempt fails and is retried). */
  async messageFor(channel: MessageChannel, entry: OutboxEntry): Promise<{ message: WebhookMessage } | { error: string }> {
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId: entry.memberId });
    if (!reply.ok) return reply.code === "UNKNOWN_MEMBER" ? { message: { channel, consent: false, to: null, text: null } } : { error: `member lookup: ${reply.code}` };
    const member = reply.value;
    const consent = member.consent[channel];
    if (!consent) return { message: { channel, consent: false, to: null, text: null } };
    const template = this.templates.find(entry.kind, channel);
    const timeZone = this.control.currentProgram()?.timeZone ?? "UTC";
    const text = template === undefined ? null : renderTemplate(template, { at: entry.at, data: entry.data, name: member.name, card: member.card, timeZone });
    return { message: { channel, consent: true, to: channel === "sms" ? member.phone : member.email, text } };
  }
}
