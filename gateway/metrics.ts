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

  async render(): Promise<{ contentType: string; body: string }> {
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
