import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';
import { PLATFORM_SLO_GATES } from './gates.js';

/**
 * The gate must be able to say no. 300 ms of latency on the writer endpoint of both AZs makes
 * every payment slower than the p99 gate allows; this scenario is expected to FAIL (exit 1).
 */
export const gateSelfTestSlowDb: Scenario = {
  name: 'gate-self-test-slow-db',
  description: 'Expected to FAIL: 300 ms latency injected on the Postgres writer endpoint before the load starts; the p99 < 200 ms gate must reject it.',
  suites: ['self-test'],
  topology: { instances_per_az: 1, replication: 'none', redis_replica: false, seed: { customers: 50 } },
  load: { stages: [{ duration_s: 2, rate_per_s: 20 }, { duration_s: 5, rate_per_s: 50 }], warmup_s: 2, mix: PAYMENTS_ONLY },
  timeline: [{ at_s: 0, label: 'writer +300 ms', action: { kind: 'add_toxic', endpoint: 'writer', client_azs: ['a', 'b'], name: 'slow_db', toxic: { type: 'latency', latency_ms: 300, jitter_ms: 0 }, direction: 'downstream' } }],
  invariants: ['ledger'],
  gates: PLATFORM_SLO_GATES.filter((g) => g.metric !== 'throughput_per_s'),
};
