import type { AlbConfig } from './alb-config.js';
import type { HaproxyDataPlane } from './haproxy-data-plane.js';
import { OverloadDetector, type OverloadState } from './overload-detector.js';

/** How often the data plane's counters are read: a 2x overload fills ~100 queue slots per tick at 2,000/s. */
export const OVERLOAD_TICK_MS = 50;
/** Cuts and restores remembered for the report; the oldest go first. */
const CHANGES_MAX = 1_000;

/** A cut or a restore, with the wall-clock time it was decided. */
export type OverloadChange = OverloadState & { at: string; queued: number };

/**
 * Reads HAProxy's counters every tick, judges them (OverloadDetector) and puts the queue bound it
 * decides in force. A failed read or write is logged once per streak and retried next tick: the
 * bound then stays what it was, which is the configured one unless an overload was in progress.
 */
export function watchOverload(plane: HaproxyDataPlane, config: AlbConfig, log: (o: object) => void): { readonly current: OverloadState; readonly changes: OverloadChange[]; stop(): void } {
  const changes: OverloadChange[] = [];
  let detector = new OverloadDetector(config);
  let arrivedBefore = 0;
  let applied = config.queue_requests_max;
  let failing = false;
  let busy = false;
  const tick = async () => {
    if (busy) return; // a slow answer on a saturated machine: skip rather than pile up reads
    busy = true;
    try {
      const t = await plane.traffic();
      if (t.arrived_total < arrivedBefore) detector = new OverloadDetector(config); // HAProxy restarted: counters begin again
      arrivedBefore = t.arrived_total;
      const was = detector.current.overloaded;
      const s = detector.observe({ t_ms: performance.now(), arrived_total: t.arrived_total, served_total: t.served, queued: t.queued });
      if (s.queue_requests_max !== applied) { await plane.setQueueMax(s.queue_requests_max); applied = s.queue_requests_max; }
      if (s.overloaded !== was) {
        const change = { at: new Date().toISOString(), ...s, queued: t.queued };
        changes.push(change);
        if (changes.length > CHANGES_MAX) changes.shift();
        log({ msg: s.overloaded ? 'overload: queue cut' : 'overload over: queue restored', ...change });
      }
      failing = false;
    } catch (err) {
      if (!failing) log({ msg: 'overload watch: haproxy read failed', error: (err as Error).message });
      failing = true;
    } finally {
      busy = false;
    }
  };
  // Off (overload_queue_wait_ms 0): nothing to decide, so HAProxy is not read either.
  const timer = config.overload_queue_wait_ms > 0 ? setInterval(() => void tick(), OVERLOAD_TICK_MS) : undefined;
  return { get current() { return detector.current; }, changes, stop: () => clearInterval(timer) };
}
