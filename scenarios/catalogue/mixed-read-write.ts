import { MIXED_READ_WRITE } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const mixedReadWrite: Scenario = {
  name: 'mixed-read-write',
  description: '1,000 requests/s for 60 s: 30% payments, 5% replays of earlier payments, 35% balance reads, 30% summaries (cache-aside). Gates on p99 and errors; ledger checked after.',
  suites: ['extended'],
  topology: { instances_per_az: 1 },
  load: {
    stages: [{ duration_s: 10, from_rate_per_s: 100, to_rate_per_s: 1_000 }, { duration_s: 60, rate_per_s: 1_000 }],
    warmup_s: 10, mix: MIXED_READ_WRITE,
  },
  invariants: ['ledger'],
  gates: [
    { metric: 'latency_p99_ms', op: '<', threshold: 200 },
    { metric: 'latency_p99_ms', op: '<', threshold: 200, request_op: 'payment' },
    { metric: 'error_rate', op: '<', threshold: 0.001 },
    { metric: 'dropped', op: '<=', threshold: 0 },
  ],
};
