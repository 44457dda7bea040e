// The catalogue's chaos scenarios with compressed timelines and lower rates, so CI can afford them
// (chaos-scenarios.test.ts on the local provider, containers-provider.test.ts on containers).
import type { Scenario } from '../scenario.js';
import { azLoss } from './az-loss.js';

export function compressedAzLoss(): Scenario {
  return {
    ...azLoss,
    topology: { ...azLoss.topology, seed: { customers: 200 } },
    // The outage costs ~1.5 s of requests (502s before the ALB notices, the frozen writer, shed
    // backlog): 8-12% of an 18 s window, flaky against the 10% gate. A 30 s window keeps the
    // gate meaningful (~5% expected) without loosening it.
    load: { ...azLoss.load, stages: [{ duration_s: 4, from_rate_per_s: 50, to_rate_per_s: 200 }, { duration_s: 30, rate_per_s: 200 }], warmup_s: 4 },
    timeline: [{ at_s: 7, label: 'AZ a power interruption', action: { kind: 'az_power_interruption', az: 'a', duration_s: 8 } }],
    // The steady-state probe and the recovery objective are judged by `npm run gate` on a quiet
    // machine; here, next to other test files on two cores, a 2 s probe's p99 is noise.
    steady_state: undefined, recovery_within_s: undefined,
  };
}

/** Three expiries of the hot key in 12 s at 500 reads/s. */
export function compressedCacheStampede(s: Scenario): Scenario {
  return {
    ...s,
    topology: { ...s.topology, seed: { customers: 50 } },
    load: { ...s.load, stages: [{ duration_s: 3, from_rate_per_s: 100, to_rate_per_s: 500 }, { duration_s: 12, rate_per_s: 500 }], warmup_s: 3 },
    timeline: [s.timeline![0]!, ...[6, 9, 12].map((at_s) => ({ at_s, label: 'hot key expires', action: { kind: 'delete_cache_keys' as const, keys: ['summary:cust_000001'] } }))],
  };
}

/** Database loads per expiry of the hot key, as the scenario's gate measured them. */
export const loadsPerExpiry = (r: { gates: { metric: string; measured: number }[] }) => r.gates.find((g) => g.metric.startsWith('cache_loads_total'))!.measured;
