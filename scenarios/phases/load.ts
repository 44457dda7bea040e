import type { RestoreDrill } from '../../chaos/restore-drill.js';
import { runTimeline, type StepResult } from '../../chaos/timeline.js';
import { openConnections, WARM_CONNECTIONS_MAX } from '../../loadtests/connection-warmup.js';
import type { Http1Pool } from '../../loadtests/http1-pool.js';
import { loadPool, runOpenModel, type LoadRequest, type LoadResult, type ProgressSample, type WindowStats } from '../../loadtests/open-model.js';
import { totalDuration_s, type Stage } from '../../loadtests/schedule.js';
import { CpuSplit, type CpuSplitReport } from '../../testbed/cpu-split.js';
import { MetricsScraper, type ServerView } from '../../testbed/metrics-scraper.js';
import { ProcessCpuSampler } from '../../testbed/process-cpu-sampler.js';
import type { Testbed } from '../../testbed/testbed.js';
import { KNEE_BROKEN_S, KNEE_RUN_S, KneeSearchStop, kneeOf, kneeSearchStages, overloadStages, type Knee } from '../overload.js';
import type { Scenario } from '../scenario.js';
import { SEQ_OFFSET } from './probe.js';

export interface Loaded {
  load: LoadResult;
  timeline: StepResult[];
  load_started_at: string;
  memory_under_load_bytes?: number;
  /** Service metric values before the load, for service_metric_gates (their increase is judged). */
  metrics_before: number[];
  /** The tasks' /metrics every second, summed, on the load's clock. */
  server: ServerView;
  /**
   * Overload scenarios: the knee search's windows and the knee found in them. Its history joins the
   * ledger check; when it found no knee, the search is the run's `load` itself and this history is empty.
   */
  knee?: Knee & { search: WindowStats[]; broke_at_per_s: number | null; history: LoadResult['history']; generator_cores: number };
  /** Scenarios with load.generator_cpus: how the CPUs were split for the load, or why they were not. */
  cpu_split?: CpuSplitReport;
}

export interface LoadContext { tb: Testbed; s: Scenario; next: (seq: number) => LoadRequest; say: (l: string) => void; status: (l: string) => void; signal: AbortSignal; drill?: RestoreDrill }

/** Phase 3: the open-model load with the timeline's faults on one clock (after a knee search, for overload). */
export async function loadAndFaults(c: LoadContext): Promise<Loaded> {
  const { tb, s } = c;
  // One pool for the knee search and the load: the connections opened for the overload are kept.
  const pool = loadPool(tb.url, { timeout_ms: s.load.timeout_ms ?? 10_000 });
  let split: CpuSplit | undefined;
  try {
    if (s.load.generator_cpus) split = await splitCpus(c, s.load.generator_cpus);
    return { ...(await loadWith(c, pool)), ...(split ? { cpu_split: split.report } : {}) };
  } finally {
    await split?.restore();
    await pool.close();
  }
}

/** The generator on CPUs of its own for the load (knee search included), the system on the rest. */
async function splitCpus(c: LoadContext, generator_cpus: number): Promise<CpuSplit> {
  const system_roots = c.tb.processes().map((p) => p.pid).filter((p): p is number => p !== undefined);
  const split = await CpuSplit.apply({ generator_cpus, system_roots });
  const r = split.report;
  c.say(r.applied
    ? `[${c.s.name}] CPUs split: the load generator on ${r.generator_cpus.join(',')}, the system under test (${r.system_processes} processes) on ${r.system_cpus.join(',')}`
    : `[${c.s.name}] CPUs not split, the load generator shares them with the system: ${r.reason}`);
  return split;
}

async function loadWith(c: LoadContext, pool: Http1Pool): Promise<Loaded> {
  const { tb, s } = c;
  const metricsNow = () => Promise.all((s.service_metric_gates ?? []).map((g) => tb.serviceMetric(g.metric, g.labels)));
  const beforeKnee = s.overload ? { at: new Date().toISOString(), metrics: await metricsNow() } : undefined;
  const searched = s.overload ? await findKnee(c, pool) : undefined;
  if (searched && beforeKnee && searched.knee.per_s === 0) return noKnee(c, searched, beforeKnee);
  const knee = searched?.knee;
  const stages = s.overload ? overloadStages(s.overload, knee!.per_s) : s.load.stages;
  if (s.overload) c.say(`[${s.name}] knee ${knee!.per_s}/s: offering ${stages.map((st) => ('rate_per_s' in st ? `${st.rate_per_s}/s for ${st.duration_s} s` : '')).join(', then ')}`);
  const metrics_before = await metricsNow();
  // One clock for load and events: a restore target marked at t must split the history exactly at t.
  const origin_ms = performance.now();
  tb.log.resetOrigin(origin_ms);
  const load_started_at = new Date().toISOString();
  let memory_under_load_bytes: number | undefined;
  const memorySample = setTimeout(() => { void tb.pss_bytes().then((b) => { memory_under_load_bytes = b; }); }, (s.load.warmup_s + 5) * 1000);
  const scraper = new MetricsScraper(() => tb.listInstances().filter((i) => i.running).map((i) => i.url)).start(origin_ms);
  const cpuSampler = new ProcessCpuSampler(() => tb.processes()).start(origin_ms);
  const timeline = runTimeline(tb, s.timeline ?? [], { signal: c.signal, ...(c.drill ? { drill: c.drill } : {}) });
  const total_s = totalDuration_s(stages);
  const load = await runOpenModel({
    target: tb.url, stages, measure_from_s: s.load.warmup_s, next: c.next, signal: c.signal, origin_ms, pool,
    inflight_max: s.load.inflight_max ?? 4_000,
    onProgress: (p) => c.status(progressLine(s.name, p, total_s)),
  });
  clearTimeout(memorySample);
  const server = await scraper.stop();
  server.series.push(...await cpuSampler.stop());
  await addAlbQueueChanges(tb, load_started_at).catch((err: Error) => c.say(`[${s.name}] the ALB's queue cuts could not be read, so the report shows none: ${err.message}`));
  return { load, timeline: await timeline, load_started_at, metrics_before, server, ...(knee ? { knee } : {}), ...(memory_under_load_bytes ? { memory_under_load_bytes } : {}) };
}

/** The ALB's queue cuts and restores during the load, as events on the run's clock (charts, report). */
async function addAlbQueueChanges(tb: Testbed, since: string) {
  const { admission_changes } = await tb.alb.stats();
  for (const { at, overloaded, ...detail } of admission_changes) {
    if (at >= since) tb.log.addAt(overloaded ? 'alb_queue_cut' : 'alb_queue_restored', detail, Date.parse(at));
  }
}

/**
 * Connections for the overload's first arrivals: the step from idle to 2x the knee otherwise opened
 * them all at once (see openConnections). Enough for OVERLOAD_CONNECTED_S of arrivals at its rate.
 */
function overloadConnections(stages: Stage[]): number {
  const first = stages[0];
  const rate = first && 'rate_per_s' in first ? first.rate_per_s : 0;
  return Math.min(WARM_CONNECTIONS_MAX, Math.ceil(rate * OVERLOAD_CONNECTED_S));
}
const OVERLOAD_CONNECTED_S = 0.15;

/**
 * The knee search of an overload scenario: a ramp whose payments join the ledger check. It stops
 * once the ramp has broken (KneeSearchStop), so its top can sit far above any machine's knee.
 */
async function findKnee(c: LoadContext, pool: Http1Pool): Promise<{ knee: NonNullable<Loaded['knee']>; load: LoadResult }> {
  const { s } = c;
  const o = s.overload!;
  const stages: Stage[] = kneeSearchStages(o);
  c.say(`[${s.name}] knee search: ${o.knee_search.warmup_s} s at ${o.knee_search.from_rate_per_s}/s, then ${o.knee_search.from_rate_per_s} -> ${o.knee_search.to_rate_per_s}/s over ${o.knee_search.duration_s} s, until ${KNEE_BROKEN_S} seconds in a row miss p99 < 200 ms or errors < 0.1%`);
  const broke = new AbortController();
  const stop = new KneeSearchStop(o.knee_search.warmup_s);
  const r = await runOpenModel({ target: c.tb.url, stages, next: (i) => c.next(SEQ_OFFSET.knee_search + i), signal: AbortSignal.any([c.signal, broke.signal]), pool,
    onProgress: (p) => {
      c.status(progressLine(`${s.name} knee`, p, totalDuration_s(stages)));
      if (stop.observe(Math.floor(p.t_s) - 1 /* the second last_s covers */, p.last_s)) broke.abort();
    } });
  const { broke_at_per_s } = stop;
  const found = kneeOf(r.windows, o.knee_search.warmup_s);
  const per_s = found.per_s;
  c.say(broke_at_per_s === null
    ? `[${s.name}] the knee search reached its top (${o.knee_search.to_rate_per_s}/s) without breaking: ${per_s}/s is a floor, not the knee`
    : `[${s.name}] the knee search broke at ${broke_at_per_s}/s offered`);
  if (found.stall_t_s !== null) c.say(`[${s.name}] the knee's run (seconds ${found.run_t_s.join(', ')}) stepped over a lone slow second, ${found.stall_t_s}: a stall it rode out`);
  // Before the cooldown: the burst that opens them must be long over (the ALB's overload detector
  // saw it as one) when the overload begins.
  if (per_s > 0) c.say(`[${s.name}] ${await openConnections(pool, overloadConnections(overloadStages(o, per_s)))} connections open for the overload`);
  await new Promise((resolve) => setTimeout(resolve, o.cooldown_s * 1000));
  return { knee: { ...found, search: r.windows, broke_at_per_s, history: r.history, generator_cores: r.generator_cores }, load: r };
}

/**
 * No 3 seconds of the search held the bar: a measurement, not a failed run. The search is the run's
 * load (its payments are checked once, as the load's), and judgeOverload fails the gate that needs a knee.
 */
async function noKnee(c: LoadContext, { knee, load }: Awaited<ReturnType<typeof findKnee>>, before: { at: string; metrics: number[] }): Promise<Loaded> {
  c.say(`[${c.s.name}] no ${KNEE_RUN_S} consecutive seconds of the knee search kept p99 < 200 ms and errors < 0.1%: there is no knee to overload, so the overload is not run`);
  const server: ServerView = { interval_ms: 1_000, scrapes: 0, failed_scrapes: 0, series: [] };
  return { load, timeline: [], load_started_at: before.at, metrics_before: before.metrics, server, knee: { ...knee, history: [] } };
}

export function progressLine(name: string, p: ProgressSample, total_s: number): string {
  const eta_s = Math.max(0, Math.round(total_s - p.t_s));
  return `[${name}] ${p.t_s.toFixed(0).padStart(3)}/${total_s}s ETA ${eta_s}s ${p.phase === 'warmup' ? 'warm-up' : 'measure'} sent/s=${p.last_s.sent} ok/s=${p.last_s.ok} err/s=${p.last_s.errors} p99=${p.last_s.p99_ms.toFixed(1)}ms inflight=${p.inflight}`;
}
