import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';
import { FAST_ALB } from './compressed-alb.js';

export const azLoss: Scenario = {
  name: 'az-loss',
  description: 'Under 1,000 payments/s, AZ a loses power (AWS FIS "AZ Availability: Power Interruption", compressed): its task dies, its subnets blackhole, the Postgres writer and the Redis primary fail over to AZ b, replacement capacity in AZ a is refused, the zone returns after 20 s. Measured: time to detect, failover times, time until p99 < 200 ms again, client errors; synchronous replication must lose no acknowledged payment.',
  suites: ['gate', 'chaos'],
  topology: { instances_per_az: 1, replication: 'synchronous', alb: FAST_ALB },
  load: {
    stages: [{ duration_s: 10, from_rate_per_s: 100, to_rate_per_s: 1_000 }, { duration_s: 50, rate_per_s: 1_000 }],
    warmup_s: 10, mix: PAYMENTS_ONLY, timeout_ms: 5_000,
  },
  timeline: [{ at_s: 20, label: 'AZ a power interruption', action: { kind: 'az_power_interruption', az: 'a', duration_s: 20 } }],
  steady_state: { probe_s: 5, rate_per_s: 200, gates: [{ metric: 'latency_p99_ms', op: '<', threshold: 200 }, { metric: 'error_rate', op: '<', threshold: 0.001 }] },
  invariants: ['ledger'],
  // The outage is expected to cost errors (requests in flight on the dead task, the writer frozen
  // until failover, load shed while the backlog drains). The gates bound the blast radius and the
  // recovery; the ledger must hold exactly.
  gates: [
    { metric: 'error_rate', op: '<', threshold: 0.10 },
    { metric: 'dropped', op: '<=', threshold: 0 },
  ],
  recovery_within_s: 30,
  runbook: 'chaos/runbooks/az-loss.md',
};

/** The same outage with asynchronous replication and a lagging standby: the checker must report the loss. */
export const azLossAsync: Scenario = {
  ...azLoss,
  name: 'az-loss-async',
  description: 'As az-loss, but with asynchronous replication and 300 ms of lag injected on the WAL stream just before the outage. Expected: acknowledged payments are lost on failover and the history checker reports them (this scenario passes only if it does).',
  suites: ['chaos'],
  topology: { ...azLoss.topology, replication: 'asynchronous' },
  timeline: [
    { at_s: 18, label: 'standby lags 300 ms', action: { kind: 'replication_lag', latency_ms: 300 } },
    { at_s: 20, label: 'AZ a power interruption', action: { kind: 'az_power_interruption', az: 'a', duration_s: 20 } },
  ],
  expect_violations: true,
};
