import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/api-error.js";
import { ErrorBox } from "../components/error-box.js";
import { TimeChart, type ChartSeries } from "../components/time-chart.js";
import { formatMilliseconds } from "../logic/format.js";
import { liveFigures, type LiveFigures, type Scrape } from "../logic/live-figures.js";
import { parsePrometheusText } from "../logic/prometheus-text.js";

/** How often the dashboard scrapes /metrics: every few seconds, as Prometheus itself would. */
const REFRESH_INTERVAL_MILLISECONDS = 2_000;
/** Points kept per chart: ten minutes at one every two seconds. */
const HISTORY_POINTS_MAX = 300;

/** The server's own /metrics as charts: receipts/s, latency percentiles, refusals by code, mailbox depth, group commits. */
export function LivePage() {
  const [history, setHistory] = useState<readonly LiveFigures[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const previous = useRef<Scrape | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    const scrapeOnce = async (): Promise<void> => {
      try {
        const response = await fetch("/metrics", { signal: AbortSignal.timeout(REFRESH_INTERVAL_MILLISECONDS * 2) });
        if (!response.ok) throw new ApiError("UNAVAILABLE", `/metrics answered HTTP ${response.status}`, response.status);
        const scrape: Scrape = { at: Date.now(), samples: parsePrometheusText(await response.text()) };
        if (stopped) return;
        const earlier = previous.current;
        previous.current = scrape;
        setError(undefined);
        if (earlier !== undefined) setHistory((points) => [...points, liveFigures(earlier, scrape)].slice(-HISTORY_POINTS_MAX));
      } catch (failure) {
        if (!stopped) setError(failure instanceof ApiError ? failure : new ApiError("DISCONNECTED", "the server's /metrics could not be read", 0));
      }
    };
    void scrapeOnce();
    const timer = setInterval(() => void scrapeOnce(), REFRESH_INTERVAL_MILLISECONDS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const latest = history[history.length - 1];
  const times = history.map((point) => point.at);
  return (
    <section aria-labelledby="live-heading">
      <h1 id="live-heading">Live</h1>
      <p class="hint">From the server's <a href="/metrics">/metrics</a>, every {REFRESH_INTERVAL_MILLISECONDS / 1000} s.</p>
      <ErrorBox error={error} />
      {latest === undefined ? (
        <p>Collecting the first interval…</p>
      ) : (
        <>
          <dl class="figures" aria-label="Latest figures">
            <div><dt>Receipts/s</dt><dd data-testid="receipts-per-second">{latest.receiptsPerSecond.toFixed(1)}</dd></div>
            <div><dt>Requests/s</dt><dd>{latest.requestsPerSecond.toFixed(1)}</dd></div>
            <div><dt>Latency p50</dt><dd>{formatMilliseconds(latest.latencyP50Seconds)}</dd></div>
            <div><dt>Latency p99</dt><dd>{formatMilliseconds(latest.latencyP99Seconds)}</dd></div>
            <div><dt>Group commits/s</dt><dd>{latest.groupCommitsPerSecond.toFixed(1)}</dd></div>
            <div><dt>Answers per group commit</dt><dd>{latest.meanCommitBatchSize === null ? "—" : latest.meanCommitBatchSize.toFixed(1)}</dd></div>
          </dl>
          <div class="charts">
            <TimeChart title="Throughput" unit="per second" times={times} series={[
              { label: "receipts/s", values: history.map((point) => point.receiptsPerSecond) },
              { label: "requests/s", values: history.map((point) => point.requestsPerSecond) },
            ]} />
            <TimeChart title="Request latency" unit="ms" times={times} series={[
              { label: "p50", values: history.map((point) => milliseconds(point.latencyP50Seconds)) },
              { label: "p99", values: history.map((point) => milliseconds(point.latencyP99Seconds)) },
              { label: "shard commit p99", values: history.map((point) => milliseconds(point.commitP99Seconds)) },
            ]} />
            <TimeChart title="Refusals by code (BUSY among them)" unit="per second" times={times} series={keyedSeries(history, (point) => point.errorsPerSecondByCode, "no refusals")} />
            <TimeChart title="Shard mailbox depth" unit="requests" times={times} series={keyedSeries(history, (point) => point.mailboxDepthByShard, "no shards", "shard ")} />
            <TimeChart title="Group commit" unit="count" times={times} series={[
              { label: "group commits/s", values: history.map((point) => point.groupCommitsPerSecond) },
              { label: "answers per group", values: history.map((point) => point.meanCommitBatchSize) },
            ]} />
          </div>
        </>
      )}
    </section>
  );
}

function milliseconds(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}

/** One series per key seen anywhere in the history (a code, a shard), zero where a point lacks it. */
function keyedSeries(history: readonly LiveFigures[], pick: (point: LiveFigures) => ReadonlyMap<string, number>, none: string, prefix = ""): ChartSeries[] {
  const keys = [...new Set(history.flatMap((point) => [...pick(point).keys()]))].sort();
  if (keys.length === 0) return [{ label: none, values: history.map(() => 0) }];
  return keys.map((key) => ({ label: `${prefix}${key}`, values: history.map((point) => pick(point).get(key) ?? 0) }));
}
