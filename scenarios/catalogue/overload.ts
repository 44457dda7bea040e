import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const overload: Scenario = {
  name: 'overload',
  description: 'Overload without collapse: after 10 s at 200/s (sessions cached), a ramp toward 10,000/s that stops once 2 seconds in a row miss p99 < 200 ms or errors < 0.1% finds the knee (the best 3 consecutive seconds of goodput that kept both, judged by the slowest), then 2x the knee is offered for 30 s, then 50% of it for 15 s. Gates: the search broke below its top; goodput during the overload >= 90% of the knee; refused requests answered in < 50 ms (p99); accepted payments p99 < 200 ms; 5 s after the drop every second has p99 < 200 ms and no errors; the ledger holds across all of it.',
  // Not in the gate suite: on process tasks it passes 4 of 5, not the 10 of 10 a gate needs, and
  // it fails at high knees and with the image's tasks. Measured 2026-12-03, slow 2-core AMD EPYC (calibration 1,000-2,000 TPS):
  // - With the generator's own HTTP client (loadtests/http1-pool.ts; whole generator 83-86 us of CPU
  //   per request against 117-156 with undici, same run), 4 of 5 runs PASSED every gate: knee
  //   2,732, 1,915, 2,568 and 2,732/s; goodput at 2x 110-140% of the knee; refused p99 19-39 ms;
  //   accepted p99 139-185 ms; 5 s after the drop 68-115 ms, no errors. The failure: knee 3,058/s,
  //   goodput 89.2%, accepted p99 201 ms. With the tasks as containers of the image, 1 run: knee
  //   3,385/s, goodput 73%, accepted p99 217 ms.
  // - Why a high knee fails: co-located, the generator and the ALB pay for every request offered,
  //   refused or not: generator g us per request, HAProxy h_r ~20-26 us per refusal. Goodput at 2x
  //   is about knee x (1 - knee x (g + h_r) / 2 cores): at g = 60 that is ~86% at a 3,400/s knee and
  //   ~89% at 2,700/s; the knee search's knee is conservative (goodput at 2x exceeded it in every
  //   passing run), which is what carries the passes. With undici (g ~95) 2 of 5 passed; one at
  //   8,730/s offered got 63%. A generator on another machine removes the term.
  // - Before that day's fixes: the ramp topped out at 2,400/s and its "knee" was the ramp's top in 9
  //   of 13 runs; and the generator's nice -10 did nothing against the testbed's detached processes
  //   (autogroups, loadtests/session-autogroup.ts). Before the ALB's overload cut
  //   (testbed/alb/overload-detector.ts), refused requests waited in a 512-deep queue: p99 378-1,955 ms.
  //   The day-by-day record is in the README.
  suites: ['capacity'],
  topology: { instances_per_az: 1 },
  // Replaced by the knee-relative stages at run time; kept so the profile validates and documents.
  load: { stages: [{ duration_s: 30, rate_per_s: 2_000 }, { duration_s: 15, rate_per_s: 500 }], warmup_s: 0, mix: PAYMENTS_ONLY, timeout_ms: 5_000 },
  overload: {
    knee_search: { warmup_s: 10, from_rate_per_s: 200, to_rate_per_s: 10_000, duration_s: 60 },
    cooldown_s: 5,
    overload_multiple: 2, overload_s: 30,
    after_multiple: 0.5, after_s: 15,
    recovery_within_s: 5,
    goodput_share_min: 0.9, refused_p99_ms_max: 50, accepted_p99_ms_max: 200,
  },
  invariants: ['ledger'],
  gates: [{ metric: 'dropped', op: '<=', threshold: 0 }],
};
