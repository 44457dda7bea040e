import type { Scenario } from '../scenario.js';

const HOT_KEY = 'summary:cust_000001';
const EXPIRIES_AT_S = [10, 15, 20, 25, 30];

function stampede(protection: boolean): Scenario {
  return {
    name: protection ? 'cache-stampede' : 'cache-stampede-unprotected',
    description: `1,000 GET /v1/summary per second for one customer (one hot key) while Postgres answers 20 ms slower; the key vanishes ${EXPIRIES_AT_S.length} times. ` +
      (protection
        ? 'With the protection on (single-flight per instance, a short Redis lock across instances, serve-stale), each expiry costs at most 3 database loads.'
        : 'With the protection off: every concurrent miss queries Postgres. This scenario passes when the stampede is visible (more than 10 loads per expiry).'),
    suites: protection ? ['gate', 'chaos'] : ['chaos'],
    topology: { instances_per_az: 1, service_env: { CACHE_STAMPEDE_PROTECTION: String(protection) } },
    load: {
      stages: [{ duration_s: 5, from_rate_per_s: 100, to_rate_per_s: 1_000 }, { duration_s: 30, rate_per_s: 1_000 }],
      warmup_s: 5, mix: { payment: 0, replay: 0, balance: 0, summary: 1 }, hot_accounts: 1, hot_reads: true,
    },
    timeline: [
      { at_s: 0, label: 'DB 20 ms slower', action: { kind: 'add_toxic', endpoint: 'writer', client_azs: ['a', 'b'], name: 'slow_db', toxic: { type: 'latency', latency_ms: 20, jitter_ms: 0 }, direction: 'downstream' } },
      ...EXPIRIES_AT_S.map((at_s) => ({ at_s, label: `hot key expires`, action: { kind: 'delete_cache_keys' as const, keys: [HOT_KEY] } })),
    ],
    invariants: [],
    gates: protection
      ? [{ metric: 'latency_p99_ms', op: '<', threshold: 200 }, { metric: 'error_rate', op: '<', threshold: 0.001 }]
      : [{ metric: 'error_rate', op: '<', threshold: 0.001 }],
    service_metric_gates: [protection
      ? { metric: 'cache_loads_total', labels: { cache: 'summary' }, per_step_kind: 'delete_cache_keys', op: '<=', threshold: 3, description: 'database loads per expiry, bounded' }
      : { metric: 'cache_loads_total', labels: { cache: 'summary' }, per_step_kind: 'delete_cache_keys', op: '>', threshold: 10, description: 'the stampede is real without protection' }],
    runbook: 'chaos/runbooks/cache-stampede.md',
  };
}

export const cacheStampede = stampede(true);
export const cacheStampedeUnprotected = stampede(false);
