import { describe, expect, it } from 'vitest';
import type { HistoryRecord, LoadResult, WindowStats } from '../loadtests/open-model.js';
import { judgeOverload, KneeSearchStop, kneeOf, overloadStages, type OverloadSpec } from './overload.js';

const w = (t_s: number, ok: number, p99_ms = 50, errors = 0): WindowStats => ({ t_s, sent: ok + errors, ok, errors, p50_ms: 10, p99_ms });
const spec: OverloadSpec = {
  knee_search: { warmup_s: 2, from_rate_per_s: 100, to_rate_per_s: 1_000, duration_s: 10 }, cooldown_s: 0,
  overload_multiple: 2, overload_s: 4, after_multiple: 0.5, after_s: 8, recovery_within_s: 2,
  goodput_share_min: 0.9, refused_share_min: 0.1, refused_p99_ms_max: 50, accepted_p99_ms_max: 200,
};

describe('knee', () => {
  it('is the best run of three good seconds, judged by its slowest, after the warm-up', () => {
    const windows = [w(0, 2_000), w(1, 2_000), w(2, 300), w(3, 400), w(4, 500), w(5, 900, 400), w(6, 600), w(7, 650), w(8, 640)];
    // Seconds 0-1 are warm-up; second 5 broke p99; 6-8 is the best run and its slowest second is 600.
    expect(kneeOf(windows, 2)).toEqual({ per_s: 600, run_t_s: [6, 7, 8], stall_t_s: null });
  });

  it('a lone good second (a backlog draining) is not a knee; errors above 0.1% break a run', () => {
    expect(kneeOf([w(0, 100), w(1, 5_000), w(2, 100, 900)], 0).per_s).toBe(0);
    expect(kneeOf([w(0, 1_000), w(1, 1_000, 50, 5), w(2, 1_000)], 0).per_s).toBe(0);
    expect(kneeOf([w(0, 1_000), w(1, 1_000, 50, 1), w(2, 1_000)], 0).per_s).toBe(1_000);
    expect(() => overloadStages(spec, 0)).toThrow(/no 3 consecutive seconds/);
  });

  it('a lone slow second inside a run is a stall the run steps over, as the search rides it out', () => {
    // The slow EPYC's run 4 (2026-12-03), in shape: 10 s at 200/s, then +163/s a second; one second at
    // 935/s slow (p99 243 ms), then the ramp held on to 1,261/s and broke. Without the step the knee
    // was 445/s (the best run before the stall), and the system then served 2x that with nothing refused.
    const ramp = [282, 445, 608, 772, 935, 1_098, 1_261, 1_424, 1_587].map((ok, i) => w(10 + i, ok, i === 4 ? 243 : i >= 7 ? 900 : 80));
    const windows = [...Array.from({ length: 10 }, (_, t) => w(t, 200)), ...ramp];
    expect(kneeOf(windows, 10)).toEqual({ per_s: 772, run_t_s: [13, 15, 16], stall_t_s: 14 });
  });

  it('steps over one lone slow second only: not two in a row, not two in one run, not at either end', () => {
    const slow = (t: number, ok = 1_000) => w(t, ok, 400);
    expect(kneeOf([w(0, 900), slow(1), slow(2), w(3, 900), w(4, 900)], 0).per_s).toBe(0); // two in a row
    expect(kneeOf([w(0, 900), slow(1), w(2, 900), slow(3), w(4, 900)], 0).per_s).toBe(0); // two in one run
    expect(kneeOf([slow(0, 5_000), w(1, 900), w(2, 900)], 0).per_s).toBe(0); // a run does not start on one
    expect(kneeOf([w(0, 900), w(1, 900), slow(2, 5_000)], 0).per_s).toBe(0); // nor end on one
    // The stall's own goodput (a backlog draining, or a stall) is not the run's minimum.
    expect(kneeOf([w(0, 900), slow(1, 100), w(2, 950), w(3, 990)], 0)).toEqual({ per_s: 900, run_t_s: [0, 2, 3], stall_t_s: 1 });
  });

  it('the search stops after three broken seconds in a row past the warm-up, not after a stall and its drain', () => {
    const stop = new KneeSearchStop(2);
    const second = (p99_ms: number, errors = 0) => ({ sent: 1_000, ok: 1_000 - errors, errors, p99_ms });
    expect(stop.observe(1, second(900))).toBe(false); // warm-up: sessions load, nothing judged
    expect(stop.observe(2, second(900))).toBe(false);
    expect(stop.observe(3, second(575))).toBe(false); // a stall the system rides out...
    expect(stop.observe(4, second(300))).toBe(false); // ...and its drain...
    expect(stop.observe(5, second(50))).toBe(false); // ...and the streak begins again
    expect(stop.observe(6, second(50, 5))).toBe(false);
    expect(stop.observe(7, second(250))).toBe(false);
    expect(stop.observe(8, second(250))).toBe(true);
    expect(stop.broke_at_per_s).toBe(1_000);
  });

  it('the search judges each second once and stops once', () => {
    const stop = new KneeSearchStop(0);
    const broken = { sent: 800, ok: 800, errors: 0, p99_ms: 900 };
    expect(stop.observe(1, broken)).toBe(false);
    expect(stop.observe(1, broken)).toBe(false); // the same second reported twice is not two
    expect(stop.observe(2, broken)).toBe(false);
    expect(stop.observe(3, broken)).toBe(true);
    expect(stop.observe(4, broken)).toBe(false);
    expect(stop.broke_at_per_s).toBe(800);
  });
});

describe('overload judgement', () => {
  const knee100 = { per_s: 100, run_t_s: [5, 6, 7], stall_t_s: null, search: [], broke_at_per_s: 130, generator_cores: 0.3 };
  const rec = (intended_ms: number, status: number, latency_ms: number): HistoryRecord => ({
    seq: 0, op: 'payment', intended_ms, sent_ms: intended_ms, done_ms: intended_ms + latency_ms, latency_ms, status,
    outcome: status === 201 ? 'ok' : 'http_error',
  });
  const load = (o: { goodput: number; refused_ms: number; accepted_ms: number; after_p99_ms: number }): LoadResult => ({
    windows: [...[0, 1, 2, 3].map((t) => w(t, o.goodput, o.accepted_ms, 100)), ...[4, 5, 6, 7, 8, 9, 10, 11].map((t) => w(t, 50, t >= 6 ? o.after_p99_ms : 900))],
    history: [...Array.from({ length: 100 }, (_, i) => rec(i * 30, 503, o.refused_ms)), ...Array.from({ length: 100 }, (_, i) => rec(i * 30, 201, o.accepted_ms))],
  } as unknown as LoadResult);

  it('passes a system that serves at capacity, refuses fast and recovers', () => {
    const { result, gates } = judgeOverload(spec, knee100, load({ goodput: 95, refused_ms: 5, accepted_ms: 120, after_p99_ms: 60 }));
    expect(gates.filter((g) => !g.pass)).toEqual([]);
    expect(result).toMatchObject({ knee_per_s: 100, offered_per_s: 200, goodput_per_s: 95, refused: 100, refused_share: 0.5 });
  });

  it('fails a run that refused (almost) nothing at 2x the knee: the knee was below capacity, nothing was overloaded', () => {
    // The slow EPYC, 2026-12-03: a 282/s knee, 564/s then served in full and fast; every other gate passed.
    const l = load({ goodput: 190, refused_ms: 5, accepted_ms: 60, after_p99_ms: 40 });
    l.history.splice(0, 95); // 5 refused of 105 offered: 4.8%
    const { result, gates } = judgeOverload(spec, knee100, l);
    expect(result.refused_share).toBeCloseTo(0.048, 3);
    expect(gates.filter((g) => !g.pass).map((g) => g.metric)).toEqual(['overload_refused_share']);
    l.history.splice(0, 5); // nothing refused at all
    expect(judgeOverload(spec, knee100, l).gates.find((g) => g.metric === 'overload_refused_share')).toMatchObject({ measured: 0, pass: false });
  });

  it('names the shares of a scenario file as plain percentages in its gates', () => {
    const { gates } = judgeOverload({ ...spec, refused_share_min: 0.07, goodput_share_min: 0.07 }, knee100, load({ goodput: 95, refused_ms: 5, accepted_ms: 120, after_p99_ms: 60 }));
    expect(gates.find((g) => g.metric === 'overload_refused_share')!.name).toContain('>= 7% of requests were refused');
    expect(gates.find((g) => g.metric === 'overload_goodput_per_s')!.name).toContain('>= 7% of the knee');
  });

  it('shows each second of the overload, so a reader can tell a stall from the first second', () => {
    const l = load({ goodput: 95, refused_ms: 5, accepted_ms: 120, after_p99_ms: 60 });
    l.history.push(rec(2_500, 503, 700)); // one slow refusal in second 2
    const { result } = judgeOverload(spec, knee100, l);
    expect(result.overload_seconds).toHaveLength(spec.overload_s);
    expect(result.overload_seconds[0]).toMatchObject({ t_s: 0, accepted: 34, refused: 34 });
    expect(result.overload_seconds[0]!.refused_p99_ms).toBeCloseTo(5, 0);
    expect(result.overload_seconds[2]).toMatchObject({ t_s: 2, refused: 34 });
    expect(result.overload_seconds[2]!.refused_p99_ms).toBeCloseTo(700, -1);
  });

  it('fails a collapsing one on every count', () => {
    const { gates } = judgeOverload(spec, knee100, load({ goodput: 40, refused_ms: 2_000, accepted_ms: 3_000, after_p99_ms: 800 }));
    expect(gates.filter((g) => !g.pass).map((g) => g.metric)).toEqual([
      'overload_goodput_per_s', 'overload_refused_p99_ms', 'overload_accepted_p99_ms', 'after_drop_worst_p99_ms',
    ]);
  });

  it('fails a run whose knee search never broke: its knee is a floor and 2x of it may be no overload', () => {
    const { result, gates } = judgeOverload(spec, { ...knee100, broke_at_per_s: null }, load({ goodput: 95, refused_ms: 5, accepted_ms: 120, after_p99_ms: 60 }));
    expect(gates.filter((g) => !g.pass).map((g) => g.metric)).toEqual(['knee_search_broke']);
    expect(result.knee_search_broke_at_per_s).toBeNull();
  });

  it('fails a run whose search found no knee, as a measurement (a failed gate), keeping the search to read', () => {
    const search = [w(10, 300, 450), w(11, 350, 600)];
    const { result, gates } = judgeOverload(spec, { per_s: 0, run_t_s: [], stall_t_s: null, search, broke_at_per_s: 463, generator_cores: 0.2 }, load({ goodput: 95, refused_ms: 5, accepted_ms: 120, after_p99_ms: 60 }));
    expect(gates.map((g) => [g.metric, g.pass])).toEqual([['knee_per_s', false]]);
    expect(result).toMatchObject({ knee_per_s: 0, overload_run: false, knee_search: search, knee_search_broke_at_per_s: 463, overload_seconds: [] });
  });
});
