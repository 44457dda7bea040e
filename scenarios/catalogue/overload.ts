import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const overload: Scenario = {
  name: 'overload',
  description: 'Overload without collapse, with the load generator on a CPU of its own and the system under test on the rest: after 10 s at 200/s (sessions cached), a ramp toward 10,000/s that stops once 3 seconds in a row miss p99 < 200 ms or errors < 0.1% finds the knee (the best 3 consecutive seconds of goodput that kept both, judged by the slowest; a run may step over one lone slow second, the stall the search rides out too; no such run at all fails the gate), then 2x the knee is offered for 30 s, then 50% of it for 15 s. Gates: the search broke below its top; at least 10% of what 2x offered was refused (else the knee was below capacity and nothing was overloaded); goodput during the overload >= 90% of the knee; refused requests answered in < 50 ms (p99); accepted payments p99 < 200 ms; 5 s after the drop every second has p99 < 200 ms and no errors; the ledger holds across all of it.',
  // The load generator runs on a CPU of its own (load.generator_cpus, testbed/cpu-split.ts), the
  // system under test (ALB included) on the rest: 1 of 2 cores here. Why: co-located, every request
  // offered costs the generator CPU the system needs, so its capacity fell as the offered load rose,
  // and the gate measured the generator as much as the system. Goodput at 2x was about
  // knee x (1 - knee x (g + h_r) / 2 cores), g ~60 us per request for the generator, h_r ~20-26 us
  // per refusal for HAProxy: 4 of 5 passed on 2026-12-03 (the failure at a 3,058/s knee, 89.2%).
  // Measured 2026-12-03 on a 2-core Intel Xeon (calibration 1,949-2,059 TPS, the fast end of the
  // class), with the split, 8 runs: PASS 8 of 8; knee 2,732-3,548/s on the system's one core;
  // goodput at 2x 94-111% of the knee; refused p99 6-12 ms; accepted p99 119-140 ms; 5 s after the
  // drop 47-148 ms, no errors. Shared on the same machine, same hour: knee 4,365/s, goodput 100%,
  // refused p99 18 ms. The refusals still cost the system's CPU (HAProxy's), so a machine whose
  // one core reaches a much higher knee would see goodput nearer 90%: the lowest share, 94%, came
  // with the highest knee, 3,548/s.
  // Tried and rejected: the ALB and the fault proxy on the generator's CPU (2 runs: refused p99
  // 118-129 ms, that CPU saturated at 7,000/s offered).
  suites: ['gate', 'capacity'],
  topology: { instances_per_az: 1 },
  // Replaced by the knee-relative stages at run time; kept so the profile validates and documents.
  load: { stages: [{ duration_s: 30, rate_per_s: 2_000 }, { duration_s: 15, rate_per_s: 500 }], warmup_s: 0, mix: PAYMENTS_ONLY, timeout_ms: 5_000, generator_cpus: 1 },
  overload: {
    knee_search: { warmup_s: 10, from_rate_per_s: 200, to_rate_per_s: 10_000, duration_s: 60 },
    cooldown_s: 5,
    overload_multiple: 2, overload_s: 30,
    after_multiple: 0.5, after_s: 15,
    recovery_within_s: 5,
    goodput_share_min: 0.9, refused_share_min: 0.1, refused_p99_ms_max: 50, accepted_p99_ms_max: 200,
  },
  invariants: ['ledger'],
  gates: [{ metric: 'dropped', op: '<=', threshold: 0 }],
};
