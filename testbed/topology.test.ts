import { describe, expect, it } from 'vitest';
import { topologySchema } from './topology.js';

describe('topology: the ALB block', () => {
  it('carries every ALB setting, queue included, with the emulator\'s own defaults', () => {
    const t = topologySchema.parse({ alb: { queue_requests_max: 7, target_requests_max: 3, queue_timeout_ms: 250, health: { interval_ms: 200 } } });
    expect(t.alb).toMatchObject({ queue_requests_max: 7, target_requests_max: 3, queue_timeout_ms: 250, deregistration_delay_ms: 5_000 });
    expect(t.alb.health).toMatchObject({ interval_ms: 200, healthy_threshold: 2, path: '/health' });
  });

  it('refuses a value out of the emulator\'s bounds, naming the field, and an unknown setting', () => {
    const bad = topologySchema.safeParse({ alb: { queue_requests_max: 0 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['alb', 'queue_requests_max']);
    const typo = topologySchema.safeParse({ alb: { queue_max: 10 } });
    expect(typo.success).toBe(false);
    expect(JSON.stringify(typo.error!.issues)).toContain('queue_max');
    expect(topologySchema.safeParse({ alb: { listen_port: 8080 } }).success).toBe(false);
  });
});
