// k6's threshold form (`thresholds: { http_req_duration: ['p(99)<200'] }`) read into our gates,
// so a team can bring the thresholds it already keeps for k6. Only what maps exactly is accepted.
import type { Gate } from '../loadtests/gates.js';

type Op = Gate['op'];
const EXPRESSION = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
const METRIC_KEY = /^([a-z_]+)(?:\{\s*(?:op|name)\s*:\s*([a-z_]+)\s*\})?$/;

/** Aggregation -> our metric, per k6 metric. `http_reqs` rate is goodput here (successful requests/s). */
const MAPPINGS: Record<string, Record<string, Gate['metric']>> = {
  http_req_duration: { 'p(50)': 'latency_p50_ms', med: 'latency_p50_ms', 'p(95)': 'latency_p95_ms', 'p(99)': 'latency_p99_ms', max: 'latency_max_ms' },
  http_req_failed: { rate: 'error_rate' },
  http_reqs: { rate: 'throughput_per_s' },
  dropped_iterations: { count: 'dropped' },
};

export class ThresholdError extends Error {
  constructor(readonly path: string, message: string) { super(`${path}: ${message}`); }
}

/** Parses one k6 thresholds object; errors name the metric key and the expression index. */
export function gatesFromK6(thresholds: Record<string, string[]>, where = 'thresholds'): Gate[] {
  const gates: Gate[] = [];
  for (const [key, expressions] of Object.entries(thresholds)) {
    const m = METRIC_KEY.exec(key);
    const mapping = m ? MAPPINGS[m[1]!] : undefined;
    if (!m || !mapping) throw new ThresholdError(`${where}.${key}`, `unsupported k6 metric; use one of ${Object.keys(MAPPINGS).join(', ')} (http_req_duration may carry a tag filter such as {op:payment})`);
    const requestOp = m[2];
    if (requestOp && m[1] !== 'http_req_duration') throw new ThresholdError(`${where}.${key}`, 'a tag filter is supported on http_req_duration only');
    expressions.forEach((expression, i) => gates.push(gateFrom(expression, mapping, requestOp, `${where}.${key}[${i}]`)));
  }
  return gates;
}

function gateFrom(expression: string, mapping: Record<string, Gate['metric']>, requestOp: string | undefined, path: string): Gate {
  const e = EXPRESSION.exec(expression);
  if (!e) throw new ThresholdError(path, `"${expression}" is not a k6 threshold; expected <aggregation><op><number>, e.g. "p(99)<200" or "rate<0.001"`);
  const [, aggregation, op, value] = e as unknown as [string, string, Op, string];
  const metric = mapping[aggregation];
  if (!metric) throw new ThresholdError(path, `aggregation "${aggregation}" is not supported here; use one of ${Object.keys(mapping).join(', ')}`);
  return { metric, op, threshold: Number(value), ...(requestOp ? { request_op: requestOp } : {}) };
}

/** The inverse, for export: a gate as a k6 (metric key, expression) pair, when one exists. */
export function k6FromGate(g: Gate): [string, string] | undefined {
  for (const [k6Metric, mapping] of Object.entries(MAPPINGS)) {
    const aggregation = Object.entries(mapping).find(([, metric]) => metric === g.metric)?.[0];
    if (aggregation) return [`${k6Metric}${g.request_op ? `{op:${g.request_op}}` : ''}`, `${aggregation}${g.op}${g.threshold}`];
  }
  return undefined;
}
