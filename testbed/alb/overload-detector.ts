/** What the data plane counted so far (cumulative), read every tick. */
export interface TrafficSample {
  t_ms: number;
  /** Requests the listener received, refused ones included: the offered load. */
  arrived_total: number;
  /** Requests the targets answered: what the group serves. */
  served_total: number;
  /** Requests waiting for a target now. */
  queued: number;
}

export interface OverloadLimits {
  /** The queue bound while the group keeps up: long enough to ride out a stall. */
  queue_requests_max: number;
  /** Under sustained overload the queue holds at most this much waiting at the measured capacity; 0 = never cut. */
  overload_queue_wait_ms: number;
}

export interface OverloadState {
  overloaded: boolean;
  /** Why: the offered load outran capacity, or the queue stood above the cut bound a whole STANDING_MS. */
  reason?: 'arrivals' | 'standing_queue';
  /** The bound in force. */
  queue_requests_max: number;
  arrivals_per_s: number;
  /** The most the group served per second (over CAPACITY_WINDOW_MS) in the last CAPACITY_MEMORY_MS. */
  capacity_per_s: number;
}

/** Offered load is judged over this much time: long enough to count ~100 arrivals at 500/s. */
export const ARRIVAL_WINDOW_MS = 200;
/** Capacity is the best serve rate over a window this long... */
export const CAPACITY_WINDOW_MS = 500;
/** ...seen in this much recent time, so losing a task lowers it within seconds. */
export const CAPACITY_MEMORY_MS = 10_000;
/** Arrivals this far above capacity, with the excess waiting, are overload; Poisson noise at 1,000/s over 200 ms is ~7%. */
export const OVERLOAD_RATIO = 1.25;
/**
 * A queue that never fell under the cut bound for this long is standing: the load matches capacity
 * and only waiting grows. Longer than a stall and its drain (300 ms stalls at 1,000/s drain in well
 * under a second here), so a stall keeps the long queue.
 */
export const STANDING_MS = 1_000;
/** The long queue returns once the queue has stayed under this share of the cut... */
export const RESTORE_SHARE = 0.25;
/** ...for this long (and a cut lasts at least this long). */
export const RESTORE_WINDOW_MS = 1_000;
/** A cut queue still keeps this many ready, so a target that finishes never waits for work. */
export const CUT_QUEUE_MIN = 16;
/** Samples kept: the capacity memory at a 50 ms tick, with room. */
const SAMPLES_MAX = 512;

/**
 * Tells a sustained overload from a transient stall, so the ALB's queue can be long for one and
 * short for the other. Both make a queue stand, so the queue's length alone cannot tell them apart.
 * - The rates can: in a stall the targets stop taking work but the offered load stays what it was, at
 *   or below the capacity the group has shown; in an overload it exceeds that capacity. This is seen
 *   within ~200 ms, before a 2x overload has filled much of the queue.
 * - A load that only matches capacity leaves a queue standing with nothing but waiting in it: cut
 *   too once it has not drained for STANDING_MS, longer than a stall and its drain.
 * The cut bound is what drains in `overload_queue_wait_ms` at the measured capacity: the excess is
 * refused at once instead of waiting half a second to be served late (overload scenario: accepted
 * p99 0.8-2.5 s with the 512-deep queue, measured). The long bound returns once the queue has
 * stayed nearly empty for a second: the load has fallen.
 *
 * Why not CoDel's "the queue stood for a whole interval" alone: a stall of a saturated machine plus
 * its drain keeps a queue standing up to ~1 s (the baseline rides out 300 ms stalls), and an
 * interval that long lets a 2x overload serve ~1,500 payments 250+ ms late before the cut, more
 * than 1% of them.
 */
export class OverloadDetector {
  private readonly samples: TrafficSample[] = [];
  /** Serve rates over CAPACITY_WINDOW_MS, newest last, with when each was measured. */
  private readonly rates: { t_ms: number; per_s: number }[] = [];
  private state: OverloadState;
  private overloadedSince_ms = 0;

  constructor(private readonly limits: OverloadLimits) {
    if (!(limits.queue_requests_max >= 1)) throw new Error(`overload detector: queue_requests_max must be >= 1, got ${limits.queue_requests_max}`);
    if (!(limits.overload_queue_wait_ms >= 0)) throw new Error(`overload detector: overload_queue_wait_ms must be >= 0, got ${limits.overload_queue_wait_ms}`);
    this.state = { overloaded: false, queue_requests_max: limits.queue_requests_max, arrivals_per_s: 0, capacity_per_s: 0 };
  }

  get current(): OverloadState { return this.state; }

  /** Takes the latest counters; returns the state, whose bound the data plane must put in force. */
  observe(s: TrafficSample): OverloadState {
    const last = this.samples.at(-1);
    if (last && (s.t_ms <= last.t_ms || s.arrived_total < last.arrived_total || s.served_total < last.served_total)) {
      throw new Error('overload detector: samples must move forward in time and counters must not go back');
    }
    this.samples.push(s);
    if (this.samples.length > SAMPLES_MAX) this.samples.shift();
    const served = this.rateOver(s, CAPACITY_WINDOW_MS, (x) => x.served_total);
    if (served !== undefined) this.rates.push({ t_ms: s.t_ms, per_s: served });
    while (this.rates.length > 0 && this.rates[0]!.t_ms < s.t_ms - CAPACITY_MEMORY_MS) this.rates.shift();
    const arrivals_per_s = this.rateOver(s, ARRIVAL_WINDOW_MS, (x) => x.arrived_total);
    const capacity_per_s = Math.max(0, ...this.rates.map((r) => r.per_s));
    if (arrivals_per_s === undefined || capacity_per_s === 0 || this.limits.overload_queue_wait_ms === 0) {
      this.state = { ...this.state, arrivals_per_s: arrivals_per_s ?? 0, capacity_per_s };
      return this.state;
    }
    const cut = Math.min(this.limits.queue_requests_max, Math.max(CUT_QUEUE_MIN, Math.round((capacity_per_s * this.limits.overload_queue_wait_ms) / 1000)));
    // Enter when the load outruns capacity by OVERLOAD_RATIO and its excess waits (a load ramping up
    // from idle outruns the little capacity shown so far, with nothing queued: it cut at every ramp's
    // first 100 ms, measured), or when the queue stood a whole STANDING_MS. Leave once the queue has
    // stayed under RESTORE_SHARE of the cut for RESTORE_WINDOW_MS, and never sooner than that after
    // the cut. Leaving as soon as the queue dipped under the cut flapped (3,400/s offered: cut and
    // restored 6 times in 10 s, the restored queue filling to 512 each time), and so did leaving on a
    // 200 ms lull in arrivals while the generator sent in bursts (restored 200 ms into a 2x overload,
    // 489 queued within 0.4 s). Leaving only when the load fell under 0.8x capacity kept a steady
    // 1,000/s cut for the rest of the run (baseline, measured).
    const outran = arrivals_per_s > capacity_per_s * OVERLOAD_RATIO && s.queued >= cut;
    const held = this.state.overloaded && s.t_ms - this.overloadedSince_ms < RESTORE_WINDOW_MS;
    const drained = this.queueHeld(s, RESTORE_WINDOW_MS, (q) => q < cut * RESTORE_SHARE);
    const stays = this.state.overloaded && (held || !drained);
    const reason = outran ? 'arrivals' as const : stays ? this.state.reason : this.queueHeld(s, STANDING_MS, (q) => q >= cut) ? 'standing_queue' as const : undefined;
    if (reason !== undefined && !this.state.overloaded) this.overloadedSince_ms = s.t_ms;
    this.state = {
      overloaded: reason !== undefined, ...(reason ? { reason } : {}),
      queue_requests_max: reason ? cut : this.limits.queue_requests_max, arrivals_per_s: Math.round(arrivals_per_s), capacity_per_s: Math.round(capacity_per_s),
    };
    return this.state;
  }

  /** Whether the queue met `ok` in every sample of the last `window_ms` (and the samples cover that long). */
  private queueHeld(now: TrafficSample, window_ms: number, ok: (queued: number) => boolean): boolean {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i]!;
      if (!ok(s.queued)) return false;
      if (now.t_ms - s.t_ms >= window_ms) return true;
    }
    return false;
  }

  /** Per second over the newest `window_ms` of samples; undefined until that much time is covered. */
  private rateOver(now: TrafficSample, window_ms: number, count: (s: TrafficSample) => number): number | undefined {
    let from: TrafficSample | undefined;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i]!;
      if (now.t_ms - s.t_ms >= window_ms) { from = s; break; }
    }
    if (!from) return undefined;
    return ((count(now) - count(from)) * 1000) / (now.t_ms - from.t_ms);
  }
}
