import { z } from 'zod';
import type { OverloadState } from './overload-detector.js';
import type { OverloadChange } from './overload-watch.js';

// ALB target group semantics, with times in ms so scenarios can compress them.
export const albConfigSchema = z.object({
  listen_port: z.number().int().min(0).max(65535),
  control_port: z.number().int().min(0).max(65535),
  health: z.object({
    path: z.string().startsWith('/').default('/health'),
    interval_ms: z.number().int().min(50).max(300_000).default(1_000),
    timeout_ms: z.number().int().min(10).max(120_000).default(500),
    healthy_threshold: z.number().int().min(1).max(10).default(2),
    unhealthy_threshold: z.number().int().min(1).max(10).default(2),
  }).prefault({}),
  deregistration_delay_ms: z.number().int().min(0).max(3_600_000).default(5_000),
  /**
   * Target group slow start: a new target's share of requests ramps up over this long, so a task
   * with cold caches (sessions) is not handed a full share at once. 0 is off, as on AWS.
   */
  slow_start_ms: z.number().int().min(0).max(900_000).default(0),
  /** ALB idle timeout: no response within it is a 504. */
  idle_timeout_ms: z.number().int().min(100).max(4_000_000).default(60_000),
  /**
   * Bounded queue (emulator-only; see haproxy-config.ts): requests forwarded to one target at once.
   * The rest wait in the ALB's queue instead of in the target's socket buffers, where no one counts them.
   */
  target_requests_max: z.number().int().min(1).max(10_000).default(64),
  /**
   * Requests waiting for a target, across the group; a request beyond it is answered 503 at once.
   * About half a second of work at 1,000/s: with 128 a 300 ms stall of a saturated machine was
   * refused (66 x 503 in one second, baseline-1k-tps failed 0.11% errors, measured), where waiting
   * would have cost less than the p99 budget. A queue this long still never holds stale work.
   * At least 1: HAProxy refuses when this many already wait, so 0 would refuse every request.
   */
  queue_requests_max: z.number().int().min(1).max(100_000).default(512),
  /**
   * Under sustained overload (offered load 1.25x above the capacity the group has shown, or a queue
   * that stood a whole second), the queue is cut to what the group drains in this long, so the
   * excess is refused at once instead of served late; a stall keeps the long queue
   * (overload-detector.ts). 0: never cut. 25, not 50: overload's accepted p99 was 190 ms against
   * 264 ms (one run each, 2,217/s knee; the targets' own 128 requests in flight add ~45 ms).
   */
  overload_queue_wait_ms: z.number().int().min(0).max(60_000).default(25),
  /** A request that waited this long for a target is answered 502 (the target would not take it). */
  queue_timeout_ms: z.number().int().min(1).max(60_000).default(1_000),
});

/** What a topology may set: every field but the ports (the testbed picks free ones), same bounds and defaults. */
export const albTuningSchema = z.strictObject(albConfigSchema.omit({ listen_port: true, control_port: true }).shape);

export type AlbConfig = z.infer<typeof albConfigSchema>;
export type AlbConfigInput = z.input<typeof albConfigSchema>;

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';
export interface TargetInfo {
  /** The target group it is registered in ("blue" unless a deployment says otherwise). */
  id: string; url: string; az: string; group: string; state: TargetState;
  requests: number; errors_5xx: number; consecutive_ok: number; consecutive_fail: number; last_check_error?: string;
}
export interface AlbStats {
  /** Requests the ALB received; `by_status` by class ("2xx", "5xx", ...) as HAProxy counts them. */
  requests: number; by_status: Record<string, number>; targets: TargetInfo[];
  /** The listener's weighted forward action: target group -> weight. */
  weights: Record<string, number>;
  /** The overload detector's latest judgement and the queue bound in force. */
  admission: OverloadState;
  /** Every cut and restore so far (the last 1,000), oldest first. */
  admission_changes: OverloadChange[];
}
