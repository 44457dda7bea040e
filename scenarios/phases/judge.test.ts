import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../chaos/timeline.js';
import type { LoadResult } from '../../loadtests/open-model.js';
import { azLossFailback } from '../catalogue/az-loss-failback.js';
import { gate } from './judge.js';
import type { Loaded } from './load.js';

// Two zone losses (10 s and 25 s), a fail-back between them; each outage spoils three seconds.
const bad = new Set([10, 11, 12, 25, 26, 27]);
const windows = Array.from({ length: 40 }, (_, t) => ({ t_s: t, sent: 100, ok: bad.has(t) ? 50 : 100, errors: bad.has(t) ? 50 : 0, p50_ms: 5, p99_ms: bad.has(t) ? 900 : 40 }));
const step = (kind: string, at_s: number, label: string): StepResult => ({ at_s, kind, label, started_ms: at_s * 1000, ended_ms: at_s * 1000 + 5_000, ok: true });
const loaded = {
  load: { windows, latency: { p99_ms: 900 }, latency_by_op: {}, error_rate: 0.02, goodput_per_s: 95, dropped: 0, scheduled: 4000, late: 0 } as unknown as LoadResult,
  timeline: [step('az_power_interruption', 10, 'AZ a'), step('restore_redundancy', 18, 'fail back'), step('az_power_interruption', 25, 'AZ b')],
  metrics_before: [],
} as unknown as Loaded;

describe('judge: recovery after each fault', () => {
  it('judges each fault only until the next one, and the report shows the same figure as the gate', async () => {
    const g = await gate(undefined as never, { ...azLossFailback, gates: [], recovery_within_s: 20 }, loaded);
    const recovery = g.gates.filter((x) => x.metric === 'p99_recovered_after_s');
    expect(recovery.map((x) => [x.name, x.measured])).toEqual([
      ['p99 recovered within 20 s of the fault (AZ a)', 3],
      ['p99 recovered within 20 s of the fault (AZ b)', 3],
    ]);
    // Not 18 s: the second outage is not the first one's recovery.
    expect(g.recovery!.p99_recovered_after_s).toBe(3);
  });
});
