// The server's side of a run: every second, each running task's /metrics, summed over tasks, as
// time series on the load's clock (the same axis as the client's windows in the report).
import { sumMetric } from './prometheus.js';

export interface ScrapedMetric {
  /** Series name in the report. */
  name: string;
  metric: string;
  labels?: Record<string, string>;
  /** gauge: the value; rate: the counter's increase per second. */
  kind: 'gauge' | 'rate';
  unit: string;
  /** Multiplies the value (e.g. 1000: seconds to ms); default 1. */
  scale?: number;
  /** How tasks combine: sum (default), or max (a stall in one task is not halved by an idle one). */
  over_tasks?: 'sum' | 'max';
}

/** What the report charts: pool pressure, shedding, cache and session traffic, payment outcomes. */
export const SERVER_METRICS: ScrapedMetric[] = [
  { name: 'db_pool_total', metric: 'db_pool_connections', labels: { state: 'total' }, kind: 'gauge', unit: 'connections' },
  { name: 'db_pool_idle', metric: 'db_pool_connections', labels: { state: 'idle' }, kind: 'gauge', unit: 'connections' },
  { name: 'db_pool_waiting', metric: 'db_pool_connections', labels: { state: 'waiting' }, kind: 'gauge', unit: 'requests' },
  { name: 'payments_queued', metric: 'payment_batches', labels: { what: 'queued' }, kind: 'gauge', unit: 'payments' },
  { name: 'payments_posted_per_s', metric: 'payments_total', labels: { outcome: 'posted' }, kind: 'rate', unit: '/s' },
  { name: 'shed_per_s', metric: 'http_requests_shed_total', kind: 'rate', unit: '/s' },
  { name: 'cache_hits_per_s', metric: 'cache_requests_total', labels: { result: 'hit' }, kind: 'rate', unit: '/s' },
  { name: 'cache_misses_per_s', metric: 'cache_requests_total', labels: { result: 'miss' }, kind: 'rate', unit: '/s' },
  { name: 'cache_loads_per_s', metric: 'cache_loads_total', kind: 'rate', unit: '/s' },
  { name: 'session_lookups_cached_per_s', metric: 'session_lookups_total', labels: { result: 'cached' }, kind: 'rate', unit: '/s' },
  { name: 'session_lookups_dynamodb_per_s', metric: 'session_lookups_total', labels: { result: 'valid' }, kind: 'rate', unit: '/s' },
  // The tasks' runtime: a slow second on the client's side that lines up with these is the task's
  // own pause (garbage collection, a long synchronous turn), not the database or the network.
  // prom-client resets its event-loop delay histogram at each scrape: the max is this second's.
  { name: 'eventloop_delay_max_ms', metric: 'nodejs_eventloop_lag_max_seconds', kind: 'gauge', unit: 'ms', scale: 1000, over_tasks: 'max' },
  { name: 'gc_major_ms_per_s', metric: 'nodejs_gc_duration_seconds_sum', labels: { kind: 'major' }, kind: 'rate', unit: 'ms/s', scale: 1000 },
  { name: 'gc_ms_per_s', metric: 'nodejs_gc_duration_seconds_sum', kind: 'rate', unit: 'ms/s', scale: 1000 },
];

export interface ServerSeries { name: string; unit: string; kind: ScrapedMetric['kind']; points: [number, number][] }
export interface ServerView { interval_ms: number; scrapes: number; failed_scrapes: number; series: ServerSeries[] }

const SCRAPE_TIMEOUT_MS = 800;

/**
 * Scrapes `targets()` every `interval_ms` from start() until stop(). A task that dies mid-run drops
 * out of the sum; a counter's rate never goes negative when a task (and its counters) is replaced.
 */
export class MetricsScraper {
  private timer: NodeJS.Timeout | undefined;
  private last = new Map<string, Map<string, number>>(); // task url -> series -> counter value
  private readonly view: ServerView;
  private origin_ms = 0;
  private inflight: Promise<void> = Promise.resolve();

  constructor(private readonly targets: () => string[], private readonly metrics = SERVER_METRICS, private readonly interval_ms = 1_000) {
    this.view = { interval_ms, scrapes: 0, failed_scrapes: 0, series: metrics.map((m) => ({ name: m.name, unit: m.unit, kind: m.kind, points: [] })) };
  }

  start(origin_ms: number): this {
    this.origin_ms = origin_ms;
    this.timer = setInterval(() => { this.inflight = this.scrape(); }, this.interval_ms);
    return this;
  }

  async stop(): Promise<ServerView> {
    clearInterval(this.timer);
    await this.inflight;
    return this.view;
  }

  private async scrape() {
    const t_s = Math.round((performance.now() - this.origin_ms) / 100) / 10;
    const texts = await Promise.all(this.targets().map(async (url) => {
      try {
        const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
        return [url, await res.text()] as const;
      } catch { this.view.failed_scrapes++; return undefined; }
    }));
    this.view.scrapes++;
    const ok = texts.filter((x): x is readonly [string, string] => x !== undefined);
    this.metrics.forEach((m, i) => {
      const perTask: number[] = [];
      for (const [url, text] of ok) {
        const value = sumMetric(text, m.metric, m.labels) * (m.scale ?? 1);
        if (m.kind === 'gauge') { perTask.push(value); continue; }
        const seen = this.last.get(url) ?? this.last.set(url, new Map()).get(url)!;
        const before = seen.get(m.name);
        seen.set(m.name, value);
        if (before !== undefined) perTask.push(Math.max(0, value - before) / (this.interval_ms / 1000));
      }
      const total = m.over_tasks === 'max' ? Math.max(0, ...perTask) : perTask.reduce((a, b) => a + b, 0);
      this.view.series[i]!.points.push([t_s, Math.round(total * 10) / 10]);
    });
  }
}
