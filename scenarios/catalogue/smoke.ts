import { MIXED_READ_WRITE } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const smoke: Scenario = {
  name: 'smoke',
  description: 'A short burst of real payments and reads (10 s at 100/s) through the ALB: proves the whole path works before anything heavier runs.',
  suites: ['gate'],
  topology: { instances_per_az: 1, seed: { customers: 200 } },
  load: { stages: [{ duration_s: 2, rate_per_s: 50 }, { duration_s: 10, rate_per_s: 100 }], warmup_s: 2, mix: MIXED_READ_WRITE },
  invariants: ['ledger'],
  gates: [
    { metric: 'error_rate', op: '<', threshold: 0.001 },
    { metric: 'latency_p99_ms', op: '<', threshold: 200 },
    { metric: 'throughput_per_s', op: '>=', threshold: 99 },
  ],
};
