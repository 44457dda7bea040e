import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Stage } from '../../loadtests/schedule.js';
import type { Scenario } from '../scenario.js';

const STEP_S = 15;
const RATES = [400, 600, 800, 1_000, 1_200, 1_400, 1_600, 1_800, 2_000];

export const capacity: Scenario = {
  name: 'capacity',
  description: `Steps payments/s through ${RATES.join(', ')} (${STEP_S} s each) and reports the knee: the highest step whose every second kept p99 < 200 ms and errors < 0.1%.`,
  suites: ['capacity'],
  topology: { instances_per_az: 1 },
  load: {
    stages: [{ duration_s: 5, rate_per_s: 200 }, ...RATES.map((r): Stage => ({ duration_s: STEP_S, rate_per_s: r }))],
    warmup_s: 5, mix: PAYMENTS_ONLY, timeout_ms: 5_000,
  },
  analysis: 'knee',
  invariants: ['ledger'],
  gates: [], // informational: the knee is the result; the ledger must still hold under overload
};
