import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RestoreDrill } from '../chaos/restore-drill.js';
import type { Baseline } from '../loadtests/gates.js';
import { machine } from '../loadtests/calibration.js';
import type { HistoryRecord } from '../loadtests/open-model.js';
import { paymentMix } from '../loadtests/payment-mix.js';
import { warmSessionCaches } from '../testbed/session-warmup.js';
import type { Testbed } from '../testbed/testbed.js';
import { boot, type Booted } from './phases/boot.js';
import { gate, type Gated } from './phases/judge.js';
import { loadAndFaults, type Loaded } from './phases/load.js';
import { probe } from './phases/probe.js';
import { verify, type Verified } from './phases/verify.js';
import { checksOf, reasonsOf } from './report/checks.js';
import { toHtml } from './report/html.js';
import { toJUnit } from './report/junit.js';
import type { RunReport, Verdict } from './report/run-report.js';
import type { Scenario } from './scenario.js';
import { validateScenario } from './scenario-schema.js';

export interface RunOptions {
  outDir: string;
  baseline?: Baseline;
  regression_pct?: number;
  /** Lines that stay (phase changes, events, results). */
  progress?: (line: string) => void;
  /** The load's once-a-second status; a terminal shows it as one updating line. Default: progress. */
  status?: (line: string) => void;
  /** Aborting (Ctrl-C) stops the load and the faults; the report says `interrupted` and holds what ran. */
  signal?: AbortSignal;
  /** Measure pgbench on make_payment before the load (default true); tests of mechanics skip it. */
  calibrate?: boolean;
}

/** What the phases returned; the report is assembled once from it. */
interface Phases {
  booted?: Booted;
  steady_before?: { gates: RunReport['gates']; history: HistoryRecord[] };
  loaded?: Loaded;
  verified?: Verified;
  gated?: Gated;
  error?: string;
  interrupted?: string;
  run_dir_kept?: string;
}

/**
 * Boot, steady state, load + timeline, verify, judge, report: each phase returns its result.
 * Ctrl-C (o.signal) ends the load early and skips the phases after it.
 */
export async function runScenario(s: Scenario, o: RunOptions): Promise<RunReport> {
  validateScenario(s);
  const say = o.progress ?? (() => {});
  const started_at = new Date().toISOString();
  const signal = o.signal ?? new AbortController().signal;
  const p: Phases = {};
  let phase = 'boot';
  const interrupted = () => { if (signal.aborted && !p.interrupted) p.interrupted = `interrupted by the user during ${phase}`; return signal.aborted; };
  try {
    p.booted = await boot(s, say, { calibrate: o.calibrate !== false });
    const { tb } = p.booted;
    const next = paymentMix(tb.seeded, {
      mix: s.load.mix, hot_share: s.load.hot_share ?? 0.1, hot_accounts: s.load.hot_accounts ?? 5,
      amount_minor_max: s.load.amount_minor_max ?? 100, seed: s.load.seed ?? 1, run_id: `${s.name}-${Date.now().toString(36)}`, hot_reads: s.load.hot_reads ?? false,
    });
    const drill = s.post_run === 'restore_drill' ? new RestoreDrill(tb) : undefined;
    // Every scenario starts from warm session caches, not only those with a steady-state probe:
    // the baseline's ramp otherwise carried 2,000 cold DynamoDB lookups (150-176/s for its first
    // 12 s, ~1.7 ms of CPU each) on a saturated machine, and the queue they built never drained.
    // Cold tasks are what az-loss's replacement task rehearses.
    if (!interrupted()) { phase = 'warming caches'; await warmCaches(tb, s, say); }
    if (s.steady_state && !interrupted()) {
      phase = 'the steady-state probe';
      p.steady_before = await probe(tb, s, next, 'before', say);
    }
    if (!interrupted()) {
      phase = 'the load';
      p.loaded = await loadAndFaults({ tb, s, next, say, status: o.status ?? say, signal, ...(drill ? { drill } : {}) });
    }
    if (p.loaded && !interrupted()) {
      phase = 'verification';
      const earlier = [...(p.steady_before?.history ?? []), ...(p.loaded.knee?.history ?? [])];
      p.verified = await verify({ tb, s, next, say, ...(drill ? { drill } : {}) }, p.loaded.load.history, earlier);
    }
    if (p.loaded) p.gated = await gate(tb, s, p.loaded, o.baseline ? { baseline: o.baseline, regression_pct: o.regression_pct ?? 10 } : undefined);
  } catch (err) {
    if (!interrupted()) p.error = (err as Error).message;
  } finally {
    interrupted();
    const failed = p.error !== undefined || (!p.interrupted && !passes(s, p));
    const kept = await p.booted?.tb.down({ keep: failed });
    if (kept) p.run_dir_kept = kept;
  }
  const report = assemble(s, started_at, p);
  await writeReports(o.outDir, report);
  return report;
}

/** A steady state has warm caches: neither the probe nor the load may measure cold session lookups. */
async function warmCaches(tb: Testbed, s: Scenario, say: (l: string) => void) {
  const t0 = performance.now();
  const n = await warmSessionCaches(tb.listInstances().filter((i) => i.running).map((i) => i.url), tb.seeded);
  say(`[${s.name}] session caches warmed: ${n} lookups in ${Math.round(performance.now() - t0)} ms`);
}

function passes(s: Scenario, p: Phases): boolean {
  return reasonsOf(checksOf(judged(s, p))).length === 0;
}

function judged(s: Scenario, p: Phases) {
  return {
    gates: p.gated?.gates ?? [],
    ...(p.steady_before ? { steady_state: { before: p.steady_before.gates, after: p.verified?.steady_after ?? [] } } : {}),
    timeline: p.loaded?.timeline ?? [],
    ...(p.verified?.invariants ? { invariants: p.verified.invariants } : {}),
    ...(p.verified?.restore_drill ? { restore_drill: p.verified.restore_drill } : {}),
    ...(s.expect_violations ? { expect_violations: true } : {}),
    ...(p.error !== undefined ? { error: p.error } : {}),
    ...(p.interrupted ? { interrupted: p.interrupted } : {}),
  };
}

function verdictOf(p: Phases, reasons: string[]): Verdict {
  if (p.interrupted) return 'interrupted';
  if (p.error !== undefined) return 'error';
  return reasons.length === 0 ? 'pass' : 'fail';
}

function assemble(s: Scenario, started_at: string, p: Phases): RunReport {
  const j = judged(s, p);
  const checks = checksOf(j);
  const reasons = reasonsOf(checks);
  const l = p.loaded?.load;
  const tb = p.booted?.tb;
  return {
    schema: 'testbed-run/1', scenario: s.name, description: s.description, verdict: verdictOf(p, reasons), reasons, checks,
    started_at, finished_at: new Date().toISOString(), ...commitOf(), ...(tb?.image_digest ? { image_digest: tb.image_digest, image_repo_digests: tb.image_repo_digests } : {}),
    ...(tb?.service_build_sha256 ? { service_build_sha256: tb.service_build_sha256 } : {}), machine: machine(),
    ...(p.booted?.calibration ? { calibration: p.booted.calibration } : {}),
    topology: { ...(p.booted?.topology ?? { boot_ms: 0, processes: [] }), ...(p.loaded?.memory_under_load_bytes ? { memory_under_load_bytes: p.loaded.memory_under_load_bytes } : {}) },
    ...(p.loaded ? { load_started_at: p.loaded.load_started_at } : {}),
    load: {
      duration_s: l?.duration_s ?? 0, warmup_s: s.load.warmup_s, scheduled: l?.scheduled ?? 0, sent: l?.sent ?? 0, completed: l?.completed ?? 0,
      dropped: l?.dropped ?? 0, late: l?.late ?? 0, achieved_rate_per_s: l?.achieved_rate_per_s ?? 0, goodput_per_s: l?.goodput_per_s ?? 0,
      offered_rate_per_s: l?.offered_rate_per_s ?? 0, error_rate: l?.error_rate ?? 0, status_counts: l?.status_counts ?? {}, code_counts: l?.code_counts ?? {},
      latency: l?.latency ?? { count: 0, mean_ms: 0, p50_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, p999_ms: 0, max_ms: 0 }, latency_by_op: l?.latency_by_op ?? {}, histogram: l?.histogram ?? '',
      ...(l ? { generator_nice: l.generator_nice, generator_autogroup_nice: l.generator_autogroup_nice, generator_cores: l.generator_cores } : {}), ...(l?.generator_note ? { generator_note: l.generator_note } : {}),
    },
    gates: j.gates, timeline: j.timeline, events: tb ? tb.log.events : [], windows: l?.windows ?? [],
    ...(p.loaded ? { server: p.loaded.server } : {}),
    ...(p.loaded?.cpu_split ? { cpu_split: p.loaded.cpu_split } : {}),
    ...(j.steady_state ? { steady_state: j.steady_state } : {}),
    ...(j.invariants ? { invariants: j.invariants } : {}),
    ...(p.verified?.restore_drill ? { restore_drill: p.verified.restore_drill } : {}),
    ...(p.gated?.recovery ? { recovery: p.gated.recovery } : {}),
    ...(p.gated?.overload ? { overload: p.gated.overload } : {}),
    ...(p.gated?.capacity ? { capacity: p.gated.capacity } : {}),
    ...(s.runbook ? { runbook: { path: s.runbook, steps: j.timeline.filter((t) => !t.skipped).map((t) => ({ step: t.label ?? t.kind, took_ms: t.ended_ms - t.started_ms })) } } : {}),
    ...(p.error !== undefined ? { error: p.error } : {}),
    ...(p.run_dir_kept ? { run_dir_kept: p.run_dir_kept } : {}),
  };
}

function commitOf(): Pick<RunReport, 'commit'> {
  let commit: string | undefined;
  try { commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { /* not a checkout */ }
  return commit ? { commit } : {};
}

export async function writeReports(outDir: string, r: RunReport) {
  const dir = path.join(outDir, r.scenario);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'report.json'), JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  await writeFile(path.join(dir, 'junit.xml'), toJUnit([r]));
  await writeFile(path.join(dir, 'report.html'), toHtml(r));
}
