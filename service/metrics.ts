import client from 'prom-client';

/**
 * Request latency buckets, in seconds. 0.2 is one on purpose: "p99 over 200 ms" is then exactly
 * "over 1% of requests above the 0.2 bucket" (the deployment alarms read it that way).
 */
export const HTTP_DURATION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5] as const;

// One registry per app instance so tests can build several apps in one process.
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    httpRequests: new client.Counter({
      name: 'http_requests_total', help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const, registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const, registers: [registry],
      buckets: [...HTTP_DURATION_BUCKETS_S],
    }),
    cacheRequests: new client.Counter({
      name: 'cache_requests_total', help: 'Cache lookups by result (hit, stale, miss, error)',
      labelNames: ['cache', 'result'] as const, registers: [registry],
    }),
    cacheLoads: new client.Counter({
      name: 'cache_loads_total', help: 'Loads from the database to fill the cache',
      labelNames: ['cache'] as const, registers: [registry],
    }),
    cacheCoalesced: new client.Counter({
      name: 'cache_stampede_coalesced_total', help: 'Misses served by joining another load instead of querying the database',
      labelNames: ['cache', 'via'] as const, registers: [registry],
    }),
    cacheDegraded: new client.Counter({
      name: 'cache_degraded_total', help: 'Requests served without Redis because it failed',
      labelNames: ['operation'] as const, registers: [registry],
    }),
    payments: new client.Counter({
      name: 'payments_total', help: 'Payment attempts by outcome code',
      labelNames: ['outcome'] as const, registers: [registry],
    }),
    shed: new client.Counter({
      name: 'http_requests_shed_total', help: 'Requests refused with 503 overloaded (in-flight limit or a standing payment queue)', registers: [registry],
    }),
    sessionLookups: new client.Counter({
      name: 'session_lookups_total', help: 'Session token lookups by result',
      labelNames: ['result'] as const, registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function registerPoolGauges(metrics: Metrics, pool: { totalCount: number; idleCount: number; waitingCount: number }) {
  new client.Gauge({
    name: 'db_pool_connections', help: 'Postgres pool connections by state',
    labelNames: ['state'] as const, registers: [metrics.registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
}

export function registerBatchMetrics(metrics: Metrics, batcher: { stats: object; queued: number }) {
  new client.Gauge({
    name: 'payment_batches', help: 'Group commit: batches, payments carried, one-by-one fallbacks, abandoned (client gone), queued now',
    labelNames: ['what'] as const, registers: [metrics.registry],
    collect() {
      for (const [what, v] of Object.entries(batcher.stats) as [string, number][]) this.set({ what }, v);
      this.set({ what: 'queued' }, batcher.queued);
    },
  });
}
