import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const writerCrash: Scenario = {
  name: 'writer-crash',
  description: 'Under 500 payments/s the Postgres writer\'s host crashes (SIGKILL to every Postgres process, nothing flushed) and the writer restarts in place after 2 s, without failover: crash recovery replays the WAL, the standby reconnects, the services\' pools reconnect. Measured: restart (crash recovery) time, time until the standby streams again, client errors, p99 recovery. Every acknowledged payment must be present after recovery (fsync on: an acknowledged commit is on disk).',
  suites: ['chaos'],
  topology: { instances_per_az: 1, replication: 'synchronous' },
  load: { stages: [{ duration_s: 5, from_rate_per_s: 50, to_rate_per_s: 500 }, { duration_s: 30, rate_per_s: 500 }], warmup_s: 5, mix: PAYMENTS_ONLY, timeout_ms: 5_000 },
  timeline: [{ at_s: 12, label: 'writer host crash, restart in place after 2 s', action: { kind: 'writer_crash', down_s: 2 } }],
  invariants: ['ledger'],
  // Requests during the outage fail: 2 s down, then crash recovery (0.6 s on the fast machine, 4.1 s
  // on the slow-disk one: WAL replay reads), then the standby reconnects (0.5-2 s): 9.5% of the 30 s
  // window on the fast machine, 23.9% on the slow one (measured). The blast radius is bounded by
  // the outage; the ledger must hold exactly.
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.3 }, { metric: 'dropped', op: '<=', threshold: 0 }],
  recovery_within_s: 10,
  runbook: 'chaos/runbooks/writer-crash.md',
};
