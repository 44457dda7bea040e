import { describe, expect, it } from 'vitest';
import { albFrom } from './cli-up.js';
import { UsageError } from './cli-usage.js';

describe('testbed up --alb', () => {
  it('takes the ALB tuning a scenario topology takes', () => {
    expect(albFrom(undefined)).toBeUndefined();
    expect(albFrom('{"queue_requests_max":128,"overload_queue_wait_ms":0}')).toEqual({ queue_requests_max: 128, overload_queue_wait_ms: 0 });
  });

  it('says which field is wrong and why, and refuses what is not JSON or not a setting', () => {
    expect(() => albFrom('{"queue_requests_max":0}')).toThrow(UsageError);
    expect(() => albFrom('{"queue_requests_max":0}')).toThrow(/--alb: queue_requests_max: .*>=1/);
    expect(() => albFrom('{"listen_port":80}')).toThrow(/--alb: .*listen_port/);
    expect(() => albFrom('{queue: 1}')).toThrow(/--alb: not JSON/);
  });
});
