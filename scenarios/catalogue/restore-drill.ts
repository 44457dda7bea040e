import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const restoreDrill: Scenario = {
  name: 'restore-drill',
  description: 'Under 300 payments/s with continuous WAL archiving: a base backup at 8 s, a restore target marked at 25 s; after the load the backup is restored into a fresh cluster and WAL replayed to the target, checked, then swapped in as the writer (endpoint repointed, synchronous standby rebuilt from it) and 10 s more payments run against it. Measured: RTO, RPO, swap and standby rebuild times; the history checker proves every payment acknowledged before the target is there once and nothing sent after it is, on the restored cluster and again on it as the writer.',
  suites: ['chaos'],
  topology: { instances_per_az: 1, wal_archiving: true },
  load: { stages: [{ duration_s: 5, from_rate_per_s: 50, to_rate_per_s: 300 }, { duration_s: 30, rate_per_s: 300 }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [
    { at_s: 8, label: 'base backup', action: { kind: 'base_backup' } },
    { at_s: 25, label: 'restore target', action: { kind: 'mark_restore_target' } },
  ],
  post_run: 'restore_drill',
  invariants: ['ledger'],
  gates: [{ metric: 'error_rate', op: '<', threshold: 0.001 }],
  runbook: 'chaos/runbooks/restore-drill.md',
};
