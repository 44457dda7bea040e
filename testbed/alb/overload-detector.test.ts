import { describe, expect, it } from 'vitest';
import { CUT_QUEUE_MIN, OverloadDetector, RESTORE_WINDOW_MS, STANDING_MS, type OverloadState } from './overload-detector.js';

const TICK_MS = 50;
const limits = { queue_requests_max: 512, overload_queue_wait_ms: 50 };

interface Clock { t_ms: number; arrived: number; served: number; queued: number }
const start = (): Clock => ({ t_ms: 0, arrived: 0, served: 0, queued: 0 });

/**
 * Feeds `seconds` of traffic: arrivals at one rate, the targets able to take another; the queue in
 * between holds what arrived and was not served, up to the bound the detector last put in force.
 */
function drive(d: OverloadDetector, clock: Clock, seconds: number, arrive_per_s: number, serve_per_s: number): OverloadState[] {
  const out: OverloadState[] = [];
  for (let i = 0; i < (seconds * 1000) / TICK_MS; i++) {
    const arriving = (arrive_per_s * TICK_MS) / 1000;
    const served = Math.min(clock.queued + arriving, (serve_per_s * TICK_MS) / 1000);
    clock.t_ms += TICK_MS;
    clock.arrived += arriving;
    clock.served += served;
    clock.queued = Math.min(d.current.queue_requests_max, clock.queued + arriving - served);
    out.push(d.observe({ t_ms: clock.t_ms, arrived_total: clock.arrived, served_total: clock.served, queued: clock.queued }));
  }
  return out;
}

describe('OverloadDetector', () => {
  it('keeps the long queue through a stall: the targets stop, the offered load does not grow', () => {
    const d = new OverloadDetector(limits);
    const clock = start();
    drive(d, clock, 5, 1_000, 1_000);
    const stalled = drive(d, clock, 0.4, 1_000, 0); // a 400 ms stall: nothing served, 400 queued
    expect(clock.queued).toBe(400);
    const draining = drive(d, clock, 1, 1_000, 1_600); // then the backlog drains
    expect(clock.queued).toBe(0);
    for (const s of [...stalled, ...draining]) expect(s).toMatchObject({ overloaded: false, queue_requests_max: 512 });
  });

  it('cuts a queue that stands for STANDING_MS although the offered load only matches capacity (waiting grows, nothing else)', () => {
    const d = new OverloadDetector(limits);
    const clock = start();
    drive(d, clock, 5, 2_000, 2_000);
    drive(d, clock, 0.3, 2_000, 0); // a stall leaves 600 waiting (512 kept, the rest refused)...
    const after = drive(d, clock, 3, 2_000, 2_000); // ...and a load that only matches capacity never drains them
    const cutAt_ms = after.findIndex((s) => s.overloaded) * TICK_MS;
    expect(cutAt_ms).toBeGreaterThanOrEqual(STANDING_MS - 300 - TICK_MS);
    expect(cutAt_ms).toBeLessThanOrEqual(STANDING_MS);
    expect(after.at(-1)).toMatchObject({ overloaded: true, reason: 'standing_queue', queue_requests_max: 100 });
  });

  it('cuts the queue to what drains in overload_queue_wait_ms once the offered load exceeds capacity, and restores it when the load falls', () => {
    const d = new OverloadDetector(limits);
    const clock = start();
    drive(d, clock, 5, 1_000, 1_000);
    const over = drive(d, clock, 5, 4_000, 2_000);
    const firstCut = over.findIndex((s) => s.overloaded);
    // Detected within the arrival window (200 ms), not after a whole second of queueing.
    expect(firstCut * TICK_MS).toBeLessThanOrEqual(250);
    expect(over.at(-1)).toMatchObject({ overloaded: true, reason: 'arrivals', capacity_per_s: 2_000, queue_requests_max: 100 }); // 2,000/s x 50 ms
    // Restored once the queue has stayed nearly empty for RESTORE_WINDOW_MS, not at the first lull.
    const after = drive(d, clock, 1.5, 1_000, 2_000);
    const restoredAt_ms = after.findIndex((x) => !x.overloaded) * TICK_MS;
    expect(restoredAt_ms).toBeGreaterThanOrEqual(RESTORE_WINDOW_MS);
    expect(restoredAt_ms).toBeLessThanOrEqual(RESTORE_WINDOW_MS + 2 * TICK_MS);
    expect(after.at(-1)).toMatchObject({ overloaded: false, queue_requests_max: 512 });
  });

  it('does not take a load ramping up from idle for an overload: it outruns the capacity shown so far, but nothing waits', () => {
    const d = new OverloadDetector(limits);
    const clock = start();
    drive(d, clock, 2, 5, 5); // idle but for a probe
    const ramp = [100, 200, 400, 700, 1_000, 1_000, 1_000].flatMap((rate) => drive(d, clock, 1, rate, 2_000));
    expect(ramp.filter((x) => x.overloaded)).toEqual([]);
  });

  it('restores the long queue under a steady load near capacity once the overload is over (a stall after it must be ridden out)', () => {
    const d = new OverloadDetector(limits);
    const clock = start();
    drive(d, clock, 3, 1_000, 1_100);
    drive(d, clock, 2, 3_000, 1_100); // overload: cut
    expect(d.current.overloaded).toBe(true);
    expect(drive(d, clock, 3, 1_000, 1_100).at(-1)).toMatchObject({ overloaded: false, queue_requests_max: 512 });
    const stall = drive(d, clock, 0.3, 1_000, 0);
    expect(stall.every((x) => !x.overloaded)).toBe(true);
  });

  it('keeps CUT_QUEUE_MIN ready however low the capacity, and never cuts with overload_queue_wait_ms 0', () => {
    const low = new OverloadDetector(limits);
    const clock = start();
    drive(low, clock, 2, 50, 50);
    expect(drive(low, clock, 1, 500, 50).at(-1)).toMatchObject({ overloaded: true, queue_requests_max: CUT_QUEUE_MIN });
    const off = new OverloadDetector({ ...limits, overload_queue_wait_ms: 0 });
    const c2 = start();
    drive(off, c2, 2, 1_000, 1_000);
    expect(drive(off, c2, 2, 4_000, 1_000).every((s) => !s.overloaded && s.queue_requests_max === 512)).toBe(true);
  });

  it('forgets a capacity it has not shown for CAPACITY_MEMORY_MS (a task was lost)', () => {
    const d = new OverloadDetector(limits);
    const clock = start();
    drive(d, clock, 3, 2_000, 2_000);
    // Within the memory 1,500/s offered is under the 2,000/s shown: only the queue it builds is judged.
    expect(drive(d, clock, 5, 1_500, 1_000).every((s) => s.reason !== 'arrivals')).toBe(true);
    expect(drive(d, clock, 6, 1_500, 1_000).at(-1)).toMatchObject({ overloaded: true, reason: 'arrivals', capacity_per_s: 1_000 });
  });

  it('refuses samples that go back in time or counters that shrink (a restarted data plane must start a new detector)', () => {
    const d = new OverloadDetector(limits);
    d.observe({ t_ms: 100, arrived_total: 10, served_total: 10, queued: 0 });
    expect(() => d.observe({ t_ms: 100, arrived_total: 11, served_total: 11, queued: 0 })).toThrow(/forward in time/);
    expect(() => d.observe({ t_ms: 200, arrived_total: 5, served_total: 11, queued: 0 })).toThrow(/must not go back/);
  });
});
