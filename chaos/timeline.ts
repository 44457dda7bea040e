import type { Testbed } from '../testbed/testbed.js';
import { azPowerInterruption } from './az-power-interruption.js';
import { blueGreenDeploy } from './blue-green-deploy.js';
import { compressedPolicy } from './deployment-policy.js';
import type { RestoreDrill } from './restore-drill.js';
import type { FaultAction, TimelineStep } from './faults.js';

export interface StepResult { at_s: number; kind: string; label?: string; started_ms: number; ended_ms: number; ok: boolean; skipped?: boolean; error?: string; measures?: Record<string, unknown> }

export interface TimelineOptions {
  signal?: AbortSignal;
  /** The run's restore drill, for base_backup and mark_restore_target steps. */
  drill?: RestoreDrill;
}

/** A step that ran but missed its objective: failed, with what it measured. */
export class ObjectiveMissed extends Error {
  constructor(message: string, readonly measures: Record<string, unknown>) { super(message); }
}

function needDrill(drill: RestoreDrill | undefined): RestoreDrill {
  if (!drill) throw new Error('this step belongs to a restore drill: the scenario needs post_run: restore_drill');
  return drill;
}

/**
 * Runs the scenario's faults at their times on the load's clock (the testbed log's origin).
 * A step that fails is recorded, not thrown: the run goes on and the report shows it.
 */
export async function runTimeline(tb: Testbed, steps: TimelineStep[], o: TimelineOptions = {}): Promise<StepResult[]> {
  const { signal } = o;
  return Promise.all([...steps].sort((a, b) => a.at_s - b.at_s).map(async (step) => {
    await sleepUntil(tb, step.at_s * 1000, signal);
    const started_ms = Math.round(tb.log.now_ms());
    // An interrupted run starts no new faults; the report shows which never ran.
    if (signal?.aborted) return { at_s: step.at_s, kind: step.action.kind, ...(step.label ? { label: step.label } : {}), started_ms, ended_ms: started_ms, ok: true, skipped: true };
    tb.log.add('step_start', { kind: step.action.kind, label: step.label });
    try {
      const measures = await execute(tb, step.action, o);
      const ended_ms = Math.round(tb.log.now_ms());
      tb.log.add('step_end', { kind: step.action.kind, label: step.label, took_ms: ended_ms - started_ms });
      return { at_s: step.at_s, kind: step.action.kind, ...(step.label ? { label: step.label } : {}), started_ms, ended_ms, ok: true, ...(measures ? { measures } : {}) };
    } catch (err) {
      tb.log.add('step_failed', { kind: step.action.kind, error: (err as Error).message });
      const measures = err instanceof ObjectiveMissed ? { measures: err.measures } : {};
      return { at_s: step.at_s, kind: step.action.kind, ...(step.label ? { label: step.label } : {}), started_ms, ended_ms: Math.round(tb.log.now_ms()), ok: false, error: (err as Error).message, ...measures };
    }
  }));
}

async function execute(tb: Testbed, a: FaultAction, { signal, drill }: TimelineOptions): Promise<Record<string, unknown> | undefined> {
  switch (a.kind) {
    case 'kill_instances':
      for (const i of tb.listInstances().filter((x) => x.az === a.az)) tb.killInstance(i.id, a.signal ?? 'SIGKILL');
      return undefined;
    case 'add_toxic':
      await Promise.all(a.client_azs.map((az) => tb.addToxic(a.endpoint, az, a.toxic, { name: a.name, ...(a.direction ? { direction: a.direction } : {}) })));
      return undefined;
    case 'remove_toxic':
      await Promise.all(a.client_azs.map((az) => tb.removeToxic(a.endpoint, az, a.name)));
      return undefined;
    case 'endpoint_down':
      await Promise.all(a.client_azs.map((az) => tb.setEndpointDown(a.endpoint, az, a.down)));
      return undefined;
    case 'failover_db': return { ...(await tb.failoverDatabase()) };
    case 'writer_crash': return { ...(await tb.crashWriterInPlace(a.down_s * 1000)) };
    case 'restore_redundancy': {
      const r = await tb.restoreRedundancy(a.az);
      // The objective is part of the step: redundancy late is a failed step, with the time it took.
      if (a.within_s !== undefined && r.tasks_ms > a.within_s * 1000) throw new ObjectiveMissed(`redundancy in AZ ${a.az} restored after ${r.tasks_ms} ms, beyond the ${a.within_s} s objective`, { ...r });
      return { ...r };
    }
    case 'blue_green_deploy': return deployment(tb, a, signal);
    case 'failover_cache': return { ...(await tb.failoverCache()) };
    case 'restart_cache': return { ...(await tb.restartCache()) };
    case 'rolling_restart': {
      const start = performance.now();
      await tb.rollingRestart();
      return { took_ms: Math.round(performance.now() - start) };
    }
    case 'az_power_interruption': return { ...(await azPowerInterruption(tb, a.az, a.duration_s, signal)) };
    case 'kill_one_instance': {
      const victim = tb.listInstances().find((i) => i.az === a.az && i.running);
      if (!victim) throw new Error(`no running instance in AZ ${a.az}`);
      tb.killInstance(victim.id, 'SIGKILL');
      return undefined;
    }
    case 'base_backup': return { ...(await needDrill(drill).takeBaseBackup()) };
    case 'mark_restore_target': return needDrill(drill).markRestoreTarget();
    case 'delete_cache_keys':
      return { deleted: await tb.deleteCacheKeys(a.keys) };
    case 'replication_lag':
      await tb.addReplicationToxic({ type: 'latency', latency_ms: a.latency_ms, jitter_ms: 0 }, 'replication_lag');
      return undefined;
  }
}

async function deployment(tb: Testbed, a: Extract<FaultAction, { kind: 'blue_green_deploy' }>, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const r = await blueGreenDeploy(tb, compressedPolicy(a.time_compression, a.green_env), signal);
  const measures = { ...r };
  if (r.outcome === 'interrupted') return measures;
  const wanted = a.expect === 'complete' ? 'completed' : 'rolled_back';
  if (r.outcome !== wanted) throw new ObjectiveMissed(`the deployment ${r.outcome === 'completed' ? 'completed' : `rolled back (${r.alarm})`}; expected it to ${a.expect}`, measures);
  if (a.rollback_within_s !== undefined && (r.green_exposed_ms ?? 0) > a.rollback_within_s * 1000) {
    throw new ObjectiveMissed(`the new version had traffic for ${r.green_exposed_ms} ms before the rollback, beyond the ${a.rollback_within_s} s objective`, measures);
  }
  return measures;
}

function sleepUntil(tb: Testbed, at_ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, Math.max(0, at_ms - tb.log.now_ms()));
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
