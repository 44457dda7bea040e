import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkLedger, formatViolations } from '../chaos/history-checker.js';
import { restoreAndCheck } from '../chaos/restore-drill.js';
import { runTimeline } from '../chaos/timeline.js';
import { compareToBaseline, evaluateGates, holds, type Baseline, type GateResult } from '../loadtests/gates.js';
import { runOpenModel, type LoadResult, type ProgressSample } from '../loadtests/open-model.js';
import { calibrate, machine } from '../loadtests/calibration.js';
import { paymentMix } from '../loadtests/payment-mix.js';
import { toHtml } from './report/html.js';
import { toJUnit } from './report/junit.js';
import type { RunReport } from './report/run-report.js';
import { judgeOverload, kneeOf as overloadKneeOf, kneeSearchStages, overloadStages } from './overload.js';
import { recoveryFrom } from './recovery.js';
import { validateScenario, type Scenario } from './scenario.js';
import { warmSessionCaches } from '../testbed/session-warmup.js';
import { Testbed } from '../testbed/testbed.js';

export interface RunOptions {
  outDir: string;
  baseline?: Baseline;
  regression_pct?: number;
  progress?: (line: string) => void;
  signal?: AbortSignal;
  /** Measure pgbench on make_payment before the load (default true); tests of mechanics skip it. */
  calibrate?: boolean;
}

const P99_RECOVERY_THRESHOLD_MS = 200;
// Sequence numbers (and so idempotency keys) of the knee search, apart from the main load's.
const KNEE_SEARCH_SEQ_OFFSET = 1.2e9;

/** Boots the scenario's topology, runs load and faults, judges, writes report.json/junit.xml/report.html. */
export async function runScenario(s: Scenario, o: RunOptions): Promise<RunReport> {
  validateScenario(s);
  const say = o.progress ?? (() => {});
  const started_at = new Date().toISOString();
  const runId = `${s.name}-${Date.now().toString(36)}`;
  let tb: Testbed | undefined;
  const report: RunReport = emptyReport(s, started_at);
  try {
    say(`[${s.name}] booting topology`);
    tb = await Testbed.up(s.topology, { onEvent: (e) => { if (e.kind !== 'toxic_added' && e.kind !== 'toxic_removed') say(`[${s.name}] t=${(e.t_ms / 1000).toFixed(1)}s ${e.kind} ${JSON.stringify(e.detail)}`); } });
    report.topology = { boot_ms: tb.boot_ms, processes: tb.processes().map((p) => ({ name: p.name, az: p.az })), memory_idle_bytes: await tb.pss_bytes() };
    say(`[${s.name}] topology up in ${tb.boot_ms} ms (${report.topology.processes.length} processes, ${mb(report.topology.memory_idle_bytes!)} MB)`);
    if (o.calibrate !== false) {
      report.calibration = await calibrate(tb.pgPrimary, tb.runDir).catch((err: Error) => ({ error: err.message }));
      say(`[${s.name}] calibration: ${'error' in report.calibration ? `not measured (${report.calibration.error})` : `pgbench make_payment ${report.calibration.pgbench_make_payment_tps} TPS on this machine now`}`);
    }
    const next = paymentMix(tb.seeded, {
      mix: s.load.mix, hot_share: s.load.hot_share ?? 0.1, hot_accounts: s.load.hot_accounts ?? 5,
      amount_minor_max: s.load.amount_minor_max ?? 100, seed: s.load.seed ?? 1, run_id: runId, hot_reads: s.load.hot_reads ?? false,
    });
    const probeHistory: LoadResult['history'] = [];
    if (s.steady_state) {
      const t0 = performance.now();
      const n = await warmSessionCaches(tb.listInstances().filter((i) => i.running).map((i) => i.url), tb.seeded);
      say(`[${s.name}] session caches warmed: ${n} lookups in ${Math.round(performance.now() - t0)} ms (a steady state has warm caches)`);
      report.steady_state = { before: await probe(tb, s, next, 'before', say, probeHistory), after: [] };
    }

    const ac = new AbortController();
    o.signal?.addEventListener('abort', () => ac.abort(), { once: true });
    const kneeSearch = s.overload ? await findKnee(tb, s, next, say, probeHistory, ac.signal) : undefined;
    const knee = kneeSearch ? overloadKneeOf(kneeSearch, s.overload!.knee_search.warmup_s) : undefined;
    const stages = s.overload ? overloadStages(s.overload, knee!) : s.load.stages;
    if (s.overload) say(`[${s.name}] knee ${knee}/s: offering ${stages.map((st) => ('rate_per_s' in st ? `${st.rate_per_s}/s for ${st.duration_s} s` : '')).join(', then ')}`);
    const metricsBefore = await Promise.all((s.service_metric_gates ?? []).map((g) => tb!.serviceMetric(g.metric, g.labels)));
    // One clock for load and events: a restore target marked at t must split the history exactly at t.
    const origin_ms = performance.now();
    tb.log.resetOrigin(origin_ms);
    report.load_started_at = new Date().toISOString();
    const memorySample = setTimeout(() => { void tb!.pss_bytes().then((b) => { report.topology.memory_under_load_bytes = b; }); }, (s.load.warmup_s + 5) * 1000);
    const timeline = runTimeline(tb, s.timeline ?? [], ac.signal);
    const load = await runOpenModel({
      target: tb.url, stages, measure_from_s: s.load.warmup_s, next, signal: ac.signal, origin_ms,
      timeout_ms: s.load.timeout_ms ?? 10_000, inflight_max: s.load.inflight_max ?? 4_000,
      onProgress: (p) => say(progressLine(s.name, p)),
    });
    clearTimeout(memorySample);
    report.timeline = await timeline;
    if (report.runbook) report.runbook.steps = report.timeline.map((t) => ({ step: t.label ?? t.kind, took_ms: t.ended_ms - t.started_ms }));
    fillLoad(report, load, s);
    if (s.steady_state) report.steady_state!.after = await probe(tb, s, next, 'after', say, probeHistory);
    if (s.invariants.includes('ledger')) {
      const pool = tb.writerPool();
      try { report.invariants = await checkLedger(pool, [...load.history, ...probeHistory]); } finally { await pool.end(); }
      say(`[${s.name}] ${formatViolations(report.invariants)}`);
    }
    if (s.post_run === 'restore_drill') {
      say(`[${s.name}] restore drill: restoring the base backup to the marked target in a fresh cluster...`);
      const d = await restoreAndCheck(tb, load.history);
      report.restore_drill = { rto_ms: d.rto_ms, rpo_ms: d.rpo_ms, backup_ms: d.backup_ms, target: d.target, payments_restored: d.payments_restored, acknowledged_before_target: d.acknowledged_before_target, check: d.check };
      say(`[${s.name}] restore drill: RTO ${d.rto_ms} ms, RPO ${d.rpo_ms} ms, ${d.payments_restored} payments restored; ${formatViolations(d.check)}`);
    }
    report.gates = evaluateGates(load, s.gates);
    if (s.overload) {
      const judged = judgeOverload(s.overload, knee!, kneeSearch!, load);
      report.overload = judged.result;
      report.gates.push(...judged.gates);
    }
    for (const [i, g] of (s.service_metric_gates ?? []).entries()) {
      const delta = (await tb.serviceMetric(g.metric, g.labels)) - metricsBefore[i]!;
      const steps = g.per_step_kind ? report.timeline.filter((t) => t.kind === g.per_step_kind && t.ok).length : 1;
      const measured = steps > 0 ? Math.round((delta / steps) * 100) / 100 : Number.NaN;
      const label = `${g.metric}${g.labels ? JSON.stringify(g.labels) : ''}${g.per_step_kind ? ` per ${g.per_step_kind}` : ''}`;
      report.gates.push({ name: `${label} ${g.op} ${g.threshold} (${g.description})`, metric: label, op: g.op, threshold: g.threshold, measured, pass: holds(measured, g.op, g.threshold) });
    }
    if (o.baseline) report.gates.push(...compareToBaseline(report.gates, o.baseline, o.regression_pct ?? 10));
    const firstFault = report.timeline[0];
    if (firstFault) {
      const rec = recoveryFrom(load.windows, firstFault.started_ms / 1000, P99_RECOVERY_THRESHOLD_MS);
      const measures = Object.fromEntries(report.timeline.flatMap((t) => Object.entries(t.measures ?? {}).filter(([, v]) => typeof v === 'number'))) as Record<string, number>;
      report.recovery = { ...measures, ...rec };
      if (s.recovery_within_s !== undefined) {
        const measured = rec.p99_recovered_after_s ?? Number.NaN;
        report.gates.push({ name: `p99 recovered within ${s.recovery_within_s} s of the fault`, metric: 'p99_recovered_after_s', op: '<=', threshold: s.recovery_within_s, measured, pass: holds(measured, '<=', s.recovery_within_s) });
      }
    }
    report.events = tb.log.events;
    if (s.analysis === 'knee') report.capacity = kneeOf(load, s);
    judge(report, s);
  } catch (err) {
    report.verdict = 'error';
    report.error = (err as Error).message;
    report.reasons.push(`run failed: ${(err as Error).message}`);
    if (tb) report.events = tb.log.events;
  } finally {
    await tb?.down();
    report.finished_at = new Date().toISOString();
  }
  await writeReports(o.outDir, report);
  return report;
}

/** The knee search of an overload scenario: a ramp whose payments join the ledger check. */
async function findKnee(tb: Testbed, s: Scenario, next: Parameters<typeof runOpenModel>[0]['next'], say: (l: string) => void, history: LoadResult['history'], signal: AbortSignal): Promise<LoadResult['windows']> {
  const o = s.overload!;
  say(`[${s.name}] knee search: ${o.knee_search.warmup_s} s at ${o.knee_search.from_rate_per_s}/s, then ${o.knee_search.from_rate_per_s} -> ${o.knee_search.to_rate_per_s}/s over ${o.knee_search.duration_s} s`);
  const r = await runOpenModel({ target: tb.url, stages: kneeSearchStages(o), next: (i) => next(KNEE_SEARCH_SEQ_OFFSET + i), signal,
    timeout_ms: s.load.timeout_ms ?? 10_000, onProgress: (p) => say(progressLine(`${s.name} knee`, p)) });
  history.push(...r.history);
  await new Promise((resolve) => setTimeout(resolve, o.cooldown_s * 1000));
  return r.windows;
}

/** The highest stage whose every second kept p99 under 200 ms and errors under 0.1%. */
function kneeOf(l: LoadResult, s: Scenario): NonNullable<RunReport['capacity']> {
  const stages: NonNullable<RunReport['capacity']>['stages'] = [];
  let t = 0;
  for (const st of s.load.stages) {
    const ws = l.windows.filter((w) => w.t_s >= t && w.t_s < t + st.duration_s);
    const sent = ws.reduce((n, w) => n + w.sent, 0), errors = ws.reduce((n, w) => n + w.errors, 0);
    const rate = 'rate_per_s' in st ? st.rate_per_s : st.to_rate_per_s;
    const worst = Math.max(0, ...ws.map((w) => w.p99_ms));
    stages.push({ rate_per_s: rate, worst_p99_ms: worst, error_rate: sent ? errors / sent : 0, ok: worst < 200 && (sent ? errors / sent : 0) < 0.001 });
    t += st.duration_s;
  }
  const firstBad = stages.findIndex((x) => !x.ok);
  const good = (firstBad < 0 ? stages : stages.slice(0, firstBad)).filter((x) => x.ok);
  return { knee_rate_per_s: good.at(-1)?.rate_per_s ?? 0, broke_at_rate_per_s: firstBad < 0 ? null : stages[firstBad]!.rate_per_s, stages };
}

function judge(r: RunReport, s: Scenario) {
  for (const g of r.gates) if (!g.pass) r.reasons.push(`gate failed: ${g.name} (measured ${g.measured})`);
  for (const [phase, gates] of [['before', r.steady_state?.before ?? []], ['after', r.steady_state?.after ?? []]] as const) {
    for (const g of gates) if (!g.pass) r.reasons.push(`steady state not met ${phase} the experiment: ${g.name} (measured ${g.measured})`);
  }
  for (const t of r.timeline) if (!t.ok) r.reasons.push(`timeline step ${t.kind} failed: ${t.error}`);
  if (r.restore_drill && !r.restore_drill.check.ok) r.reasons.push(`restored cluster: ${formatViolations(r.restore_drill.check)}`);
  if (r.invariants) {
    if (s.expect_violations) {
      if (r.invariants.ok) r.reasons.push('the checker was expected to report violations here and reported none');
    } else if (!r.invariants.ok) r.reasons.push(formatViolations(r.invariants));
  }
  r.verdict = r.reasons.length === 0 ? 'pass' : 'fail';
}

/** Chaos Toolkit's steady-state hypothesis: a short probe (1 s unmeasured) judged by its own gates. */
async function probe(tb: Testbed, s: Scenario, next: Parameters<typeof runOpenModel>[0]['next'], phase: 'before' | 'after', say: (l: string) => void, history: LoadResult['history']): Promise<GateResult[]> {
  const ss = s.steady_state!;
  say(`[${s.name}] steady-state probe (${phase}): ${ss.probe_s}s at ${ss.rate_per_s}/s`);
  const offset = phase === 'before' ? 1e9 : 1.1e9; // sequence numbers (and keys) apart from the main load
  const r = await runOpenModel({ target: tb.url, stages: [{ duration_s: 1, rate_per_s: ss.rate_per_s }, { duration_s: ss.probe_s, rate_per_s: ss.rate_per_s }], measure_from_s: 1, next: (i) => next(offset + i) });
  history.push(...r.history); // the ledger check must know about every payment the probe made
  return evaluateGates(r, ss.gates);
}

function fillLoad(r: RunReport, l: LoadResult, s: Scenario) {
  r.load = {
    duration_s: l.duration_s, warmup_s: s.load.warmup_s, scheduled: l.scheduled, sent: l.sent, completed: l.completed,
    dropped: l.dropped, late: l.late, achieved_rate_per_s: l.achieved_rate_per_s, goodput_per_s: l.goodput_per_s, offered_rate_per_s: l.offered_rate_per_s, error_rate: l.error_rate,
    status_counts: l.status_counts, code_counts: l.code_counts, latency: l.latency, latency_by_op: l.latency_by_op, histogram: l.histogram,
  };
  r.windows = l.windows;
}

function progressLine(name: string, p: ProgressSample): string {
  return `[${name}] t=${p.t_s.toFixed(0).padStart(3)}s ${p.phase === 'warmup' ? 'warm-up' : 'measure'} sent/s=${p.last_s.sent} ok/s=${p.last_s.ok} err/s=${p.last_s.errors} p99=${p.last_s.p99_ms.toFixed(1)}ms inflight=${p.inflight}`;
}

export async function writeReports(outDir: string, r: RunReport) {
  const dir = path.join(outDir, r.scenario);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'report.json'), JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  await writeFile(path.join(dir, 'junit.xml'), toJUnit([r]));
  await writeFile(path.join(dir, 'report.html'), toHtml(r));
}

function emptyReport(s: Scenario, started_at: string): RunReport {
  let commit: string | undefined;
  try { commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { /* not a checkout */ }
  return {
    schema: 'testbed-run/1', scenario: s.name, description: s.description, verdict: 'error', reasons: [], started_at, finished_at: started_at,
    ...(commit ? { commit } : {}),
    ...(process.env.IMAGE_DIGEST ? { image_digest: process.env.IMAGE_DIGEST } : {}),
    machine: machine(),
    topology: { boot_ms: 0, processes: [] },
    load: { duration_s: 0, warmup_s: s.load.warmup_s, scheduled: 0, sent: 0, completed: 0, dropped: 0, late: 0, achieved_rate_per_s: 0, goodput_per_s: 0, offered_rate_per_s: 0, error_rate: 0, status_counts: {}, code_counts: {}, latency: { count: 0, mean_ms: 0, p50_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0 }, latency_by_op: {}, histogram: '' },
    gates: [], timeline: [], events: [], windows: [],
    ...(s.runbook ? { runbook: { path: s.runbook, steps: [] } } : {}),
  };
}

const mb = (b: number) => Math.round(b / 1e6);
