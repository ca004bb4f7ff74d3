// Thread: the gateway (main) thread: reads the shards' outboxes and POSTs events to webhook endpoints.
import type { WebhookDelivery as DeliveryView } from "../../protocol/admin-wire.js";
import type { OutboxChange, OutboxEntry, OutboxEventRef } from "../../shard/shard-messages.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { backoffMilliseconds, type DeliveryLimits } from "./delivery-limits.js";
import { signingSecrets, type WebhookEndpoint, type WebhookEndpoints } from "./webhook-endpoints.js";
import { webhookSignature } from "./webhook-signature.js";
import type { MessageChannel } from "./message-template.js";
import type { WebhookMessages } from "./webhook-messages.js";
import type { DeliveryJournal } from "./delivery-journal.js";

/** With no endpoint, events are only dropped: every few seconds is soon enough to keep the outbox small. */
const NO_ENDPOINT_POLL_MILLISECONDS = 5_000;

export interface DeliveryInstruments {
  delivered(endpoint: string): void;
  /** An attempt failed (it will be retried, or the event becomes a dead letter). */
  failed(endpoint: string): void;
  dead(endpoint: string): void;
}

type Attempted = { readonly outcome: "delivered"; readonly attempts: number } | { readonly outcome: "stopped" } | { readonly outcome: "dead"; readonly attempts: number; readonly error: string };

/**
 * The delivery loop (docs/notifications.md): per shard thread, it hands new
 * events to the queues of the endpoints whose kinds they are (one outbox
 * update per page), then runs one loop per endpoint over that endpoint's
 * queue: a page at a time, each member's events one after another (the
 * next only once the previous is delivered or dead), members in parallel,
 * all requests under one bound. Every outcome is written through the
 * shard's log. Nothing here is on a lane's path: a slow endpoint holds its
 * own loop and at most `requestsInFlightMax` sockets, and what waits stays
 * on disk.
 */
export class WebhookDelivery {
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly shardLoops: Promise<void>[] = [];
  private readonly slots: Slots;
  private readonly current = new Map<string, Map<string, DeliveryView>>();
  private readonly purgedShards = new Map<string, Set<number>>();
  /** Idle waits that an endpoint change ends early. */
  private readonly idleWaits = new Set<() => void>();

  constructor(
    private readonly cluster: ShardCluster,
    private readonly endpoints: WebhookEndpoints,
    private readonly instruments: DeliveryInstruments,
    private readonly clock: () => number,
    private readonly limits: DeliveryLimits,
    /** Outcomes, attempts and totals on disk: what the deliveries listing shows, and what a retry continues from after a restart. */
    private readonly journal: DeliveryJournal,
    /** Renders messages for endpoints with a channel; absent: such deliveries carry no message. */
    private readonly messages?: WebhookMessages,
  ) {
    this.slots = new Slots(limits.requestsInFlightMax);
    endpoints.onChange = () => {
      for (const wake of [...this.idleWaits]) wake();
    };
  }

  start(): void {
    for (let shard = 0; shard < this.cluster.shardCount; shard += 1) this.shardLoops.push(this.shardLoop(shard));
  }

  /** Stops every loop and aborts requests in flight (their events stay queued: at least once). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await Promise.all(this.shardLoops);
    await Promise.all([...this.loops.values()]);
  }

  /**
   * What is being delivered to the endpoint now (with the retries the journal
   * kept that no loop has taken up again yet, after a restart), and its latest
   * outcomes, newest first: the same after a restart as before it.
   */
  deliveries(endpoint: string): { current: DeliveryView[]; recent: DeliveryView[] } {
    const current = this.current.get(endpoint) ?? new Map<string, DeliveryView>();
    const kept = this.journal
      .retrying(endpoint)
      .filter((record) => !current.has(record.event))
      .map(({ event, kind, member, attempts, lastError, nextAttemptAt, at }): DeliveryView => ({ event, kind, member, state: "retrying", attempts, lastError, nextAttemptAt, at }));
    const recent = this.journal.recentOf(endpoint).map(({ view }) => view);
    return { current: [...current.values(), ...kept], recent: recent.reverse() };
  }

  private async shardLoop(shard: number): Promise<void> {
    while (!this.stopped) {
      let handed = false;
      try {
        handed = await this.fanOut(shard);
        await this.purge(shard);
      } catch (error) {
        process.stderr.write(`webhooks: shard ${shard}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      for (const endpoint of this.endpoints.all) if (delivering(endpoint)) this.ensureEndpointLoop(shard, endpoint.id);
      if (!handed) await this.sleep(this.endpoints.all.length === 0 && this.endpoints.purging.length === 0 ? NO_ENDPOINT_POLL_MILLISECONDS : this.limits.idlePollMilliseconds, true);
    }
  }

  /** Hands a page of new events to the queues of the endpoints that take their kind; true if there were any. */
  private async fanOut(shard: number): Promise<boolean> {
    const page = await this.cluster.requestToShard(shard, { kind: "outboxRead", section: "events", endpoint: null, after: null, limit: this.limits.pageEvents });
    if (!page.ok || page.value.entries.length === 0) return false;
    // A disabled endpoint takes no new events: they are not queued for it.
    const endpoints = this.endpoints.all.filter((endpoint) => endpoint.disabled !== true);
    const changes: OutboxChange[] = page.value.entries.map((entry) => ({
      op: "fanOut",
      event: refOf(entry),
      endpoints: endpoints.filter((endpoint) => (endpoint.kinds as readonly string[]).includes(entry.kind)).map((endpoint) => endpoint.id),
    }));
    const updated = await this.cluster.requestToShard(shard, { kind: "outboxUpdate", changes });
    return updated.ok;
  }

  /** Drops this shard's queued copies and dead letters of deleted endpoints, a page at a time. */
  private async purge(shard: number): Promise<void> {
    for (const id of this.endpoints.purging) {
      for (const section of ["queue", "dead"] as const) {
        for (;;) {
          const page = await this.cluster.requestToShard(shard, { kind: "outboxRead", section, endpoint: id, after: null, limit: this.limits.pageEvents });
          if (!page.ok) return;
          if (page.value.entries.length === 0) break;
          const dropped = await this.cluster.requestToShard(shard, { kind: "outboxUpdate", changes: page.value.entries.map((entry) => ({ op: "drop", section, endpoint: id, event: refOf(entry) })) });
          if (!dropped.ok) return;
        }
      }
      const shards = this.purgedShards.get(id) ?? new Set<number>();
      shards.add(shard);
      this.purgedShards.set(id, shards);
      if (shards.size === this.cluster.shardCount) {
        this.purgedShards.delete(id);
        await this.journal.forget(id);
        await this.endpoints.purged(id);
      }
    }
  }

  private ensureEndpointLoop(shard: number, endpoint: string): void {
    const key = `${shard}/${endpoint}`;
    if (this.stopped || this.loops.has(key)) return;
    const loop: Promise<void> = this.endpointLoop(shard, endpoint).then(
      () => undefined,
      (error: unknown) => {
        process.stderr.write(`webhooks: ${endpoint} on shard ${shard}: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
    this.loops.set(key, loop.finally(() => this.loops.delete(key)));
  }

  /** Delivers the endpoint's queue on this shard a page at a time until it is empty, paused, deleted, or a page makes no progress. */
  private async endpointLoop(shard: number, endpointId: string): Promise<void> {
    while (!this.stopped && this.activeEndpoint(endpointId) !== undefined) {
      const page = await this.cluster.requestToShard(shard, { kind: "outboxRead", section: "queue", endpoint: endpointId, after: null, limit: this.limits.pageEvents });
      if (!page.ok || page.value.entries.length === 0) return;
      const byMember = new Map<string, OutboxEntry[]>();
      for (const entry of page.value.entries) {
        const chain = byMember.get(entry.memberId) ?? [];
        chain.push(entry);
        byMember.set(entry.memberId, chain);
      }
      const progressed = await Promise.all([...byMember.values()].map((chain) => this.deliverChain(shard, endpointId, chain)));
      if (!progressed.some(Boolean)) return;
    }
  }

  /** One member's events in order: each delivered or dead before the next; false if none got through. */
  private async deliverChain(shard: number, endpointId: string, chain: readonly OutboxEntry[]): Promise<boolean> {
    let progressed = false;
    for (const entry of chain) {
      const attempted = await this.deliverOne(endpointId, entry);
      if (attempted.outcome === "stopped") return progressed;
      const change: OutboxChange =
        attempted.outcome === "delivered"
          ? { op: "delivered", endpoint: endpointId, event: refOf(entry) }
          : { op: "dead", endpoint: endpointId, event: refOf(entry), attempts: attempted.attempts, failedAt: this.clock(), error: attempted.error };
      // The listing shows the outcome at once; the journal's write and the queue's change go together, both before the next event.
      const journaled = this.finish(endpointId, entry, attempted.outcome === "delivered" ? { state: "delivered", attempts: attempted.attempts, lastError: null } : { state: "dead", attempts: attempted.attempts, lastError: attempted.error });
      const written = await this.cluster.requestToShard(shard, { kind: "outboxUpdate", changes: [change] });
      await journaled;
      if (!written.ok) return progressed;
      progressed = true;
    }
    return progressed;
  }

  /**
   * Attempts one event until the endpoint takes it, the attempts run out, or
   * delivery stops (paused, deleted, shutdown). An event the journal has
   * failed attempts of (before a restart) continues from them, after the
   * back-off they had left.
   */
  private async deliverOne(endpointId: string, entry: OutboxEntry): Promise<Attempted> {
    const event = { id: entry.id, kind: entry.kind, at: entry.at, member: entry.memberId, data: entry.data };
    const plain = JSON.stringify(event);
    const kept = this.journal.attemptOf(endpointId, entry.id);
    if (kept !== undefined && kept.nextAttemptAt > this.clock()) {
      this.track(endpointId, entry, { state: "retrying", attempts: kept.attempts, lastError: kept.lastError, nextAttemptAt: kept.nextAttemptAt });
      await this.sleep(kept.nextAttemptAt - this.clock());
    }
    for (let attempts = (kept?.attempts ?? 0) + 1; ; attempts += 1) {
      const endpoint = this.activeEndpoint(endpointId);
      if (endpoint === undefined || this.stopped) return this.abandon(endpointId, entry);

      this.track(endpointId, entry, { state: "in flight", attempts, lastError: null, nextAttemptAt: null });
      // An endpoint with a channel gets the message too, made at each attempt (the member's consent now).
      const made = endpoint.channel === undefined || this.messages === undefined ? { body: plain } : await this.withMessage(endpoint.channel, entry, event);
      const error = "body" in made ? await this.post(endpoint, entry.id, made.body) : made.error;
      if (error === null) {
        this.instruments.delivered(endpointId);
        return { outcome: "delivered", attempts };
      }
      if (this.stopped) return this.abandon(endpointId, entry);
      this.instruments.failed(endpointId);
      if (attempts >= this.limits.attemptsMax) {
        this.instruments.dead(endpointId);
        return { outcome: "dead", attempts, error };
      }
      const nextAttemptAt = this.clock() + backoffMilliseconds(this.limits, attempts);
      this.track(endpointId, entry, { state: "retrying", attempts, lastError: error, nextAttemptAt });
      await this.journal.failedAttempt(endpointId, { event: entry.id, kind: entry.kind, member: entry.memberId, attempts, lastError: error, nextAttemptAt, at: this.clock() });
      await this.sleep(nextAttemptAt - this.clock());
    }
  }

  private async withMessage(channel: MessageChannel, entry: OutboxEntry, event: object): Promise<{ body: string } | { error: string }> {
    const made = await (this.messages as WebhookMessages).messageFor(channel, entry);
    return "error" in made ? made : { body: JSON.stringify({ ...event, message: made.message }) };
  }

  /** POSTs the event; null when the endpoint answered 2xx, else why not. */
  private async post(endpoint: WebhookEndpoint, eventId: string, body: string): Promise<string | null> {
    await this.slots.acquire();
    try {
      const timestamp = String(this.clock());
      const response = await fetch(endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-loycore-event-id": eventId,
          "x-loycore-timestamp": timestamp,
          // During a secret's rotation overlap, signed with both: "v1=<new>,v1=<old>" (docs/notifications.md).
          "x-loycore-signature": signingSecrets(endpoint, Number(timestamp))
            .map((secret) => webhookSignature(secret, timestamp, body))
            .join(","),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.limits.requestTimeoutMilliseconds)]),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      this.slots.release();
    }
  }

  private activeEndpoint(id: string): WebhookEndpoint | undefined {
    const endpoint = this.endpoints.all.find((candidate) => candidate.id === id);
    return endpoint === undefined || !delivering(endpoint) ? undefined : endpoint;
  }

  private track(endpoint: string, entry: OutboxEntry, state: Pick<DeliveryView, "state" | "attempts" | "lastError" | "nextAttemptAt">): void {
    const current = this.current.get(endpoint) ?? new Map<string, DeliveryView>();
    current.set(entry.id, { event: entry.id, kind: entry.kind, member: entry.memberId, ...state, at: this.clock() });
    this.current.set(endpoint, current);
  }

  /** Delivery stopped (paused, deleted, shutdown): the event leaves the current list, its attempts stay kept. */
  private abandon(endpoint: string, entry: OutboxEntry): Attempted {
    this.current.get(endpoint)?.delete(entry.id);
    return { outcome: "stopped" };
  }

  /** A final state: the event leaves the current list and joins the journal's latest outcomes (in memory at once, on disk when this resolves; bounded). */
  private async finish(endpoint: string, entry: OutboxEntry, final: Pick<DeliveryView, "state" | "attempts" | "lastError">): Promise<void> {
    this.current.get(endpoint)?.delete(entry.id);
    await this.journal.finished(endpoint, { event: entry.id, kind: entry.kind, member: entry.memberId, ...final, nextAttemptAt: null, at: this.clock() });
  }

  /** Waits, or less if delivery stops (or, `idle`, if an endpoint changes). */
  private sleep(milliseconds: number, idle = false): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const signal = this.abort.signal;
    const idleWaits = this.idleWaits;
    return new Promise((resolve) => {
      const timer = setTimeout(done, milliseconds);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        idleWaits.delete(done);
        resolve();
      }
      signal.addEventListener("abort", done);
      if (idle) idleWaits.add(done);
    });
  }
}

/** Whether the endpoint's queue is being delivered: neither paused nor disabled. */
function delivering(endpoint: WebhookEndpoint): boolean {
  return !endpoint.paused && endpoint.disabled !== true;
}

function refOf(entry: OutboxEntry): OutboxEventRef {
  return { logicalShard: entry.logicalShard, memberId: entry.memberId, sequence: entry.sequence, number: entry.number };
}

/** A counting semaphore: at most `size` holders, the rest wait in arrival order. */
class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  acquire(): Promise<void> {
    if (this.held < this.size) {
      this.held += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.held -= 1;
    else next();
  }
}
