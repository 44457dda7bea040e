import type { AlarmSettings } from './deployment-alarms.js';
import type { BlueGreenSettings } from './blue-green-deploy.js';

/**
 * How a new version reaches production: the one policy the CDK app deploys with
 * (infra/lib/service-stack.ts) and the blue-green-deploy scenarios rehearse, there compressed in
 * time. Linear: 10% of requests more every step; a step bakes long enough for its alarms to see two
 * full datapoints; ALB metrics come in 60 s periods.
 */
export const DEPLOYMENT_POLICY = {
  step_pct: 10,
  step_bake_s: 120,
  /** At 100% before the old tasks are retired. */
  final_bake_s: 300,
  alarms: {
    period_s: 60,
    datapoints_to_alarm: 2,
    error_rate_max: 0.01,
    p99_ms_max: 200,
    /** Fewer requests than this in a period is missing data, which does not breach. */
    requests_min: 10,
    /**
     * The same for the p99 alarm: over fewer samples a p99 is their maximum, and one slow request
     * among 43 rolled back a good version in the rehearsal (measured).
     */
    p99_samples_min: 100,
    /**
     * ...and slower than the old version by this factor: a whole-system slowdown during the deploy
     * (a disk stall: 14% of requests over 200 ms on both sides) rolled back a good version.
     */
    p99_vs_old_max: 1.5,
  } satisfies AlarmSettings,
} as const;

/** The policy with every time divided by `factor` (60: a 2-minute step takes 2 s). */
export function compressedPolicy(factor: number, green_env: Record<string, string>): BlueGreenSettings {
  if (!(factor >= 1)) throw new Error(`time compression must be >= 1, got ${factor}`);
  const p = DEPLOYMENT_POLICY;
  return {
    green_env, step_pct: p.step_pct, step_interval_s: p.step_bake_s / factor, bake_s: p.final_bake_s / factor,
    alarms: { ...p.alarms, period_s: p.alarms.period_s / factor },
  };
}
