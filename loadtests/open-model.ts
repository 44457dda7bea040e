import { Http1Pool, type Http1Request, type Http1Response } from './http1-pool.js';
import { LoadStats, type LoadSummary } from './load-stats.js';
import { arrivals, totalDuration_s, type Stage } from './schedule.js';
import { raiseGeneratorPriority } from './generator-priority.js';

export type { WindowStats } from './load-stats.js';

/** What a request's `parse` read off its response; copied into the history record. */
export interface ResponseFacts { code?: string; payment_id?: string; replayed?: boolean }

export interface LoadRequest {
  op: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Statuses that count as success; default 2xx. */
  expect_status?: number[];
  /** Copied into the history record (e.g. idempotency key, accounts, amount). */
  meta?: Record<string, string>;
  /** Reads what the scenario needs off a response (ids, error codes); the generator knows no API. */
  parse?: (r: { status: number; headers: Record<string, string>; body: string }) => ResponseFacts;
}

export interface HistoryRecord {
  seq: number;
  op: string;
  intended_ms: number;
  sent_ms: number;
  done_ms: number;
  latency_ms: number;
  status: number; // 0 when no response arrived
  outcome: 'ok' | 'http_error' | 'timeout' | 'network_error';
  code?: string;
  payment_id?: string;
  replayed?: boolean;
  meta?: Record<string, string>;
}

export interface ProgressSample {
  t_s: number; phase: 'warmup' | 'measure'; last_s: { sent: number; ok: number; errors: number; p99_ms: number }; inflight: number;
}

export interface LoadResult extends LoadSummary {
  history: HistoryRecord[];
  /** The generator thread's nice value during the run (null: it could not be raised, see generator_note). */
  generator_nice: number | null;
  /** The runner session's autogroup nice during the run (null: no autogroups, or not raised; see generator_note). */
  generator_autogroup_nice: number | null;
  generator_note?: string;
  /**
   * The generator's process CPU over the run, in cores (its event loop is one thread, so ~1 means it
   * is at its own ceiling and its lag counts as latency). Includes whatever else the runner did.
   */
  generator_cores: number;
}

/** What the generator sends through: the Http1Pool by default; anything else only as a reference (generator-ceiling.ts). */
export interface LoadClient { request(req: Http1Request): Promise<Http1Response>; close(): Promise<void> }

export interface OpenModelOptions {
  target: string;
  stages: Stage[];
  next: (seq: number) => LoadRequest;
  /** Requests in flight at most; an arrival beyond it is dropped and counted (like k6). */
  inflight_max?: number;
  connections?: number;
  /** A pool the caller made (and warmed, and closes); by default the run makes its own of `connections`. */
  pool?: LoadClient;
  /** Response timeout of the pool the run makes (a caller's pool carries its own: see loadPool). */
  timeout_ms?: number;
  /** A send later than this behind its schedule counts as late: the generator fell behind. */
  late_threshold_ms?: number;
  keep_history?: boolean;
  /** Arrivals before this are warm-up: charted in windows, left out of every summary and gate. */
  measure_from_s?: number;
  onProgress?: (p: ProgressSample) => void;
  signal?: AbortSignal;
  /** Time zero (a performance.now() value) shared with whoever marks events on the same run. */
  origin_ms?: number;
}

/**
 * Constant or ramping arrival rate; latency measured from the scheduled send time, so queueing
 * delay inside the generator or the system is counted (no coordinated omission).
 */
export async function runOpenModel(o: OpenModelOptions): Promise<LoadResult> {
  const measure_from_s = o.measure_from_s ?? 0;
  const duration_s = totalDuration_s(o.stages) - measure_from_s;
  if (duration_s <= 0) throw new Error('measure_from_s must be shorter than the load profile');
  const timeout_ms = o.timeout_ms ?? 10_000;
  // Open model: every arrival may need its own connection, as independent users would.
  const pool: LoadClient = o.pool ?? loadPool(o.target, { connections: o.connections, timeout_ms });
  const run: Run = { o, pool, stats: new LoadStats(measure_from_s * 1000), history: [], inflight: 0, start_ms: o.origin_ms ?? performance.now() };
  const priority = raiseGeneratorPriority();
  const cpu0 = process.cpuUsage();
  const wall0_ms = performance.now();
  try {
    await sendOnSchedule(run);
  } finally {
    priority.restore();
    if (!o.pool) await pool.close();
  }
  return {
    ...run.stats.summary(duration_s, measure_from_s), history: run.history,
    generator_nice: priority.nice ?? null, generator_autogroup_nice: priority.autogroup_nice ?? null, ...(priority.reason ? { generator_note: priority.reason } : {}),
    generator_cores: coresSince(cpu0, wall0_ms),
  };
}

/** The generator's connection pool: keep-alive, one request per connection at a time (http1-pool.ts). */
export function loadPool(target: string, o: { connections?: number | undefined; timeout_ms: number }): Http1Pool {
  return new Http1Pool(target, { connections_max: o.connections ?? 1_024, timeout_ms: o.timeout_ms });
}

interface Run { o: OpenModelOptions; pool: LoadClient; stats: LoadStats; history: HistoryRecord[]; inflight: number; start_ms: number }

const PROGRESS_INTERVAL_MS = 1_000;
const TICK_MS_MAX = 5;

/** The arrival loop: sends whatever is due, drops beyond the in-flight bound, reports progress. */
function sendOnSchedule(run: Run): Promise<void> {
  const { o, stats } = run;
  const inflightMax = o.inflight_max ?? 4_000;
  const lateThreshold_ms = o.late_threshold_ms ?? 20;
  const now = () => performance.now() - run.start_ms;
  const schedule = arrivals(o.stages);
  let next = schedule.next();
  let seq = 0;
  let lastProgress = 0;
  return new Promise<void>((resolve) => {
    const tick = () => {
      const t = now();
      for (; !next.done && next.value <= t && !o.signal?.aborted; seq++, next = schedule.next()) {
        const counts = stats.measured(next.value);
        if (counts) stats.scheduled++;
        if (run.inflight >= inflightMax) { if (counts) stats.dropped++; continue; }
        if (counts && t - next.value > lateThreshold_ms) stats.late++;
        if (counts) stats.sent++;
        run.inflight++;
        void fire(run, seq, next.value).finally(() => { run.inflight--; });
      }
      if (o.onProgress && t - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = t;
        o.onProgress({ t_s: Math.round(t / 100) / 10, phase: stats.measured(t) ? 'measure' : 'warmup', inflight: run.inflight, last_s: stats.lastSecond(t) });
      }
      if ((next.done || o.signal?.aborted) && run.inflight === 0) { resolve(); return; }
      // Sleep until the next arrival (timers have ~1 ms resolution); everything due is sent in
      // one batch. Spinning on setImmediate instead would burn the core the system under test needs.
      const wait = next.done ? TICK_MS_MAX : next.value - now();
      setTimeout(tick, Math.min(Math.max(wait, 1), TICK_MS_MAX));
    };
    tick();
  });
}

/** One request: sent, timed from its intended send time, judged, recorded. */
async function fire(run: Run, seq: number, intended_ms: number): Promise<void> {
  const req = run.o.next(seq);
  const now = () => performance.now() - run.start_ms;
  const sent_ms = now();
  run.stats.window(intended_ms).sent++;
  let status = 0, outcome: HistoryRecord['outcome'] = 'network_error', facts: ResponseFacts = {};
  try {
    const res = await run.pool.request(req);
    status = res.statusCode;
    outcome = (req.expect_status ? req.expect_status.includes(status) : status >= 200 && status < 300) ? 'ok' : 'http_error';
    facts = req.parse?.({ status, headers: res.headers, body: res.body }) ?? {};
  } catch (err) {
    const c = (err as { code?: string }).code ?? '';
    outcome = /TIMEOUT/.test(c) ? 'timeout' : 'network_error';
    facts = { code: c || (err as Error).message };
  }
  const done_ms = now();
  const latency_ms = done_ms - intended_ms;
  run.stats.record({ op: req.op, intended_ms, latency_ms, status, ok: outcome === 'ok', code: facts.code });
  if (run.o.keep_history === false) return;
  run.history.push({
    seq, op: req.op, intended_ms: r3(intended_ms), sent_ms: r3(sent_ms), done_ms: r3(done_ms), latency_ms: r3(latency_ms), status, outcome,
    ...facts, ...(req.meta ? { meta: req.meta } : {}),
  });
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

function coresSince(cpu0: NodeJS.CpuUsage, wall0_ms: number): number {
  const d = process.cpuUsage(cpu0);
  return Math.round(((d.user + d.system) / 1000 / Math.max(1, performance.now() - wall0_ms)) * 100) / 100;
}
