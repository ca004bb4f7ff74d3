import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from "prom-client";
import type { ShardCluster } from "./shards/shard-cluster.js";

type ShardMetricList = readonly MetricObjectWithValues<MetricValue<string>>[];

/** A scrape waits at most this long for shard threads' metrics; a stuck shard must not hang /metrics. */
const SHARD_METRICS_TIMEOUT_MILLISECONDS = 2_000;

/**
 * The gateway's metrics, plus the shard threads' own registries merged in at
 * scrape time (each shard keeps its histograms in its thread and sends them
 * as JSON on request; prom-client's AggregatorRegistry merges them).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"transport" | "op" | "code">;
  readonly requestSeconds: Histogram<"op">;
  readonly connections: Gauge;
  readonly webhookDeliveries: Counter<"endpoint" | "result">;
  /** The last emitted count each shard thread gave (kept when one does not answer a scrape, so the counter never falls). */
  private readonly emittedByShard = new Map<number, number>();
  private readonly outbox: { readonly undelivered: Gauge; readonly dead: Gauge; readonly oldest: Gauge; readonly complete: Gauge; readonly emitted: Counter<"shard"> };

  constructor(private readonly cluster: ShardCluster) {
    collectDefaultMetrics({ register: this.registry, prefix: "loycore_gateway_" });
    this.requests = new Counter({
      name: "loycore_requests_total",
      help: "Terminal requests answered, by transport, operation and code (OK for success)",
      labelNames: ["transport", "op", "code"],
      registers: [this.registry],
    });
    this.requestSeconds = new Histogram({
      name: "loycore_request_seconds",
      help: "Time from a request's arrival at the gateway to its answer, by operation",
      labelNames: ["op"],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [this.registry],
    });
    this.connections = new Gauge({
      name: "loycore_websocket_connections",
      help: "Open WebSocket connections",
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: "loycore_webhook_deliveries_total",
      help: "Webhook delivery attempts by endpoint and result: delivered, failed (retried later or dead), dead (the attempts max reached)",
      labelNames: ["endpoint", "result"],
      registers: [this.registry],
    });
    this.outbox = this.registerOutboxGauges();
    const depthGauge = new Gauge({
      name: "loycore_shard_mailbox_depth",
      help: "Requests sent to a shard thread and not yet answered",
      labelNames: ["shard"],
      registers: [this.registry],
      collect: () => {
        cluster.mailboxDepths().forEach((depth, shard) => depthGauge.set({ shard: String(shard) }, depth));
      },
    });
  }

  /** The delivery loop's counters (gateway/notifications/webhook-delivery.ts). */
  get deliveryInstruments(): { delivered(endpoint: string): void; failed(endpoint: string): void; dead(endpoint: string): void } {
    const deliveries = this.webhookDeliveries;
    return {
      delivered: (endpoint) => deliveries.inc({ endpoint, result: "delivered" }),
      failed: (endpoint) => deliveries.inc({ endpoint, result: "failed" }),
      dead: (endpoint) => deliveries.inc({ endpoint, result: "dead" }),
    };
  }

  /** The delivery counters as the journal kept them (gateway/notifications/delivery-journal.ts): they go on from there after a restart. */
  restoreDeliveryTotals(totals: ReadonlyMap<string, { readonly delivered: number; readonly failed: number; readonly dead: number }>): void {
    for (const [endpoint, { delivered, failed, dead }] of totals) {
      for (const [result, count] of [["delivered", delivered], ["failed", failed], ["dead", dead]] as const) if (count > 0) this.webhookDeliveries.inc({ endpoint, result }, count);
    }
  }

  /** Gauges of the shards' outboxes, set by refreshOutboxGauges before each scrape (bounded counts: shard/outbox-requests.ts). */
  private registerOutboxGauges(): { undelivered: Gauge; dead: Gauge; oldest: Gauge; complete: Gauge; emitted: Counter<"shard"> } {
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers: [this.registry] });
    return {
      // Set from the shards' outboxes at each scrape (kept there, so the same after a restart): a counter that only grows.
      emitted: new Counter({ name: "loycore_events_emitted_total", help: "Events operations wrote to the outbox, ever, by shard thread (docs/notifications.md)", labelNames: ["shard"], registers: [this.registry] }),
      undelivered: gauge("loycore_outbox_undelivered", "Events not yet delivered: not yet handed to endpoints, or queued for one (one per endpoint)"),
      dead: gauge("loycore_outbox_dead_letters", "Events an endpoint failed the attempts max for, kept until replayed or the endpoint is deleted"),
      oldest: gauge("loycore_outbox_oldest_undelivered_age_seconds", "Age of the oldest undelivered event (0 when none)"),
      complete: gauge("loycore_outbox_counts_complete", "1 when the outbox counts above are exact, 0 when a shard stopped counting at its bound (lower bounds)"),
    };
  }

  /** Asks every shard for its outbox's counts (before the registry is read, so the scrape's own requests are answered by then). */
  private async refreshOutboxGauges(): Promise<void> {
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), SHARD_METRICS_TIMEOUT_MILLISECONDS).unref());
    const replies = await Promise.race([this.cluster.broadcast({ kind: "outboxStats" }), timeout]);
    if (replies === "timeout") return;
    let [undelivered, dead, oldestAt, complete] = [0, 0, Number.POSITIVE_INFINITY, true];
    for (const [shard, reply] of replies.entries()) if (reply.ok) this.emittedByShard.set(shard, Math.max(this.emittedByShard.get(shard) ?? 0, reply.value.emitted));
    this.outbox.emitted.reset();
    for (const [shard, emitted] of this.emittedByShard) this.outbox.emitted.inc({ shard: String(shard) }, emitted);
    for (const reply of replies) {
      if (!reply.ok) continue;
      undelivered += reply.value.undelivered;
      dead += reply.value.dead;
      if (reply.value.oldestUndeliveredAt !== null) oldestAt = Math.min(oldestAt, reply.value.oldestUndeliveredAt);
      complete &&= reply.value.complete;
    }
    this.outbox.undelivered.set(undelivered);
    this.outbox.dead.set(dead);
    this.outbox.oldest.set(Number.isFinite(oldestAt) ? Math.max(0, (Date.now() - oldestAt) / 1000) : 0);
    this.outbox.complete.set(complete ? 1 : 0);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.refreshOutboxGauges();
    const gateway = await this.registry.getMetricsAsJSON();
    const shardMetrics = await this.collectShardMetrics();
    const merged = AggregatorRegistry.aggregate([gateway, ...shardMetrics]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  private async collectShardMetrics(): Promise<ShardMetricList[]> {
    const timeout = new Promise<"timeout">((resolve) =>
      setTimeout(() => resolve("timeout"), SHARD_METRICS_TIMEOUT_MILLISECONDS).unref(),
    );
    const replies = await Promise.race([this.cluster.broadcast({ kind: "metrics" }), timeout]);
    if (replies === "timeout") return [];
    const collected: ShardMetricList[] = [];
    for (const reply of replies) {
      if (reply.ok && reply.value.metrics !== undefined) collected.push(reply.value.metrics);
    }
    return collected;
  }
}
