import type { TopologySpec } from '../../testbed/topology.js';

/**
 * ALB timings compressed for the testbed (AWS defaults: 30 s interval, 300 s deregistration delay;
 * the app sets 30 s slow start). Slow start matters here: a replacement task handed a full share at
 * once spent its CPU on cold session lookups and the requests queued behind it for seconds (az-loss,
 * 25% errors in one run, measured).
 */
export const FAST_ALB: TopologySpec['alb'] = {
  health: { interval_ms: 500, timeout_ms: 400, healthy_threshold: 2, unhealthy_threshold: 2 },
  deregistration_delay_ms: 2_000,
  slow_start_ms: 5_000,
};
