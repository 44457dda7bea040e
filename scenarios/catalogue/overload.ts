import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';

export const overload: Scenario = {
  name: 'overload',
  description: 'Overload without collapse: after 10 s at 200/s (sessions cached), a ramp toward 10,000/s that stops once 2 seconds in a row miss p99 < 200 ms or errors < 0.1% finds the knee (the best 3 consecutive seconds of goodput that kept both, judged by the slowest), then 2x the knee is offered for 30 s, then 50% of it for 15 s. Gates: the search broke below its top; goodput during the overload >= 90% of the knee; refused requests answered in < 50 ms (p99); accepted payments p99 < 200 ms; 5 s after the drop every second has p99 < 200 ms and no errors; the ledger holds across all of it.',
  // Not in the gate suite: 2 of the 4 runs with the code of 559964a passed, which is no gate. Measured 2026-12-03,
  // slow 2-core AMD EPYC (calibration 1,637-2,033 TPS):
  // - Two fixes that day. The old ramp ended at 2,400/s, and its "knee" (2,217/s) was the ramp's top
  //   in 9 of the 13 runs below: the system served 3,100-3,900/s during the 2x overload. The search now
  //   ramps until it breaks. And the generator's raised priority had done nothing: with autogroups on
  //   (loadtests/session-autogroup.ts) the thread's nice -10 weighed nothing against the testbed's
  //   detached processes, and the generator waited 0.4-0.5 s of every second for a CPU.
  // - 3 runs in a row at 559964a: knee 3,222, 2,895 and 4,365/s (the search broke at 3,875, 3,548,
  //   5,018). The first two PASSED: goodput 106% and 102% of the knee, refused p99 37 and 40 ms,
  //   accepted 171 and 188 ms, after the drop 68 and 59 ms, no errors. The third failed: at 8,730/s
  //   offered, goodput was 2,763/s (63%), refused p99 177 ms, accepted 279 ms. One run just before,
  //   same code uncommitted: knee 3,385/s, refused 46 ms, accepted 234 ms, goodput 84%: failed.
  // - Why the third fails: the co-located generator and ALB pay for every request offered, refused or
  //   not. The generator costs ~95 us of CPU per request (75 user, 19-21 sys; bare undici is ~58), and
  //   HAProxy 20-26 us per refusal, measured against an always-503 HAProxy. Goodput at 2x is at most
  //   knee x (1 - (g + h_refused) / (g + h_accepted + service)). That was 82-88% at a ~3,200/s knee and
  //   the runs agreed, and less at a higher knee, where the service spends less per payment. At 8,730/s
  //   the generator alone needs ~0.8 of the 2 cores. Holding 90% at 2x needs a generator at <= ~45 us
  //   per request, or a generator on another machine.
  // - Same day, before the autogroup fix, knee from the new search (3 runs): refused p99 161-238 ms,
  //   accepted 274-331 ms, goodput 82-94%.
  // Earlier, 2026-12-02, slow 2-core AMD EPYC, with the ALB's overload cut (testbed/alb/overload-detector.ts)
  // and the generator's connections opened before the overload (loadtests/connection-warmup.ts):
  // - Final code, 2 runs: knee 2,070-2,217/s; goodput at 2x 2,353-2,748/s (114-124% of the knee);
  //   refused p99 72 and 215 ms (gate 50); accepted p99 178 and 269 ms (gate 200); 5 s after the
  //   drop p99 58-72 ms, no errors. The ALB cut its queue 0.2 s into the overload (177-268 queued)
  //   and restored it 1.1 s after the drop.
  // - Per second, refused p99 is 11-60 ms and accepted 90-200 ms in most seconds; the gates fail on
  //   a few seconds where both are slow at once (e.g. 287/167 and 361/247 ms at t = 22-23 s), which
  //   is the machine, not the ALB's queue: refused requests never enter it. They line up with
  //   autovacuum of the payment tables and of template1 (writer's log), on a CPU already 1-9% idle.
  // - Before the cut (512-deep queue, 4 runs): refused p99 378-1,955 ms, accepted 763-2,513 ms.
  // - The knee search ends at 2,400/s and the knee often is its top (2,217/s): goodput at 2x shows
  //   the real capacity is higher. A longer ramp would offer 2x of more, mostly to the generator
  //   and HAProxy (0.13 ms of CPU per request each here).
  // - 2026-12-02 night, same machine kind, 13 runs (4d4d23d, edde10b and four variants): refused p99
  //   197-990 ms, accepted 261-1,135 ms. The runs are bistable. In a good one the generator holds
  //   200-350 requests in flight and accepted + refused keep up with the 4,434/s offered. In 4 of 13
  //   it held 2,200-3,900 for 10-30 s: accepted + refused were 1,000-3,800/s, the excess waited in
  //   the generator's 1,024 connections, and refused and accepted were both slow. Most other runs
  //   passed through that state for 1-5 s at the start (1,200-2,200 in flight; the ALB cut at
  //   +0.2-0.8 s with 336-512 already queued); one fell into it again at t = 21 s.
  //   CPU at 2x (top, 1 s samples): runner and generator 46-69% of a core, each task 21-28%, each
  //   writer backend 17-24%, HAProxy 17-20%, standby 6-8%. Tried and dropped (2 runs each, no
  //   better): HAProxy at nice -10; the ALB control plane at nice -10; HAProxy with 2 threads (the
  //   knee fell to 1,630-1,703/s); the cooldown at 0.5x the knee instead of idle.
  //   Autovacuum's burst was mostly ANALYZE (0.49 of 0.55 s CPU); migration 007 cut its largest part.
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
