import { describe, expect, it } from 'vitest';
import { datapoint, P99_THRESHOLDS_MS, type AlarmSettings } from './deployment-alarms.js';
import { DEPLOYMENT_POLICY } from './deployment-policy.js';

const s: AlarmSettings = { ...DEPLOYMENT_POLICY.alarms, period_s: 1 };
const at = (requests: number, errors_5xx: number, timed: number, slow: number) => ({ requests, errors_5xx, timed, slow });

describe('deployment alarm datapoints', () => {
  it('breaches on a 5xx rate above 1%, and on p99 above 200 ms (over 1% of requests slower)', () => {
    expect(datapoint(at(0, 0, 0, 0), at(100, 2, 100, 0), s).breaching).toEqual(['5xx rate']);
    expect(datapoint(at(0, 0, 0, 0), at(100, 1, 100, 1), s).breaching).toEqual([]); // exactly 1% is not above
    expect(datapoint(at(0, 0, 0, 0), at(100, 0, 100, 2), s).breaching).toEqual(['p99 > 200 ms']);
  });

  it('a p99 of fewer than p99_samples_min requests is missing data (it would be their maximum)', () => {
    expect(datapoint(at(0, 0, 0, 0), at(43, 0, 43, 1), s).breaching).toEqual([]);
    expect(datapoint(at(0, 0, 0, 0), at(100, 0, 100, 2), s).breaching).toEqual(['p99 > 200 ms']);
  });

  it('p99: the new version must also be slower than the old one (a whole-system slowdown is not its fault)', () => {
    expect(datapoint(at(0, 0, 0, 0), at(116, 0, 116, 16), s, 0.14).breaching).toEqual([]); // both ~14% slow
    expect(datapoint(at(0, 0, 0, 0), at(116, 0, 116, 16), s, 0.05).breaching).toEqual(['p99 > 200 ms']);
  });

  it('treats too few requests as missing data, which does not breach', () => {
    expect(datapoint(at(50, 5, 50, 5), at(59, 14, 59, 14), s).breaching).toEqual([]);
  });

  it('never counts below zero when a task left with its counters', () => {
    expect(datapoint(at(500, 10, 500, 10), at(100, 0, 100, 0), s)).toMatchObject({ requests: 0, errors_5xx: 0, breaching: [] });
  });

  it('takes only a latency threshold the service histogram has a bucket for', () => {
    expect(P99_THRESHOLDS_MS).toContain(200);
    expect(P99_THRESHOLDS_MS).not.toContain(150);
  });
});
