import { holds, type GateResult } from '../loadtests/gates.js';
import { LatencyHistogram } from '../loadtests/latency-histogram.js';
import type { HistoryRecord, LoadResult, WindowStats } from '../loadtests/open-model.js';
import type { Stage } from '../loadtests/schedule.js';

/** Overload without collapse: find the knee, offer a multiple of it, then drop below it. */
export interface OverloadSpec {
  /** An open-model ramp (after `warmup_s` at its starting rate, for the session caches); see kneeOf. */
  knee_search: { warmup_s: number; from_rate_per_s: number; to_rate_per_s: number; duration_s: number };
  /** Quiet time after the search, so its own overload has drained before the measured part. */
  cooldown_s: number;
  overload_multiple: number;
  overload_s: number;
  after_multiple: number;
  after_s: number;
  /** After the drop: p99 < 200 ms and no errors from this many seconds on. */
  recovery_within_s: number;
  goodput_share_min: number;
  /**
   * At least this share of what was offered during the overload must be refused. A system that
   * served nearly all of its "2x the knee" was not overloaded: the knee was below its capacity (one
   * slow second early in the ramp can do that), and every other gate would pass without testing an
   * overload (slow EPYC, 2026-12-03: knees of 282/s and 445/s, 2x served in full, nothing refused, PASS).
   */
  refused_share_min: number;
  refused_p99_ms_max: number;
  accepted_p99_ms_max: number;
}

export interface OverloadResult {
  /** 0 when no KNEE_RUN_S seconds of the search held: then the overload was not run and its figures below are 0. */
  knee_per_s: number;
  /** The seconds of the search the knee was read from, and a lone slow one it stepped over (see kneeOf). */
  knee_run_t_s: number[];
  knee_stall_t_s: number | null;
  /** False when there was no knee: nothing was offered after the search. */
  overload_run: boolean;
  /** Per second of the knee search, so a reader can see where it broke. */
  knee_search: WindowStats[];
  /**
   * The rate the search's ramp had reached when it stopped after KNEE_BROKEN_S broken seconds in a
   * row; null when it reached its top without breaking: then the knee is censored (the system can
   * do more than was offered) and 2x of it need not be an overload at all.
   */
  knee_search_broke_at_per_s: number | null;
  offered_per_s: number;
  goodput_per_s: number;
  refused: number;
  /** Refused (503) among the requests offered during the overload. */
  refused_share: number;
  refused_p99_ms: number;
  accepted_p99_ms: number;
  after_worst_p99_ms: number;
  after_errors: number;
  /** Per second of the overload: where the refused or the accepted were slow (a stall, the first second). */
  overload_seconds: OverloadSecond[];
  /** The co-located generator's CPU (cores) in the knee search and in the overload run: near 1, it was its own limit. */
  generator_cores_knee: number;
  generator_cores_overload: number;
}

export interface OverloadSecond { t_s: number; accepted: number; refused: number; accepted_p99_ms: number; refused_p99_ms: number }

const P99_MS_MAX = 200;
/** Holding seconds that make a knee. */
export const KNEE_RUN_S = 3;
const ERROR_RATE_MAX = 0.001;
/**
 * Broken seconds in a row that end the knee search: a stall the system rides out breaks one second,
 * and its drain often the next. With 2, one stall ended a search on the slow EPYC (2026-12-03: a
 * second at p99 575 ms, the next still draining, at 1,590-1,752/s): knee 1,262/s, and 2x of it was
 * then served with 8% refused, not an overload. A real knee costs one more second of ramp past it.
 */
export const KNEE_BROKEN_S = 3;

/** The bar of the knee and of the baseline gate: p99 < 200 ms and errors < 0.1%, with something served. */
export function secondHolds(w: { sent: number; ok: number; errors: number; p99_ms: number }): boolean {
  return w.p99_ms < P99_MS_MAX && w.errors <= w.sent * ERROR_RATE_MAX && w.ok > 0;
}

/**
 * Ends the knee search once the ramp has broken: KNEE_BROKEN_S seconds in a row (after the warm-up)
 * that miss the bar. Ramping on past the knee only overloads the system before the measured part.
 */
export class KneeSearchStop {
  private broken_s = 0;
  private last_s = -1;
  /** The rate offered in the second that ended the search; null until it has. */
  broke_at_per_s: number | null = null;
  constructor(private readonly warmup_s: number) {}
  /**
   * Takes each finished second (one seen before is ignored: progress can report a second twice);
   * true once the search should stop, and only that once.
   */
  observe(t_s: number, second: { sent: number; ok: number; errors: number; p99_ms: number }): boolean {
    if (t_s <= this.last_s || this.broke_at_per_s !== null) return false;
    this.last_s = t_s;
    if (t_s <= this.warmup_s) return false;
    this.broken_s = secondHolds(second) ? 0 : this.broken_s + 1;
    if (this.broken_s < KNEE_BROKEN_S) return false;
    this.broke_at_per_s = second.sent;
    return true;
  }
}

export function kneeSearchStages(o: OverloadSpec): Stage[] {
  const k = o.knee_search;
  return [{ duration_s: k.warmup_s, rate_per_s: k.from_rate_per_s }, { duration_s: k.duration_s, from_rate_per_s: k.from_rate_per_s, to_rate_per_s: k.to_rate_per_s }];
}

/** The knee and the seconds it was read from, so a report can show where it came from. */
export interface Knee {
  per_s: number;
  /** The KNEE_RUN_S holding seconds of the best run (t_s); empty when there is no knee. */
  run_t_s: number[];
  /** A lone broken second inside that run, forgiven as a stall the system rode out; null when none. */
  stall_t_s: number | null;
}

/**
 * The highest goodput the system sustained: the best run of KNEE_RUN_S holding seconds (p99 < 200 ms,
 * errors < 0.1%), judged by its slowest. A single good second can be a backlog draining, not capacity.
 * A run may step over one lone broken second between two holding ones, the stall KneeSearchStop
 * rides out too: without it, one slow second halved the knee on a slow machine (knee 445/s while the
 * system then served 890/s with nothing refused, 2026-12-03), and 2x that knee was no overload. The
 * stall's own goodput is left out of the run's minimum: it is the stall, not the capacity.
 */
export function kneeOf(windows: WindowStats[], skip_s: number): Knee {
  let best: Knee = { per_s: 0, run_t_s: [], stall_t_s: null };
  for (let i = 0; i < windows.length; i++) {
    if (windows[i]!.t_s < skip_s) continue;
    const run = runFrom(windows, i);
    if (!run) continue;
    const per_s = Math.min(...run.seconds.map((w) => w.ok));
    if (per_s > best.per_s) best = { per_s, run_t_s: run.seconds.map((w) => w.t_s), stall_t_s: run.stall_t_s };
  }
  return best;
}

/** KNEE_RUN_S holding seconds from `i` on, stepping over at most one lone broken second; null if none. */
function runFrom(windows: WindowStats[], i: number): { seconds: WindowStats[]; stall_t_s: number | null } | null {
  const seconds: WindowStats[] = [];
  let stall_t_s: number | null = null;
  for (let j = i; j < windows.length && seconds.length < KNEE_RUN_S; j++) {
    const w = windows[j]!;
    if (secondHolds(w)) { seconds.push(w); continue; }
    // A run neither starts nor ends on a broken second, and steps over one only.
    const next = windows[j + 1];
    if (seconds.length === 0 || stall_t_s !== null || !next || !secondHolds(next)) return null;
    stall_t_s = w.t_s;
  }
  return seconds.length === KNEE_RUN_S ? { seconds, stall_t_s } : null;
}

export function overloadStages(o: OverloadSpec, knee_per_s: number): Stage[] {
  // Callers judge a missing knee as a failed gate before they get here (judgeOverload).
  if (!(knee_per_s > 0)) throw new Error(`overload: no ${KNEE_RUN_S} consecutive seconds of the knee search kept p99 < 200 ms and errors < 0.1%; there is no knee to overload`);
  return [
    { duration_s: o.overload_s, rate_per_s: Math.round(knee_per_s * o.overload_multiple) },
    { duration_s: o.after_s, rate_per_s: Math.round(knee_per_s * o.after_multiple) },
  ];
}

function p99Of(records: HistoryRecord[]): number {
  if (records.length === 0) return 0;
  const h = new LatencyHistogram();
  for (const r of records) h.record(r.latency_ms);
  return Math.round(h.percentile_ms(99) * 1000) / 1000;
}

function bySecond(seconds: number, accepted: HistoryRecord[], refused: HistoryRecord[]): OverloadSecond[] {
  const second = (rs: HistoryRecord[], t: number) => rs.filter((r) => Math.floor(r.intended_ms / 1000) === t);
  return Array.from({ length: seconds }, (_, t_s) => {
    const a = second(accepted, t_s), r = second(refused, t_s);
    return { t_s, accepted: a.length, refused: r.length, accepted_p99_ms: p99Of(a), refused_p99_ms: p99Of(r) };
  });
}

export type KneeMeasured = Knee & { search: WindowStats[]; broke_at_per_s: number | null; generator_cores: number };

/** A share set in a scenario file, as a percentage for a gate's name: 0.07 reads "7", not "7.000000000000001". */
const percentOf = (share: number) => Math.round(share * 1000) / 10;

const gateOf = (name: string, metric: string, measured: number, op: GateResult['op'], threshold: number): GateResult =>
  ({ name, metric, op, threshold, measured, pass: holds(measured, op, threshold) });

/**
 * No knee: the system never held the bar for KNEE_RUN_S seconds at any rate of the search. That is a
 * measurement of the system, so a failed gate (exit 1), not a run that could not be carried out.
 */
function judgeNoKnee(knee: KneeMeasured): { result: OverloadResult; gates: GateResult[] } {
  const result: OverloadResult = {
    knee_per_s: 0, knee_run_t_s: [], knee_stall_t_s: null, overload_run: false, knee_search: knee.search, knee_search_broke_at_per_s: knee.broke_at_per_s,
    offered_per_s: 0, goodput_per_s: 0, refused: 0, refused_share: 0, refused_p99_ms: 0, accepted_p99_ms: 0, after_worst_p99_ms: 0, after_errors: 0, overload_seconds: [],
    generator_cores_knee: knee.generator_cores, generator_cores_overload: 0,
  };
  const name = `the knee search found ${KNEE_RUN_S} consecutive seconds with p99 < ${P99_MS_MAX} ms and errors < ${ERROR_RATE_MAX * 100}% (without a knee the overload is not run)`;
  return { result, gates: [gateOf(name, 'knee_per_s', 0, '>', 0)] };
}

/** Measures the overload run against its knee and returns the gates. */
export function judgeOverload(o: OverloadSpec, knee: KneeMeasured, load: LoadResult): { result: OverloadResult; gates: GateResult[] } {
  if (knee.per_s === 0) return judgeNoKnee(knee);
  const inOverload = (ms: number) => ms < o.overload_s * 1000;
  const during = load.history.filter((r) => inOverload(r.intended_ms));
  const refused = during.filter((r) => r.status === 503);
  const accepted = during.filter((r) => r.outcome === 'ok' && r.op === 'payment');
  const overloadWindows = load.windows.filter((w) => w.t_s < o.overload_s);
  const after = load.windows.filter((w) => w.t_s >= o.overload_s + o.recovery_within_s && w.sent > 0);
  const knee_per_s = knee.per_s;
  const result: OverloadResult = {
    knee_per_s, knee_run_t_s: knee.run_t_s, knee_stall_t_s: knee.stall_t_s, overload_run: true, knee_search: knee.search, knee_search_broke_at_per_s: knee.broke_at_per_s,
    offered_per_s: Math.round(knee_per_s * o.overload_multiple),
    goodput_per_s: Math.round((overloadWindows.reduce((n, w) => n + w.ok, 0) / o.overload_s) * 10) / 10,
    refused: refused.length,
    refused_share: during.length === 0 ? 0 : Math.round((refused.length / during.length) * 1000) / 1000,
    refused_p99_ms: p99Of(refused),
    accepted_p99_ms: p99Of(accepted),
    after_worst_p99_ms: Math.max(0, ...after.map((w) => w.p99_ms)),
    after_errors: after.reduce((n, w) => n + w.errors, 0),
    overload_seconds: bySecond(o.overload_s, accepted, refused),
    generator_cores_knee: knee.generator_cores, generator_cores_overload: load.generator_cores,
  };
  const goodputMin = Math.round(o.goodput_share_min * knee_per_s);
  const gates = [
    // A knee the ramp never broke past is a floor, not a knee: 2x of it may not overload anything,
    // and the other gates would then pass without testing an overload.
    gateOf(`the knee search broke below its top (${o.knee_search.to_rate_per_s}/s), so ${o.overload_multiple}x the knee is an overload`, 'knee_search_broke', knee.broke_at_per_s === null ? 0 : 1, '>=', 1),
    gateOf(`at ${o.overload_multiple}x the knee >= ${percentOf(o.refused_share_min)}% of requests were refused, so it was an overload (else the knee was below capacity)`, 'overload_refused_share', result.refused_share, '>=', o.refused_share_min),
    gateOf(`goodput during ${o.overload_multiple}x overload >= ${percentOf(o.goodput_share_min)}% of the knee (${knee_per_s}/s)`, 'overload_goodput_per_s', result.goodput_per_s, '>=', goodputMin),
    gateOf(`refused requests answered fast: p99 < ${o.refused_p99_ms_max} ms`, 'overload_refused_p99_ms', result.refused_p99_ms, '<', o.refused_p99_ms_max),
    gateOf(`accepted payments during overload: p99 < ${o.accepted_p99_ms_max} ms`, 'overload_accepted_p99_ms', result.accepted_p99_ms, '<', o.accepted_p99_ms_max),
    gateOf(`${o.recovery_within_s} s after the drop: every second p99 < ${P99_MS_MAX} ms`, 'after_drop_worst_p99_ms', result.after_worst_p99_ms, '<', P99_MS_MAX),
    gateOf(`${o.recovery_within_s} s after the drop: no errors`, 'after_drop_errors', result.after_errors, '<=', 0),
  ];
  return { result, gates };
}
