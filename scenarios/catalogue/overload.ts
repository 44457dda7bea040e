import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const overload: Scenario = {
  name: 'overload',
  description: 'Overload without collapse: after 10 s at 200/s (sessions cached), a 30 s ramp finds the knee (the best 3 consecutive seconds of goodput that kept p99 < 200 ms and errors < 0.1%, judged by the slowest), then 2x the knee is offered for 30 s, then 50% of it for 15 s. Gates: goodput during the overload >= 90% of the knee; refused requests answered in < 50 ms (p99); accepted payments p99 < 200 ms; 5 s after the drop every second has p99 < 200 ms and no errors; the ledger holds across all of it.',
  // Not in the gate suite: on this 2-core machine its two latency gates fail. Measured 2026-12-02,
  // generator at nice -10, 4 runs (one with HAProxy reniced to -10 too): knee 1,557-2,217/s. At 2x
  // the system does not collapse: the tasks posted 1,090-2,380 payments/s throughout, the ALB
  // refused the excess (503 queue-full; the service shed nothing), goodput held (1,533-1,997/s,
  // >= 90% of the knee in every run), and 5 s after the drop p99 was 88-153 ms with no errors (one
  // run 273 ms). But refused p99 378-1,955 ms and accepted p99 763-2,513 ms, against 50 and 200.
  // Not the generator's CPU (0.47-0.48 cores over the run), nor HAProxy's (reniced: 490 / 876 ms).
  // Accepted payments wait in the ALB queue (512: ~250 ms at 2,000/s, sized so the baseline rides
  // out 300 ms stalls, see alb-config.ts); with 700-1,900 in flight, refused ones wait in the
  // generator for one of its 1,024 connections (4,000 connections was worse: a connect storm,
  // 2,958 dropped). Passing needs admission that adapts: a short queue under sustained overload,
  // a long one for a transient stall (CoDel-like).
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
