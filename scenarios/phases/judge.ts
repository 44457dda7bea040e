import { compareToBaseline, evaluateGates, holds, type Baseline, type GateResult } from '../../loadtests/gates.js';
import type { LoadResult } from '../../loadtests/open-model.js';
import type { Testbed } from '../../testbed/testbed.js';
import { judgeOverload, type OverloadResult } from '../overload.js';
import { recoveryFrom, type Recovery } from '../recovery.js';
import type { StepResult } from '../../chaos/timeline.js';
import type { RunReport } from '../report/run-report.js';
import type { Scenario } from '../scenario.js';
import type { Loaded } from './load.js';

const P99_RECOVERY_THRESHOLD_MS = 200;
const CAPACITY_P99_MS_MAX = 200;
const CAPACITY_ERROR_RATE_MAX = 0.001;

export interface Gated { gates: GateResult[]; overload?: OverloadResult; recovery?: Record<string, number | null>; capacity?: RunReport['capacity'] }

/** Phase 5: every threshold of the scenario measured against what the load and the timeline saw. */
export async function gate(tb: Testbed, s: Scenario, l: Loaded, baseline?: { baseline: Baseline; regression_pct: number }): Promise<Gated> {
  const g: Gated = { gates: evaluateGates(l.load, s.gates) };
  if (s.overload && l.knee) {
    const judged = judgeOverload(s.overload, l.knee, l.load);
    g.overload = judged.result;
    g.gates.push(...judged.gates);
  }
  g.gates.push(...(await serviceMetricGates(tb, s, l)));
  if (baseline) g.gates.push(...compareToBaseline(g.gates, baseline.baseline, baseline.regression_pct));
  const recoveries = recoveryByFault(l);
  if (recoveries.length) {
    const measures = Object.fromEntries(l.timeline.flatMap((t) => Object.entries(t.measures ?? {}).filter(([, v]) => typeof v === 'number'))) as Record<string, number>;
    g.recovery = { ...measures, ...recoveries[0]!.recovery };
    if (s.recovery_within_s !== undefined) g.gates.push(...recoveryGates(recoveries, s.recovery_within_s));
  }
  if (s.analysis === 'knee') g.capacity = capacityOf(l.load, s);
  return g;
}

/** Faults the service must recover from; each is judged until the next one starts. */
const RECOVERY_STEP_KINDS = new Set(['az_power_interruption', 'writer_crash', 'failover_db', 'failover_cache', 'kill_instances', 'kill_one_instance']);

/**
 * Recovery after each fault the service must recover from (the first step, when a scenario has
 * none of those kinds), each judged only until the next one starts: the report's recovery and the
 * gates read the same figures.
 */
function recoveryByFault(l: Loaded): { step: StepResult; recovery: Recovery }[] {
  const steps = l.timeline.filter((t) => !t.skipped);
  const faults = steps.filter((t) => RECOVERY_STEP_KINDS.has(t.kind));
  const judged = faults.length ? faults : steps.slice(0, 1);
  return judged.map((step, i) => {
    const next = judged[i + 1];
    // Up to the second before the next fault: requests sent then were still in flight when it hit.
    const windows = next ? l.load.windows.filter((w) => w.t_s < Math.floor(next.started_ms / 1000) - 1) : l.load.windows;
    return { step, recovery: recoveryFrom(windows, step.started_ms / 1000, P99_RECOVERY_THRESHOLD_MS) };
  });
}

/** One p99-recovery gate per fault. */
function recoveryGates(recoveries: { step: StepResult; recovery: Recovery }[], within_s: number): GateResult[] {
  return recoveries.map(({ step, recovery }) => {
    const measured = recovery.p99_recovered_after_s ?? Number.NaN;
    const which = recoveries.length > 1 ? ` (${step.label ?? step.kind})` : '';
    return { name: `p99 recovered within ${within_s} s of the fault${which}`, metric: 'p99_recovered_after_s', op: '<=' as const, threshold: within_s, measured, pass: holds(measured, '<=', within_s) };
  });
}

/** A service metric's increase over the run, summed over instances (per timeline step of a kind, when asked). */
async function serviceMetricGates(tb: Testbed, s: Scenario, l: Loaded): Promise<GateResult[]> {
  return Promise.all((s.service_metric_gates ?? []).map(async (g, i) => {
    const delta = (await tb.serviceMetric(g.metric, g.labels)) - l.metrics_before[i]!;
    const steps = g.per_step_kind ? l.timeline.filter((t) => t.kind === g.per_step_kind && t.ok && !t.skipped).length : 1;
    const measured = steps > 0 ? Math.round((delta / steps) * 100) / 100 : Number.NaN;
    const label = `${g.metric}${g.labels ? JSON.stringify(g.labels) : ''}${g.per_step_kind ? ` per ${g.per_step_kind}` : ''}`;
    return { name: `${label} ${g.op} ${g.threshold} (${g.description})`, metric: label, op: g.op, threshold: g.threshold, measured, pass: holds(measured, g.op, g.threshold) };
  }));
}

/** The highest stage whose every second kept p99 under 200 ms and errors under 0.1%. */
function capacityOf(l: LoadResult, s: Scenario): NonNullable<RunReport['capacity']> {
  const stages: NonNullable<RunReport['capacity']>['stages'] = [];
  let t = 0;
  for (const st of s.load.stages) {
    const ws = l.windows.filter((w) => w.t_s >= t && w.t_s < t + st.duration_s);
    const sent = ws.reduce((n, w) => n + w.sent, 0), errors = ws.reduce((n, w) => n + w.errors, 0);
    const rate = 'rate_per_s' in st ? st.rate_per_s : st.to_rate_per_s;
    const worst = Math.max(0, ...ws.map((w) => w.p99_ms));
    const error_rate = sent ? errors / sent : 0;
    stages.push({ rate_per_s: rate, worst_p99_ms: worst, error_rate, ok: worst < CAPACITY_P99_MS_MAX && error_rate < CAPACITY_ERROR_RATE_MAX });
    t += st.duration_s;
  }
  const firstBad = stages.findIndex((x) => !x.ok);
  const good = (firstBad < 0 ? stages : stages.slice(0, firstBad)).filter((x) => x.ok);
  return { knee_rate_per_s: good.at(-1)?.rate_per_s ?? 0, broke_at_rate_per_s: firstBad < 0 ? null : stages[firstBad]!.rate_per_s, stages };
}
