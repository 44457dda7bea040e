import { describe, expect, it } from 'vitest';
import { measureHttpServerFloor } from './http-server-floor.js';

describe('the bare node:http reference', () => {
  it('serves every payment-shaped POST and charges the server its own CPU per request', async () => {
    const floor = await measureHttpServerFloor(200, 2);
    expect(floor.requests).toBe(400); // every request answered 201: the server read and parsed each body
    // Node spends tens of microseconds or more per request; ten ms ticks over 400 requests still see it.
    expect(floor.server_cpu_ms_per_request).toBeGreaterThan(0);
    expect(floor.server_cpu_ms_per_request).toBeLessThan(5);
  });

  it('refuses a run too short to measure', async () => {
    await expect(measureHttpServerFloor(200, 1)).rejects.toThrow(/duration_s >= 2/);
  });
});
