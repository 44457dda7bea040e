import type { Testbed } from '../testbed/testbed.js';
import type { Az } from '../testbed/topology.js';
import { DeploymentAlarms, groupTraffic, type AlarmFired, type AlarmSettings } from './deployment-alarms.js';

export interface BlueGreenSettings {
  /** The new version: environment its tasks add to the current one (a bad version is made by configuration). */
  green_env: Record<string, string>;
  step_pct: number;
  step_interval_s: number;
  /** At 100% before the old tasks stop; alarms still roll back during it. */
  bake_s: number;
  alarms: AlarmSettings;
}

export interface BlueGreenOutcome {
  outcome: 'completed' | 'rolled_back' | 'interrupted';
  from: string; to: string;
  green_ready_ms: number;
  /** The highest share of traffic the new version had. */
  green_pct_max: number;
  alarm?: string;
  /** From the first request share given to the new version until its alarm fired. */
  alarm_after_ms?: number;
  /** From the alarm until the listener sent nothing more to the new version. */
  rollback_ms?: number;
  /** How long the new version had traffic, when it was rolled back. */
  green_exposed_ms?: number;
  green_requests: number;
  green_errors_5xx: number;
  took_ms: number;
}

/**
 * ECS blue/green with linear traffic shifting, as the CDK app deploys (infra/lib/service-stack.ts):
 * a replacement task set as large as the live one, healthy behind its own target group; then the
 * listener shifts `step_pct` of requests to it every `step_interval_s` while CloudWatch-style
 * alarms watch it; at 100% a bake; then the old tasks are deregistered and stopped. An alarm at any
 * point sends every request back to the old tasks and stops the new ones.
 */
export async function blueGreenDeploy(tb: Testbed, s: BlueGreenSettings, signal?: AbortSignal): Promise<BlueGreenOutcome> {
  const start = performance.now();
  const since = (t: number) => Math.round(performance.now() - t);
  const blue = tb.liveTaskSet, green = blue === 'green' ? 'blue' : 'green';
  const live = tb.listInstances().filter((i) => i.group === blue && i.running);
  if (live.length === 0) throw new Error(`task set ${blue} has no running task to replace`);
  tb.defineTaskSet(green, s.green_env);
  tb.log.add('deployment_begin', { from: blue, to: green, tasks: live.length });
  await startReplacement(tb, green, live.map((i) => i.az));
  const green_ready_ms = since(start);
  const alarms = new DeploymentAlarms(tb, green, blue, s.alarms);
  await alarms.start();
  const shiftStart = performance.now();
  let pct = 0, fired: AlarmFired | undefined;
  while (!fired && pct < 100 && !signal?.aborted) {
    pct = Math.min(100, pct + s.step_pct);
    await tb.setTrafficWeights({ [blue]: 100 - pct, [green]: pct });
    fired = await alarms.watch(pct < 100 ? s.step_interval_s * 1000 : s.bake_s * 1000, signal);
  }
  const base = { from: blue, to: green, green_ready_ms, green_pct_max: pct };
  if (fired) return { ...base, ...(await rollBack(tb, blue, green, fired, shiftStart)), took_ms: since(start) };
  const counts = await groupCounts(tb, green);
  if (signal?.aborted) return { ...base, ...counts, outcome: 'interrupted', took_ms: since(start) };
  // The old task set is retired as ECS does: deregistered (its in-flight requests finish), then stopped.
  await Promise.all(live.map((i) => tb.stopInstance(i.id)));
  tb.liveTaskSet = green;
  tb.log.add('deployment_completed', { live: green });
  return { ...base, ...counts, outcome: 'completed', took_ms: since(start) };
}

/** The replacement task set, one task per live one, each healthy in its target group; if one cannot start, none stays. */
async function startReplacement(tb: Testbed, green: string, azs: Az[]) {
  const started = await Promise.allSettled(azs.map((az) => tb.startInstance(az, green)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return;
  await stopTaskSet(tb, green);
  tb.log.add('deployment_failed', { reason: 'replacement tasks did not become healthy' });
  throw new Error(`the new version's tasks did not become healthy, so no traffic was shifted and they were stopped: ${(failed.reason as Error).message}`);
}

async function rollBack(tb: Testbed, blue: string, green: string, fired: AlarmFired, shiftStart: number) {
  const alarmAt = performance.now();
  tb.log.add('deployment_alarm', { alarm: fired.alarm, datapoints: fired.datapoints });
  await tb.setTrafficWeights({ [blue]: 100, [green]: 0 });
  const rolledBackAt = performance.now();
  tb.log.add('deployment_rolled_back', { alarm: fired.alarm });
  const counts = await groupCounts(tb, green); // before its targets are deregistered and forgotten
  await stopTaskSet(tb, green);
  return {
    outcome: 'rolled_back' as const, alarm: fired.alarm, ...counts,
    alarm_after_ms: Math.round(alarmAt - shiftStart),
    rollback_ms: Math.round(rolledBackAt - alarmAt),
    green_exposed_ms: Math.round(rolledBackAt - shiftStart),
  };
}

async function groupCounts(tb: Testbed, group: string): Promise<{ green_requests: number; green_errors_5xx: number }> {
  const { requests, errors_5xx } = groupTraffic(await tb.albTargets(), group);
  return { green_requests: requests, green_errors_5xx: errors_5xx };
}

/** Every task of a task set deregistered (in-flight requests finish) and stopped, a failed stop not stopping the others. */
async function stopTaskSet(tb: Testbed, group: string) {
  await Promise.allSettled(tb.listInstances().filter((i) => i.group === group).map((i) => tb.stopInstance(i.id)));
}
