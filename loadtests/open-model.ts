import { Pool } from 'undici';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { arrivals, totalDuration_s, type Stage } from './schedule.js';

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

export interface WindowStats { t_s: number; sent: number; ok: number; errors: number; p50_ms: number; p99_ms: number }

export interface LoadResult {
  /** Length of the measured part of the run (after warm-up). */
  duration_s: number;
  measure_from_s: number;
  scheduled: number;
  sent: number;
  completed: number;
  dropped: number;
  late: number;
  /** Completed requests per second, whatever their status. */
  achieved_rate_per_s: number;
  /** Successful responses per second: what users mean by throughput. */
  goodput_per_s: number;
  /** Arrivals scheduled per second in the measured part: the load the system was offered. */
  offered_rate_per_s: number;
  ok: number;
  errors: number;
  error_rate: number;
  status_counts: Record<string, number>;
  code_counts: Record<string, number>;
  latency: LatencySummary;
  latency_by_op: Record<string, LatencySummary>;
  histogram: string;
  windows: WindowStats[];
  history: HistoryRecord[];
}

export interface OpenModelOptions {
  target: string;
  stages: Stage[];
  next: (seq: number) => LoadRequest;
  /** Requests in flight at most; an arrival beyond it is dropped and counted (like k6). */
  inflight_max?: number;
  connections?: number;
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

const PROGRESS_INTERVAL_MS = 1_000;

/**
 * Constant or ramping arrival rate; latency measured from the scheduled send time, so queueing
 * delay inside the generator or the system is counted (no coordinated omission).
 */
export async function runOpenModel(o: OpenModelOptions): Promise<LoadResult> {
  const inflightMax = o.inflight_max ?? 4_000;
  const timeout_ms = o.timeout_ms ?? 10_000;
  const lateThreshold_ms = o.late_threshold_ms ?? 20;
  // Open model: every arrival may need its own connection, as independent users would.
  const pool = new Pool(o.target, { connections: o.connections ?? 1_024, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeout_ms, bodyTimeout: timeout_ms });
  const all = new LatencyHistogram();
  const byOp = new Map<string, LatencyHistogram>();
  const windows: { sent: number; ok: number; errors: number; h: LatencyHistogram }[] = [];
  const window = (t_ms: number) => (windows[Math.floor(t_ms / 1000)] ??= { sent: 0, ok: 0, errors: 0, h: new LatencyHistogram() });
  const statusCounts: Record<string, number> = {};
  const codeCounts: Record<string, number> = {};
  const history: HistoryRecord[] = [];
  let scheduled = 0, sent = 0, completed = 0, dropped = 0, late = 0, ok = 0, errors = 0, inflight = 0;

  const start = o.origin_ms ?? performance.now();
  const now = () => performance.now() - start;
  const schedule = arrivals(o.stages);
  const measureFrom_ms = (o.measure_from_s ?? 0) * 1000;
  const duration_s = totalDuration_s(o.stages) - (o.measure_from_s ?? 0);
  if (duration_s <= 0) throw new Error('measure_from_s must be shorter than the load profile');
  const measured = (intended_ms: number) => intended_ms >= measureFrom_ms;

  const fire = async (seq: number, intended_ms: number) => {
    const req = o.next(seq);
    const sent_ms = now();
    window(intended_ms).sent++;
    let status = 0, outcome: HistoryRecord['outcome'] = 'network_error', code: string | undefined, paymentId: string | undefined, replayed: boolean | undefined;
    try {
      const res = await pool.request({
        path: req.path, method: req.method, headers: req.headers, ...(req.body === undefined ? {} : { body: req.body }),
      });
      const text = await res.body.text();
      status = res.statusCode;
      outcome = (req.expect_status ? req.expect_status.includes(status) : status >= 200 && status < 300) ? 'ok' : 'http_error';
      if (req.method === 'POST' || status >= 400) {
        try {
          const parsed = JSON.parse(text) as { id?: string; code?: string };
          if (status >= 400) code = parsed.code;
          else paymentId = parsed.id;
        } catch { /* non-JSON body: the status says enough */ }
      }
      replayed = res.headers['idempotent-replayed'] === 'true' ? true : undefined;
    } catch (err) {
      const c = (err as { code?: string }).code ?? '';
      outcome = /TIMEOUT/.test(c) ? 'timeout' : 'network_error';
      code = c || (err as Error).message;
    }
    const done_ms = now();
    const latency_ms = done_ms - intended_ms;
    const w = window(intended_ms);
    w.h.record(latency_ms);
    if (outcome === 'ok') w.ok++; else w.errors++;
    inflight--;
    if (intended_ms >= measureFrom_ms) {
      all.record(latency_ms);
      let h = byOp.get(req.op);
      if (!h) byOp.set(req.op, (h = new LatencyHistogram()));
      h.record(latency_ms);
      completed++;
      statusCounts[String(status)] = (statusCounts[String(status)] ?? 0) + 1;
      if (code) codeCounts[code] = (codeCounts[code] ?? 0) + 1;
      if (outcome === 'ok') ok++; else errors++;
    }
    if (o.keep_history !== false) {
      history.push({
        seq, op: req.op, intended_ms: r3(intended_ms), sent_ms: r3(sent_ms), done_ms: r3(done_ms), latency_ms: r3(latency_ms), status, outcome,
        ...(code ? { code } : {}), ...(paymentId ? { payment_id: paymentId } : {}), ...(replayed ? { replayed } : {}), ...(req.meta ? { meta: req.meta } : {}),
      });
    }
  };

  let lastProgress = 0;
  await new Promise<void>((resolve) => {
    let next = schedule.next();
    let seq = 0;
    const tick = () => {
      const t = now();
      while (!next.done && next.value <= t && !o.signal?.aborted) {
        const counts = measured(next.value);
        if (counts) scheduled++;
        if (inflight >= inflightMax) {
          if (counts) dropped++;
        } else {
          if (counts && t - next.value > lateThreshold_ms) late++;
          inflight++;
          if (counts) sent++;
          void fire(seq, next.value);
        }
        seq++;
        next = schedule.next();
      }
      if (o.onProgress && t - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = t;
        const last = windows[Math.floor(t / 1000) - 1];
        o.onProgress({
          t_s: Math.round(t / 100) / 10, phase: t < measureFrom_ms ? 'warmup' : 'measure', inflight,
          last_s: { sent: last?.sent ?? 0, ok: last?.ok ?? 0, errors: last?.errors ?? 0, p99_ms: last ? r3(last.h.percentile_ms(99)) : 0 },
        });
      }
      if ((next.done || o.signal?.aborted) && inflight === 0) { resolve(); return; }
      // Sleep until the next arrival (timers have ~1 ms resolution); everything due is sent in
      // one batch. Spinning on setImmediate instead would burn the core the system under test needs.
      const wait = next.done ? 5 : next.value - now();
      setTimeout(tick, Math.min(Math.max(wait, 1), 5));
    };
    tick();
  });
  await pool.close();

  const elapsed_s = duration_s;
  const latencyByOp: Record<string, LatencySummary> = {};
  for (const [op, h] of byOp) latencyByOp[op] = h.summary();
  return {
    duration_s, measure_from_s: o.measure_from_s ?? 0, scheduled, sent, completed, dropped, late,
    achieved_rate_per_s: Math.round((completed / elapsed_s) * 10) / 10,
    goodput_per_s: Math.round((ok / elapsed_s) * 10) / 10,
    offered_rate_per_s: Math.round((scheduled / elapsed_s) * 10) / 10,
    ok, errors, error_rate: completed ? errors / completed : 0,
    status_counts: statusCounts, code_counts: codeCounts,
    latency: all.summary(), latency_by_op: latencyByOp, histogram: all.encode(),
    windows: windows.map((w, i) => ({ t_s: i, sent: w?.sent ?? 0, ok: w?.ok ?? 0, errors: w?.errors ?? 0, p50_ms: w ? r3(w.h.percentile_ms(50)) : 0, p99_ms: w ? r3(w.h.percentile_ms(99)) : 0 })),
    history,
  };
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;
