import { describe, expect, it } from 'vitest';
import { compareToBaseline, evaluateGates, toBaseline } from './gates.js';
import type { LoadResult } from './open-model.js';

const lat = (p99: number) => ({ count: 100, mean_ms: 5, p50_ms: 4, p90_ms: 8, p95_ms: 9, p99_ms: p99, p999_ms: p99, max_ms: p99 });
const result = (o: Partial<LoadResult> = {}): LoadResult => ({
  duration_s: 60, measure_from_s: 0, scheduled: 60_000, sent: 60_000, completed: 60_000, dropped: 0, late: 0,
  achieved_rate_per_s: 1000, goodput_per_s: 1000, offered_rate_per_s: 1000, ok: 60_000, errors: 0, error_rate: 0, status_counts: {}, code_counts: {},
  latency: lat(150), latency_by_op: { payment: lat(180) }, histogram: '', windows: [], history: [], generator_nice: -10, generator_autogroup_nice: -10, generator_cores: 0.2, ...o,
});

describe('gates', () => {
  it('pass and fail on the measured value with the operator given', () => {
    const [p99, errors, tput] = evaluateGates(result({ error_rate: 0.002 }), [
      { metric: 'latency_p99_ms', op: '<', threshold: 200 },
      { metric: 'error_rate', op: '<', threshold: 0.001 },
      { metric: 'throughput_per_s', op: '>=', threshold: 1000 },
    ]);
    expect([p99!.pass, errors!.pass, tput!.pass]).toEqual([true, false, true]);
    expect(p99!.name).toBe('latency_p99_ms < 200');
  });

  it('throughput is goodput: requests answered 503 in time do not count', () => {
    // 70% shed: every request completed (1,000/s), but only 300/s succeeded.
    const shed = result({ achieved_rate_per_s: 1000, goodput_per_s: 300, ok: 18_000, errors: 42_000, error_rate: 0.7 });
    const [tput] = evaluateGates(shed, [{ metric: 'throughput_per_s', op: '>=', threshold: 990 }]);
    expect([tput!.measured, tput!.pass]).toEqual([300, false]);
  });

  it('gate on one request kind', () => {
    const [g] = evaluateGates(result(), [{ metric: 'latency_p99_ms', op: '<', threshold: 170, request_op: 'payment' }]);
    expect([g!.measured, g!.pass]).toEqual([180, false]);
  });

  it('a gate with no data fails rather than passing', () => {
    const [g] = evaluateGates(result(), [{ metric: 'latency_p99_ms', op: '<', threshold: 200, request_op: 'summary' }]);
    expect(g!.pass).toBe(false);
  });

  it('baseline compare fails a regression beyond the allowance, both directions of better', () => {
    const base = toBaseline('s', evaluateGates(result(), [{ metric: 'latency_p99_ms', op: '<', threshold: 200 }, { metric: 'throughput_per_s', op: '>=', threshold: 900 }]));
    const now = evaluateGates(result({ latency: lat(180), goodput_per_s: 950 }), [{ metric: 'latency_p99_ms', op: '<', threshold: 200 }, { metric: 'throughput_per_s', op: '>=', threshold: 900 }]);
    const [p99, tput] = compareToBaseline(now, base, 10);
    expect(p99).toMatchObject({ baseline: 150, delta_pct: 20, pass: false });
    expect(tput).toMatchObject({ baseline: 1000, delta_pct: -5, pass: true });
  });
});
