// Thread: the gateway (main) thread: the webhook endpoints, kept in the control store.
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { badRequest, readOptionalInteger, readString, refuseUnknownFields, type InputObject } from "../../domain/validation/fields.js";
import type { WebhookEventKind, WebhookList, WebhookView } from "../../protocol/admin-wire.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import { EVENT_KINDS } from "../../shard/operations/outbox-events.js";
import type { ControlStore } from "../control/control-store.js";
import { readWebhookChannel, readWebhookKinds, readWebhookSecret, readWebhookUrl } from "./webhook-endpoint-input.js";
import type { MessageChannel } from "./message-template.js";

/** Endpoints at most: each is a queue per shard thread and a delivery loop; a provider fans out further behind one. */
export const WEBHOOK_ENDPOINTS_MAX = 16;
/** A rotated-out secret signs deliveries beside the new one for a day unless told otherwise: time for a receiver to deploy the new one. */
export const SECRET_OVERLAP_SECONDS_DEFAULT = 86_400;
/** At most a week of overlap: a leaked old secret must stop working soon. */
export const SECRET_OVERLAP_SECONDS_MAX = 7 * 86_400;
/** The control store's setting holding the endpoints (and endpoints deleted whose outbox entries are still to drop). */
const SETTING = "webhooks";
const CREATE_FIELDS = new Set(["id", "url", "kinds", "secret", "channel"]);
const UPDATE_FIELDS = new Set(["url", "kinds", "channel"]);
const ROTATE_FIELDS = new Set(["secret", "overlapSeconds"]);

/** An endpoint as stored (endpoints stored before a field existed lack it: `disabled` absent is false). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly kinds: readonly WebhookEventKind[];
  readonly paused: boolean;
  readonly disabled?: boolean;
  readonly createdAt: number;
  readonly secret: string;
  readonly secretRotatedAt?: number;
  /** The secret before the last rotation, signing deliveries beside `secret` until `previousSecretExpiresAt`. */
  readonly previousSecret?: string;
  readonly previousSecretExpiresAt?: number;
  /** Messages of this channel sit behind the endpoint: deliveries carry the rendered message and the member's consent. */
  readonly channel?: MessageChannel;
}

interface StoredWebhooks {
  readonly endpoints: readonly WebhookEndpoint[];
  /** Deleted endpoints whose queued copies and dead letters the delivery loop still drops. */
  readonly purging: readonly string[];
}

/**
 * The webhook endpoints (docs/notifications.md): create, list, change,
 * rotate the secret of, pause, resume, disable, enable and delete; every
 * change is one durable control-store write and an audit entry (never with
 * a secret). The delivery loop reads them at each pass and each attempt.
 */
export class WebhookEndpoints {
  private stored: StoredWebhooks;
  /** Called after every change (the delivery loop wakes up). */
  onChange: () => void = () => undefined;

  constructor(
    private readonly control: ControlStore,
    private readonly clock: () => number,
  ) {
    this.stored = control.readSetting<StoredWebhooks>(SETTING) ?? { endpoints: [], purging: [] };
  }

  /** The event kinds some enabled endpoint takes, paused ones included (their events wait for them): what the shards write. */
  subscribedKinds(): string[] {
    return subscribedEventKinds(this.stored);
  }

  get all(): readonly WebhookEndpoint[] {
    return this.stored.endpoints;
  }

  get purging(): readonly string[] {
    return this.stored.purging;
  }

  list(): OperationOutcome<WebhookList> {
    return { ok: true, value: { webhooks: this.stored.endpoints.map((endpoint) => this.view(endpoint)) } };
  }

  async create(body: InputObject, operator: string): Promise<OperationOutcome<WebhookView>> {
    refuseUnknownFields(body, "webhook", CREATE_FIELDS);
    const id = readString(body["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const url = readWebhookUrl(body["url"]);
    const kinds = readWebhookKinds(body["kinds"]);
    const secret = readWebhookSecret(body["secret"]);
    const channel = body["channel"] === undefined ? null : readWebhookChannel(body["channel"]);
    if (this.stored.endpoints.some((endpoint) => endpoint.id === id)) return failure("CONFLICT", `webhook ${id} exists`);
    if (this.stored.purging.includes(id)) return failure("BUSY", `webhook ${id} was deleted and its outbox entries are still being dropped; retry shortly`);
    if (this.stored.endpoints.length >= WEBHOOK_ENDPOINTS_MAX) return failure("TOO_LARGE", `at most ${WEBHOOK_ENDPOINTS_MAX} webhooks`);
    const endpoint: WebhookEndpoint = { id, url, kinds, paused: false, disabled: false, createdAt: this.clock(), secret, ...(channel === null ? {} : { channel }) };
    await this.save({ ...this.stored, endpoints: [...this.stored.endpoints, endpoint] }, "webhook.create", operator, { id, url, kinds, channel });
    return { ok: true, value: this.view(endpoint) };
  }

  /** Changes the URL, kinds or channel given (at least one); the same values again answer the endpoint as it is, unaudited. */
  async update(id: string, body: InputObject, operator: string): Promise<OperationOutcome<WebhookView>> {
    refuseUnknownFields(body, "webhook", UPDATE_FIELDS);
    if (body["url"] === undefined && body["kinds"] === undefined && body["channel"] === undefined) throw badRequest("webhook", "must change url, kinds or channel");
    const url = body["url"] === undefined ? undefined : readWebhookUrl(body["url"]);
    const kinds = body["kinds"] === undefined ? undefined : readWebhookKinds(body["kinds"]);
    const channel = body["channel"] === undefined ? undefined : readWebhookChannel(body["channel"]);
    return this.change(id, "webhook.update", operator, (endpoint) => {
      const { channel: _channel, ...rest } = endpoint;
      const nextChannel = channel === undefined ? (endpoint.channel ?? null) : channel;
      const changed: WebhookEndpoint = { ...rest, url: url ?? endpoint.url, kinds: kinds ?? endpoint.kinds, ...(nextChannel === null ? {} : { channel: nextChannel }) };
      const same = changed.url === endpoint.url && changed.kinds.join() === endpoint.kinds.join() && changed.channel === endpoint.channel;
      return same ? null : { endpoint: changed, detail: { url: changed.url, kinds: changed.kinds, channel: nextChannel } };
    });
  }

  /**
   * A new secret; the current one keeps signing deliveries beside it for
   * `overlapSeconds` (0: stops now). The current secret again answers the
   * endpoint as it is (a retry of a lost answer), unaudited.
   */
  async rotateSecret(id: string, body: InputObject, operator: string): Promise<OperationOutcome<WebhookView>> {
    refuseUnknownFields(body, "secret rotation", ROTATE_FIELDS);
    const secret = readWebhookSecret(body["secret"]);
    const overlapSeconds = readOptionalInteger(body["overlapSeconds"], "overlapSeconds", 0, SECRET_OVERLAP_SECONDS_MAX) ?? SECRET_OVERLAP_SECONDS_DEFAULT;
    const now = this.clock();
    return this.change(id, "webhook.rotate-secret", operator, (endpoint) => {
      if (endpoint.secret === secret) return null;
      const { previousSecret: _previous, previousSecretExpiresAt: _expires, ...rest } = endpoint;
      const overlap = overlapSeconds === 0 ? {} : { previousSecret: endpoint.secret, previousSecretExpiresAt: now + overlapSeconds * 1_000 };
      return { endpoint: { ...rest, secret, secretRotatedAt: now, ...overlap }, detail: { overlapSeconds } };
    });
  }

  async setPaused(id: string, paused: boolean, operator: string): Promise<OperationOutcome<WebhookView>> {
    return this.change(id, paused ? "webhook.pause" : "webhook.resume", operator, (endpoint) => ({ endpoint: { ...endpoint, paused }, detail: {} }));
  }

  /** A disabled endpoint takes no new events (the shards stop writing kinds only it takes) and delivers nothing until enabled. */
  async setDisabled(id: string, disabled: boolean, operator: string): Promise<OperationOutcome<WebhookView>> {
    return this.change(id, disabled ? "webhook.disable" : "webhook.enable", operator, (endpoint) => ({ endpoint: { ...endpoint, disabled }, detail: {} }));
  }

  async remove(id: string, operator: string): Promise<OperationOutcome<{ deleted: string }>> {
    if (!this.stored.endpoints.some((endpoint) => endpoint.id === id)) return unknownWebhook(id);
    const endpoints = this.stored.endpoints.filter((endpoint) => endpoint.id !== id);
    await this.save({ endpoints, purging: [...this.stored.purging, id] }, "webhook.delete", operator, { id });
    return { ok: true, value: { deleted: id } };
  }

  /** The delivery loop has dropped every outbox entry of a deleted endpoint. */
  async purged(id: string): Promise<void> {
    await this.control.writeSetting(SETTING, { ...this.stored, purging: this.stored.purging.filter((candidate) => candidate !== id) });
    this.stored = { ...this.stored, purging: this.stored.purging.filter((candidate) => candidate !== id) };
  }

  /** The endpoint as the admin API shows it: never a secret; the overlap only while it lasts. */
  view(endpoint: WebhookEndpoint): WebhookView {
    const { id, url, kinds, paused, createdAt, secretRotatedAt, previousSecretExpiresAt, channel } = endpoint;
    return {
      id,
      url,
      kinds,
      paused,
      disabled: endpoint.disabled === true,
      createdAt,
      ...(secretRotatedAt === undefined ? {} : { secretRotatedAt }),
      ...(previousSecretExpiresAt === undefined || previousSecretExpiresAt <= this.clock() ? {} : { previousSecretExpiresAt }),
      ...(channel === undefined ? {} : { channel }),
    };
  }

  /** One endpoint's change: `next` gives the changed endpoint and the audit's detail, or null when nothing changes. */
  private async change(
    id: string,
    action: string,
    operator: string,
    next: (endpoint: WebhookEndpoint) => { endpoint: WebhookEndpoint; detail: Readonly<Record<string, unknown>> } | null,
  ): Promise<OperationOutcome<WebhookView>> {
    const endpoint = this.stored.endpoints.find((candidate) => candidate.id === id);
    if (endpoint === undefined) return unknownWebhook(id);
    const changed = next(endpoint);
    if (changed === null) return { ok: true, value: this.view(endpoint) };
    const endpoints = this.stored.endpoints.map((candidate) => (candidate.id === id ? changed.endpoint : candidate));
    await this.save({ ...this.stored, endpoints }, action, operator, { id, ...changed.detail });
    return { ok: true, value: this.view(changed.endpoint) };
  }

  private async save(next: StoredWebhooks, action: string, operator: string, detail: Readonly<Record<string, unknown>>): Promise<void> {
    await this.control.writeSetting(SETTING, next);
    this.stored = next;
    this.onChange();
    await this.control.appendAudit({ at: this.clock(), action, operator, detail });
  }
}

/** The secrets a delivery signed now carries: the endpoint's, and the one before it during the rotation's overlap. */
export function signingSecrets(endpoint: WebhookEndpoint, now: number): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = endpoint;
  return previousSecret !== undefined && previousSecretExpiresAt !== undefined && now < previousSecretExpiresAt ? [secret, previousSecret] : [secret];
}

function unknownWebhook(id: string): ReturnType<typeof failure> {
  return failure("NOT_FOUND", `no webhook ${id}`);
}

/** The event kinds the stored enabled endpoints take, in EVENT_KINDS order. */
function subscribedEventKinds(stored: StoredWebhooks): string[] {
  const taken = new Set(stored.endpoints.filter((endpoint) => endpoint.disabled !== true).flatMap((endpoint) => endpoint.kinds));
  return EVENT_KINDS.filter((kind) => taken.has(kind));
}

/** The event kinds the endpoints stored in the control store take: what shard threads start writing. */
export function storedSubscribedKinds(control: ControlStore): string[] {
  return subscribedEventKinds(control.readSetting<StoredWebhooks>(SETTING) ?? { endpoints: [], purging: [] });
}
