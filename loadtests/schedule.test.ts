import { describe, expect, it } from 'vitest';
import { arrivals, validateStages } from './schedule.js';

describe('arrival schedule', () => {
  it('spaces a constant rate evenly', () => {
    const times = [...arrivals([{ duration_s: 1, rate_per_s: 100 }])];
    expect(times).toHaveLength(100);
    expect(times[1]! - times[0]!).toBeCloseTo(10, 6);
    expect(times.at(-1)!).toBeLessThan(1000);
  });

  it('ramps linearly: a 0->200/s ramp over 2 s sends about 200', () => {
    const n = [...arrivals([{ duration_s: 2, from_rate_per_s: 0, to_rate_per_s: 200 }])].length;
    expect(n).toBeGreaterThan(190);
    expect(n).toBeLessThan(210);
  });

  it('chains stages on one clock', () => {
    const times = [...arrivals([{ duration_s: 1, rate_per_s: 10 }, { duration_s: 1, rate_per_s: 20 }])];
    expect(times).toHaveLength(30);
    expect(times.filter((t) => t >= 1000)).toHaveLength(20);
  });

  it('refuses empty, negative and absurd profiles', () => {
    expect(() => validateStages([])).toThrow(/at least one stage/);
    expect(() => validateStages([{ duration_s: 0, rate_per_s: 1 }])).toThrow(/duration_s/);
    expect(() => validateStages([{ duration_s: 1, rate_per_s: -1 }])).toThrow(/rates/);
    expect(() => validateStages([{ duration_s: 1, rate_per_s: 1e9 }])).toThrow(/rates/);
  });
});
