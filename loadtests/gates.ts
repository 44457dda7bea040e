import { z } from 'zod';
import type { LoadResult } from './open-model.js';

export const GATE_METRICS = [
  'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'latency_max_ms',
  'error_rate', 'errors', 'throughput_per_s', 'dropped', 'late_rate',
] as const;

export const gateSchema = z.object({
  metric: z.enum(GATE_METRICS),
  op: z.enum(['<', '<=', '>', '>=']),
  threshold: z.number(),
  /** Restrict latency metrics to one request kind (e.g. "payment"). */
  request_op: z.string().optional(),
});
export type Gate = z.infer<typeof gateSchema>;

/** A judged threshold: a load gate, or a gate on a service metric (so `metric` is a string). */
export interface GateResult {
  name: string; metric: string; op: Gate['op']; threshold: number; request_op?: string;
  measured: number; pass: boolean; baseline?: number; delta_pct?: number;
}

export function gateName(g: Gate): string {
  return `${g.metric}${g.request_op ? `[${g.request_op}]` : ''} ${g.op} ${g.threshold}`;
}

export function measure(result: LoadResult, g: Pick<Gate, 'metric' | 'request_op'>): number {
  const lat = g.request_op ? result.latency_by_op[g.request_op] : result.latency;
  switch (g.metric) {
    case 'latency_p50_ms': return lat?.p50_ms ?? Number.NaN;
    case 'latency_p95_ms': return lat?.p95_ms ?? Number.NaN;
    case 'latency_p99_ms': return lat?.p99_ms ?? Number.NaN;
    case 'latency_max_ms': return lat?.max_ms ?? Number.NaN;
    case 'error_rate': return result.error_rate;
    // A count, for blast radii: "0 failed requests", or "at most N while a bad version had traffic".
    case 'errors': return result.errors;
    // Goodput: a 503 answered quickly is not throughput (70% shed once passed a completions gate).
    case 'throughput_per_s': return result.goodput_per_s;
    case 'dropped': return result.dropped;
    case 'late_rate': return result.scheduled ? result.late / result.scheduled : 0;
  }
}

export function holds(measured: number, op: Gate['op'], threshold: number): boolean {
  if (Number.isNaN(measured)) return false; // no data is a failure, never a pass
  switch (op) {
    case '<': return measured < threshold;
    case '<=': return measured <= threshold;
    case '>': return measured > threshold;
    case '>=': return measured >= threshold;
  }
}

export function evaluateGates(result: LoadResult, gates: Gate[]): GateResult[] {
  return gates.map((g) => {
    const measured = measure(result, g);
    return { ...g, name: gateName(g), measured, pass: holds(measured, g.op, g.threshold) };
  });
}

export interface Baseline { scenario: string; saved_at: string; metrics: Record<string, number> }

const LOWER_IS_BETTER = new Set(['latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'latency_max_ms', 'error_rate', 'errors', 'dropped', 'late_rate']);

/**
 * Regression gates against a saved run: a metric worse than the baseline by more than
 * `regression_pct` fails. Metrics are those the scenario gates on.
 */
export function compareToBaseline(current: GateResult[], baseline: Baseline, regression_pct: number): GateResult[] {
  return current.flatMap((g) => {
    const base = baseline.metrics[g.name];
    if (base === undefined) return [];
    const lower = LOWER_IS_BETTER.has(g.metric);
    const delta_pct = base === 0 ? (g.measured === 0 ? 0 : 100) : ((g.measured - base) / Math.abs(base)) * 100;
    const worse = lower ? delta_pct > regression_pct : -delta_pct > regression_pct;
    return [{
      ...g, name: `regression: ${g.name.split(' ')[0]} within ${regression_pct}% of baseline`,
      baseline: base, delta_pct: Math.round(delta_pct * 10) / 10, pass: !worse,
    }];
  });
}

export function toBaseline(scenario: string, gates: GateResult[]): Baseline {
  return { scenario, saved_at: new Date().toISOString(), metrics: Object.fromEntries(gates.map((g) => [g.name, g.measured])) };
}
