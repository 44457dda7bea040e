import type { Gate } from '../../loadtests/gates.js';

/** The platform's promise: 1,000 payments/s with p99 under 200 ms and under 0.1% errors. */
export const PLATFORM_SLO_GATES: Gate[] = [
  { metric: 'latency_p99_ms', op: '<', threshold: 200 },
  { metric: 'error_rate', op: '<', threshold: 0.001 },
  { metric: 'throughput_per_s', op: '>=', threshold: 990 },
  { metric: 'dropped', op: '<=', threshold: 0 },
];
