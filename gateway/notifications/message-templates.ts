// Thread: the gateway (main) thread: the message templates, kept in the control store.
import { badRequest, readString, refuseUnknownFields, type InputObject } from "../../domain/validation/fields.js";
import type { MessageTemplate, MessageTemplateList, WebhookEventKind } from "../../protocol/admin-wire.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { EVENT_KINDS } from "../../shard/operations/outbox-events.js";
import type { ControlStore } from "../control/control-store.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import { checkTemplate, MESSAGE_CHANNELS, TEMPLATE_LENGTH_MAX, type MessageChannel } from "./message-template.js";

/** The control store's setting holding the templates: at most one per kind and channel, so at most 20. */
const SETTING = "message-templates";
const FIELDS = new Set(["text"]);

interface StoredTemplates {
  readonly templates: readonly MessageTemplate[];
}

/**
 * Message templates per event kind and channel (docs/notifications.md,
 * "Messages and consent"): set, list, delete; every change one durable
 * control-store write and an audit entry. The delivery loop renders them.
 */
export class MessageTemplates {
  private stored: StoredTemplates;

  constructor(
    private readonly control: ControlStore,
    private readonly clock: () => number,
  ) {
    this.stored = control.readSetting<StoredTemplates>(SETTING) ?? { templates: [] };
  }

  list(): OperationOutcome<MessageTemplateList> {
    return { ok: true, value: { templates: this.stored.templates } };
  }

  /** The template's text for the kind and channel, if one is set. */
  find(kind: string, channel: MessageChannel): string | undefined {
    return this.stored.templates.find((template) => template.kind === kind && template.channel === channel)?.text;
  }

  async set(kindText: string, channelText: string, body: InputObject, operator: string): Promise<OperationOutcome<MessageTemplate>> {
    const { kind, channel } = readKey(kindText, channelText);
    refuseUnknownFields(body, "template", FIELDS);
    const text = readString(body["text"], "text", TEMPLATE_LENGTH_MAX);
    checkTemplate(kind, text, "text");
    const template: MessageTemplate = { kind, channel, text, updatedAt: this.clock() };
    const others = this.stored.templates.filter((candidate) => candidate.kind !== kind || candidate.channel !== channel);
    await this.save({ templates: [...others, template] }, "template.set", operator, { kind, channel, text });
    return { ok: true, value: template };
  }

  async remove(kindText: string, channelText: string, operator: string): Promise<OperationOutcome<{ deleted: { kind: string; channel: string } }>> {
    const { kind, channel } = readKey(kindText, channelText);
    const others = this.stored.templates.filter((candidate) => candidate.kind !== kind || candidate.channel !== channel);
    if (others.length === this.stored.templates.length) return failure("NOT_FOUND", `no ${channel} template for ${kind}`);
    await this.save({ templates: others }, "template.delete", operator, { kind, channel });
    return { ok: true, value: { deleted: { kind, channel } } };
  }

  private async save(next: StoredTemplates, action: string, operator: string, detail: Readonly<Record<string, unknown>>): Promise<void> {
    await this.control.writeSetting(SETTING, next);
    this.stored = next;
    await this.control.appendAudit({ at: this.clock(), action, operator, detail });
  }
}

/** The path's kind and channel, or BAD_REQUEST naming the one that is not known. */
function readKey(kind: string, channel: string): { kind: WebhookEventKind; channel: MessageChannel } {
  if (!(EVENT_KINDS as readonly string[]).includes(kind)) throw badRequest("kind", `must be one of ${EVENT_KINDS.join(", ")}`);
  if (!(MESSAGE_CHANNELS as readonly string[]).includes(channel)) throw badRequest("channel", `must be one of ${MESSAGE_CHANNELS.join(", ")}`);
  return { kind: kind as WebhookEventKind, channel: channel as MessageChannel };
}
