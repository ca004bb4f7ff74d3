// Thread: the gateway (main) thread: the webhook endpoints, kept in the control store.
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { badRequest, readArray, readString, refuseUnknownFields, type InputObject } from "../../domain/validation/fields.js";
import type { WebhookEventKind, WebhookList, WebhookView } from "../../protocol/admin-wire.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import { EVENT_KINDS } from "../../shard/operations/outbox-events.js";
import type { ControlStore } from "../control/control-store.js";

/** Endpoints at most: each is a queue per shard thread and a delivery loop; a provider fans out further behind one. */
export const WEBHOOK_ENDPOINTS_MAX = 16;
/** A URL up to this long: any real endpoint's, bounded so the setting stays small. */
const WEBHOOK_URL_LENGTH_MAX = 2_048;
/** A secret of 16 to 256 characters: long enough to be a key, short enough to bound the setting. */
const WEBHOOK_SECRET_LENGTH_MIN = 16;
const WEBHOOK_SECRET_LENGTH_MAX = 256;
/** The control store's setting holding the endpoints (and endpoints deleted whose outbox entries are still to drop). */
const SETTING = "webhooks";
const FIELDS = new Set(["id", "url", "kinds", "secret"]);

export interface WebhookEndpoint extends WebhookView {
  readonly secret: string;
}

interface StoredWebhooks {
  readonly endpoints: readonly WebhookEndpoint[];
  /** Deleted endpoints whose queued copies and dead letters the delivery loop still drops. */
  readonly purging: readonly string[];
}

/**
 * The webhook endpoints (docs/notifications.md): create, list, delete, pause
 * and resume; every change is one durable control-store write and an audit
 * entry. The delivery loop reads them at each pass.
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

  get all(): readonly WebhookEndpoint[] {
    return this.stored.endpoints;
  }

  get purging(): readonly string[] {
    return this.stored.purging;
  }

  list(): OperationOutcome<WebhookList> {
    return { ok: true, value: { webhooks: this.stored.endpoints.map(view) } };
  }

  async create(body: InputObject, operator: string): Promise<OperationOutcome<WebhookView>> {
    refuseUnknownFields(body, "webhook", FIELDS);
    const id = readString(body["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const url = readUrl(body["url"]);
    const kinds = readArray(body["kinds"], "kinds", 1, EVENT_KINDS.length).map((kind, index) => readKind(kind, `kinds[${index}]`));
    const secret = readString(body["secret"], "secret", WEBHOOK_SECRET_LENGTH_MAX);
    if (secret.length < WEBHOOK_SECRET_LENGTH_MIN) return failure("BAD_REQUEST", `secret must be at least ${WEBHOOK_SECRET_LENGTH_MIN} characters`);
    if (this.stored.endpoints.some((endpoint) => endpoint.id === id)) return failure("CONFLICT", `webhook ${id} exists`);
    if (this.stored.purging.includes(id)) return failure("BUSY", `webhook ${id} was deleted and its outbox entries are still being dropped; retry shortly`);
    if (this.stored.endpoints.length >= WEBHOOK_ENDPOINTS_MAX) return failure("TOO_LARGE", `at most ${WEBHOOK_ENDPOINTS_MAX} webhooks`);
    const endpoint: WebhookEndpoint = { id, url, kinds: [...new Set(kinds)], paused: false, createdAt: this.clock(), secret };
    await this.save({ ...this.stored, endpoints: [...this.stored.endpoints, endpoint] }, "webhook.create", operator, { id, url, kinds: endpoint.kinds });
    return { ok: true, value: view(endpoint) };
  }

  async remove(id: string, operator: string): Promise<OperationOutcome<{ deleted: string }>> {
    if (!this.stored.endpoints.some((endpoint) => endpoint.id === id)) return unknownWebhook(id);
    const endpoints = this.stored.endpoints.filter((endpoint) => endpoint.id !== id);
    await this.save({ endpoints, purging: [...this.stored.purging, id] }, "webhook.delete", operator, { id });
    return { ok: true, value: { deleted: id } };
  }

  async setPaused(id: string, paused: boolean, operator: string): Promise<OperationOutcome<WebhookView>> {
    const endpoint = this.stored.endpoints.find((candidate) => candidate.id === id);
    if (endpoint === undefined) return unknownWebhook(id);
    const changed = { ...endpoint, paused };
    const endpoints = this.stored.endpoints.map((candidate) => (candidate.id === id ? changed : candidate));
    await this.save({ ...this.stored, endpoints }, paused ? "webhook.pause" : "webhook.resume", operator, { id });
    return { ok: true, value: view(changed) };
  }

  /** The delivery loop has dropped every outbox entry of a deleted endpoint. */
  async purged(id: string): Promise<void> {
    await this.control.writeSetting(SETTING, { ...this.stored, purging: this.stored.purging.filter((candidate) => candidate !== id) });
    this.stored = { ...this.stored, purging: this.stored.purging.filter((candidate) => candidate !== id) };
  }

  private async save(next: StoredWebhooks, action: string, operator: string, detail: Readonly<Record<string, unknown>>): Promise<void> {
    await this.control.writeSetting(SETTING, next);
    this.stored = next;
    this.onChange();
    await this.control.appendAudit({ at: this.clock(), action, operator, detail });
  }
}

function view(endpoint: WebhookEndpoint): WebhookView {
  return { id: endpoint.id, url: endpoint.url, kinds: endpoint.kinds, paused: endpoint.paused, createdAt: endpoint.createdAt };
}

function unknownWebhook(id: string): ReturnType<typeof failure> {
  return failure("NOT_FOUND", `no webhook ${id}`);
}

function readUrl(value: unknown): string {
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

function readKind(value: unknown, field: string): WebhookEventKind {
  if (typeof value !== "string" || !(EVENT_KINDS as readonly string[]).includes(value)) throw badRequest(field, `must be one of ${EVENT_KINDS.join(", ")}`);
  return value as WebhookEventKind;
}
