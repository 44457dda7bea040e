import { MIXED_READ_WRITE, PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario, SteadyState } from '../scenario.js';
import { FAST_ALB } from './compressed-alb.js';

const RAMP = { duration_s: 5, from_rate_per_s: 50, to_rate_per_s: 500 };
const HEALTHY: SteadyState = { probe_s: 5, rate_per_s: 200, gates: [{ metric: 'latency_p99_ms', op: '<', threshold: 200 }, { metric: 'error_rate', op: '<', threshold: 0.001 }] };

export const dbFailover: Scenario = {
  name: 'db-failover',
  description: 'Aurora failover alone under 500 payments/s: the standby in AZ b is promoted and the writer endpoint repointed (existing connections reset). Measured: promote time, client errors, recovery; no acknowledged payment lost.',
  suites: ['chaos'],
  topology: { instances_per_az: 1, replication: 'synchronous' },
  load: { stages: [RAMP, { duration_s: 25, rate_per_s: 500 }], warmup_s: 5, mix: PAYMENTS_ONLY, timeout_ms: 5_000 },
  timeline: [{ at_s: 12, label: 'promote standby, repoint writer', action: { kind: 'failover_db' } }],
  steady_state: HEALTHY,
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.02 }],
  runbook: 'chaos/runbooks/db-failover.md',
};

export const redisDown: Scenario = {
  name: 'redis-down',
  description: 'The cache endpoint refuses connections for 10 s under a mixed 500 req/s load: the service serves reads from Postgres (degraded), payments go on, no request fails.',
  suites: ['chaos'],
  topology: { instances_per_az: 1 },
  load: { stages: [RAMP, { duration_s: 25, rate_per_s: 500 }], warmup_s: 5, mix: MIXED_READ_WRITE },
  timeline: [
    { at_s: 10, label: 'Redis down', action: { kind: 'endpoint_down', endpoint: 'cache', client_azs: ['a', 'b'], down: true } },
    { at_s: 20, label: 'Redis back', action: { kind: 'endpoint_down', endpoint: 'cache', client_azs: ['a', 'b'], down: false } },
  ],
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.001 }, { metric: 'latency_p99_ms', op: '<', threshold: 200 }],
  service_metric_gates: [{ metric: 'cache_degraded_total', op: '>', threshold: 0, description: 'the degradation was counted' }],
};

export const dynamodbSlow: Scenario = {
  name: 'dynamodb-slow',
  description: 'DynamoDB answers 300 ms slower for 15 s under 500 payments/s, once every session is cached (200 customers, fault after 15 s): the per-instance session cache keeps authentication off the slow path. (A cold cache is not protected: with 1,000 customers and the fault at 8 s, p99 was 645 ms.)',
  suites: ['chaos'],
  topology: { instances_per_az: 1, seed: { customers: 200 } },
  load: { stages: [RAMP, { duration_s: 30, rate_per_s: 500 }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [
    { at_s: 15, label: 'DynamoDB +300 ms', action: { kind: 'add_toxic', endpoint: 'sessions', client_azs: ['a', 'b'], name: 'slow_ddb', toxic: { type: 'latency', latency_ms: 300, jitter_ms: 50 } } },
    { at_s: 30, label: 'DynamoDB normal', action: { kind: 'remove_toxic', endpoint: 'sessions', client_azs: ['a', 'b'], name: 'slow_ddb' } },
  ],
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.001 }, { metric: 'latency_p99_ms', op: '<', threshold: 200 }],
};

export const dbSlow: Scenario = {
  name: 'db-slow',
  description: 'Postgres answers 100 ms slower each way for 10 s under 300 payments/s. With 2 tasks x 10 pooled connections and a 200 ms round trip the service can only do ~100 payments/s, so requests queue (p99 went to 6.7 s in one run): nothing fails, nothing is lost, and p99 returns after.',
  suites: ['chaos'],
  topology: { instances_per_az: 1 },
  load: { stages: [RAMP, { duration_s: 25, rate_per_s: 300 }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [
    { at_s: 10, label: 'DB +100 ms', action: { kind: 'add_toxic', endpoint: 'writer', client_azs: ['a', 'b'], name: 'slow_db', toxic: { type: 'latency', latency_ms: 100, jitter_ms: 10 } } },
    { at_s: 20, label: 'DB normal', action: { kind: 'remove_toxic', endpoint: 'writer', client_azs: ['a', 'b'], name: 'slow_db' } },
  ],
  steady_state: HEALTHY,
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.001 }],
};

export const rollingDeploy: Scenario = {
  name: 'rolling-deploy',
  description: 'A rolling deploy under 500 payments/s (start the new task, wait healthy, deregister the old, wait the deregistration delay, SIGTERM it so it drains): zero failed requests.',
  suites: ['chaos'],
  topology: { instances_per_az: 1, alb: FAST_ALB },
  load: { stages: [RAMP, { duration_s: 30, rate_per_s: 500 }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [{ at_s: 8, label: 'rolling restart of every task', action: { kind: 'rolling_restart' } }],
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<=', threshold: 0 }],
  runbook: 'chaos/runbooks/rolling-deploy.md',
};

export const taskKilled: Scenario = {
  name: 'task-killed',
  description: 'One task is SIGKILLed mid-request under 500 payments/s: its in-flight requests fail (502 from the ALB) until health checks remove it; every acknowledged payment is in the ledger, and a client retrying with its key is safe.',
  suites: ['chaos'],
  topology: { instances_per_az: 1, alb: FAST_ALB },
  load: { stages: [RAMP, { duration_s: 20, rate_per_s: 500 }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [{ at_s: 10, label: 'kill task in AZ a', action: { kind: 'kill_one_instance', az: 'a' } }],
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.05 }],
};
