import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';

export interface WindowStats { t_s: number; sent: number; ok: number; errors: number; p50_ms: number; p99_ms: number }

export interface LoadSummary {
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
}

interface Window { sent: number; ok: number; errors: number; h: LatencyHistogram }

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * What an open-model run counts: per-second windows over the whole run (warm-up included, for the
 * charts) and, for arrivals from `measureFrom_ms` on, the summaries that gates judge.
 */
export class LoadStats {
  scheduled = 0; sent = 0; completed = 0; dropped = 0; late = 0; ok = 0; errors = 0;
  private readonly windows: Window[] = [];
  private readonly all = new LatencyHistogram();
  private readonly byOp = new Map<string, LatencyHistogram>();
  private readonly statusCounts: Record<string, number> = {};
  private readonly codeCounts: Record<string, number> = {};

  constructor(private readonly measureFrom_ms: number) {}

  measured(intended_ms: number): boolean { return intended_ms >= this.measureFrom_ms; }

  window(t_ms: number): Window {
    return (this.windows[Math.floor(t_ms / 1000)] ??= { sent: 0, ok: 0, errors: 0, h: new LatencyHistogram() });
  }

  /** One finished request, by when it was meant to be sent. */
  record(r: { op: string; intended_ms: number; latency_ms: number; status: number; ok: boolean; code: string | undefined }) {
    const w = this.window(r.intended_ms);
    w.h.record(r.latency_ms);
    if (r.ok) w.ok++; else w.errors++;
    if (!this.measured(r.intended_ms)) return;
    this.all.record(r.latency_ms);
    let h = this.byOp.get(r.op);
    if (!h) this.byOp.set(r.op, (h = new LatencyHistogram()));
    h.record(r.latency_ms);
    this.completed++;
    this.statusCounts[String(r.status)] = (this.statusCounts[String(r.status)] ?? 0) + 1;
    if (r.code) this.codeCounts[r.code] = (this.codeCounts[r.code] ?? 0) + 1;
    if (r.ok) this.ok++; else this.errors++;
  }

  /** The last whole second before `t_ms`, for progress lines. */
  lastSecond(t_ms: number): { sent: number; ok: number; errors: number; p99_ms: number } {
    const last = this.windows[Math.floor(t_ms / 1000) - 1];
    return { sent: last?.sent ?? 0, ok: last?.ok ?? 0, errors: last?.errors ?? 0, p99_ms: last ? r3(last.h.percentile_ms(99)) : 0 };
  }

  summary(duration_s: number, measure_from_s: number): LoadSummary {
    const latency_by_op: Record<string, LatencySummary> = {};
    for (const [op, h] of this.byOp) latency_by_op[op] = h.summary();
    return {
      duration_s, measure_from_s, scheduled: this.scheduled, sent: this.sent, completed: this.completed, dropped: this.dropped, late: this.late,
      achieved_rate_per_s: r1(this.completed / duration_s), goodput_per_s: r1(this.ok / duration_s), offered_rate_per_s: r1(this.scheduled / duration_s),
      ok: this.ok, errors: this.errors, error_rate: this.completed ? this.errors / this.completed : 0,
      status_counts: this.statusCounts, code_counts: this.codeCounts,
      latency: this.all.summary(), latency_by_op, histogram: this.all.encode(),
      windows: this.windows.map((w, i) => ({ t_s: i, sent: w?.sent ?? 0, ok: w?.ok ?? 0, errors: w?.errors ?? 0, p50_ms: w ? r3(w.h.percentile_ms(50)) : 0, p99_ms: w ? r3(w.h.percentile_ms(99)) : 0 })),
    };
  }
}
