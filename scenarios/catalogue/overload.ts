import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const overload: Scenario = {
  name: 'overload',
  description: 'Overload without collapse: after 10 s at 200/s (sessions cached), a 30 s ramp finds the knee (the best 3 consecutive seconds of goodput that kept p99 < 200 ms and errors < 0.1%, judged by the slowest), then 2x the knee is offered for 30 s, then 50% of it for 15 s. Gates: goodput during the overload >= 90% of the knee; refused requests answered in < 50 ms (p99); accepted payments p99 < 200 ms; 5 s after the drop every second has p99 < 200 ms and no errors; the ledger holds across all of it.',
  // Not in the gate suite: on a 2-core machine shared with the load generator, 2x a ~1,600/s knee
  // saturates the generator itself. Measured (2026-12-02, knee 1,630/s): in the first 5 s at 3,260/s
  // the tasks posted 1,250-1,650 payments/s while the generator saw 25-900 ok/s with 2,700-3,400
  // requests in flight: the answers waited in the generator, and its own lag counts as latency
  // (refused p99 951 ms, accepted p99 1,111 ms; goodput 2,031/s >= 90% of the knee). See README.
  suites: ['capacity'],
  topology: { instances_per_az: 1 },
  // Replaced by the knee-relative stages at run time; kept so the profile validates and documents.
  load: { stages: [{ duration_s: 30, rate_per_s: 2_000 }, { duration_s: 15, rate_per_s: 500 }], warmup_s: 0, mix: PAYMENTS_ONLY, timeout_ms: 5_000 },
  overload: {
    knee_search: { warmup_s: 10, from_rate_per_s: 200, to_rate_per_s: 2_400, duration_s: 30 },
    cooldown_s: 5,
    overload_multiple: 2, overload_s: 30,
    after_multiple: 0.5, after_s: 15,
    recovery_within_s: 5,
    goodput_share_min: 0.9, refused_p99_ms_max: 50, accepted_p99_ms_max: 200,
  },
  invariants: ['ledger'],
  gates: [{ metric: 'dropped', op: '<=', threshold: 0 }],
};
