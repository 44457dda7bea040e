import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';
import { PLATFORM_SLO_GATES } from './gates.js';

export const baseline1kTps: Scenario = {
  name: 'baseline-1k-tps',
  description: '60 s of 1,000 payments/s through the ALB after a 15 s ramp, on the default two-AZ topology with a synchronous standby. Gates: p99 < 200 ms, errors < 0.1%, >= 990/s achieved, no dropped sends; ledger rules 1-5 after.',
  suites: ['gate'],
  topology: { instances_per_az: 1, replication: 'synchronous' },
  load: {
    stages: [{ duration_s: 15, from_rate_per_s: 100, to_rate_per_s: 1_000 }, { duration_s: 60, rate_per_s: 1_000 }],
    warmup_s: 15, mix: PAYMENTS_ONLY, hot_share: 0.1, hot_accounts: 5,
  },
  invariants: ['ledger'],
  gates: PLATFORM_SLO_GATES,
};
