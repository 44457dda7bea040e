import { HTTP_DURATION_BUCKETS_S } from '../service/metrics.js';
import { sumMetric } from '../testbed/prometheus.js';
import type { TargetInfo } from '../testbed/alb/alb-config.js';
import type { Testbed } from '../testbed/testbed.js';

/**
 * CloudWatch-style alarms on one target group during a deployment, compressed: a datapoint every
 * `period_s`, ALARM after `datapoints_to_alarm` breaching datapoints in a row, missing data (fewer
 * than `requests_min` requests in a period) not breaching. The same two alarms the CDK app sets on
 * each target group (infra/lib/deployment-alarms.ts): 5xx rate, and p99 response time.
 */
export interface AlarmSettings {
  period_s: number;
  datapoints_to_alarm: number;
  /** 5xx answers for the group's targets (as the ALB counts them) over its requests. */
  error_rate_max: number;
  /** p99 of the group's tasks' request latency; a bucket of the service's histogram, so exact. */
  p99_ms_max: number;
  requests_min: number;
  p99_samples_min: number;
  /**
   * The p99 alarm also needs the new version slower than the old one by this factor: a slowdown
   * of the whole system is not the new version's. Here, with histograms, it compares the shares
   * of requests over the threshold; CloudWatch compares the two target groups' p99s.
   */
  p99_vs_old_max: number;
}

export const P99_THRESHOLDS_MS = HTTP_DURATION_BUCKETS_S.map((s) => Math.round(s * 1_000_000) / 1_000);
const DURATION = 'http_request_duration_seconds';
const PROBES = ['/health', '/ready'];

interface Counters { requests: number; errors_5xx: number; timed: number; slow: number }
export interface Datapoint { requests: number; errors_5xx: number; error_rate: number; slow_share: number; old_slow_share: number; breaching: string[] }
export interface AlarmFired { alarm: string; datapoints: Datapoint[] }

export class DeploymentAlarms {
  private last: { group: Counters; old: Counters } | undefined;
  private readonly recent: Datapoint[] = [];

  constructor(private readonly tb: Testbed, private readonly group: string, private readonly old: string, private readonly s: AlarmSettings) {
    if (!P99_THRESHOLDS_MS.includes(s.p99_ms_max)) throw new Error(`p99_ms_max must be one of the service's latency buckets (${P99_THRESHOLDS_MS.join(', ')} ms), got ${s.p99_ms_max}`);
  }

  /** Takes the counters' starting point; call before traffic reaches the group. */
  async start() { this.last = await this.both(); }

  /**
   * Evaluates a datapoint every period for `for_ms`; returns the alarm that fired, if one did.
   * Stops early on `signal` (an interrupted run shifts nothing further).
   */
  async watch(for_ms: number, signal?: AbortSignal): Promise<AlarmFired | undefined> {
    const until = performance.now() + for_ms;
    while (performance.now() < until && !signal?.aborted) {
      await sleep(Math.min(this.s.period_s * 1000, until - performance.now()));
      const fired = await this.evaluate();
      if (fired) return fired;
    }
    return undefined;
  }

  private async evaluate(): Promise<AlarmFired | undefined> {
    if (!this.last) throw new Error('DeploymentAlarms.start() was not called');
    const now = await this.both();
    const d = datapoint(this.last.group, now.group, this.s, slowShare(this.last.old, now.old));
    this.last = now;
    this.recent.push(d);
    if (this.recent.length > this.s.datapoints_to_alarm) this.recent.shift();
    if (this.recent.length < this.s.datapoints_to_alarm) return undefined;
    for (const alarm of d.breaching) {
      if (this.recent.every((x) => x.breaching.includes(alarm))) return { alarm: `${this.group} ${alarm}`, datapoints: [...this.recent] };
    }
    return undefined;
  }

  private async both() {
    const targets = await this.tb.albTargets(); // one read of the ALB's counters for both groups
    const [group, old] = await Promise.all([this.counters(targets, this.group), this.counters(targets, this.old)]);
    return { group, old };
  }

  private async counters(targets: TargetInfo[], group: string): Promise<Counters> {
    const texts = await this.tb.scrapeServiceMetrics(group);
    const le = String(this.s.p99_ms_max / 1000);
    const sum = (name: string, labels: Record<string, string> = {}) => texts.reduce((n, t) => n + sumMetric(t, name, labels), 0);
    const probes = (name: string, labels: Record<string, string> = {}) => PROBES.reduce((n, route) => n + sum(name, { ...labels, route }), 0);
    const timed = sum(`${DURATION}_count`) - probes(`${DURATION}_count`);
    const fast = sum(`${DURATION}_bucket`, { le }) - probes(`${DURATION}_bucket`, { le });
    return { ...groupTraffic(targets, group), timed, slow: timed - fast };
  }
}

/** Requests and 5xx answers of a target group's targets, as the ALB counted them. */
export function groupTraffic(targets: TargetInfo[], group: string): { requests: number; errors_5xx: number } {
  const members = targets.filter((t) => t.group === group);
  return { requests: members.reduce((n, t) => n + t.requests, 0), errors_5xx: members.reduce((n, t) => n + t.errors_5xx, 0) };
}

/** Share of timed requests slower than the threshold between two readings (0 without requests). */
export function slowShare(a: Counters, b: Counters): number {
  const timed = Math.max(0, b.timed - a.timed);
  return timed > 0 ? Math.max(0, b.slow - a.slow) / timed : 0;
}

/** One period's datapoint from two counter readings (a task that left takes its counts along: never below 0). */
export function datapoint(a: Counters, b: Counters, s: AlarmSettings, old_slow_share = 0): Datapoint {
  const requests = Math.max(0, b.requests - a.requests);
  const errors_5xx = Math.max(0, b.errors_5xx - a.errors_5xx);
  const timed = Math.max(0, b.timed - a.timed);
  const error_rate = requests > 0 ? errors_5xx / requests : 0;
  const slow_share = slowShare(a, b);
  const breaching: string[] = [];
  if (requests >= s.requests_min && error_rate > s.error_rate_max) breaching.push('5xx rate');
  // p99 above the threshold <=> more than 1% of requests slower than it.
  if (timed >= s.p99_samples_min && slow_share > 0.01 && slow_share > s.p99_vs_old_max * old_slow_share) breaching.push(`p99 > ${s.p99_ms_max} ms`);
  return { requests, errors_5xx, error_rate: round4(error_rate), slow_share: round4(slow_share), old_slow_share: round4(old_slow_share), breaching };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
