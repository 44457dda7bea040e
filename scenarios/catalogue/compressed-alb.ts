import type { TopologySpec } from '../../testbed/topology.js';

/** ALB timings compressed for the testbed (AWS defaults: 30 s interval, 300 s deregistration delay). */
export const FAST_ALB: TopologySpec['alb'] = {
  health: { interval_ms: 500, timeout_ms: 400, healthy_threshold: 2, unhealthy_threshold: 2 },
  deregistration_delay_ms: 2_000,
};
