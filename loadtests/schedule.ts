// Open-model arrival schedules: when each request is *meant* to be sent, independent of how
// fast the system answers (so a slow system cannot slow the load down, as wrk2 and k6 do).

export type Stage =
  | { duration_s: number; rate_per_s: number }
  | { duration_s: number; from_rate_per_s: number; to_rate_per_s: number };

export const RATE_PER_S_MAX = 100_000;
export const STAGE_DURATION_S_MAX = 24 * 3600;

export function validateStages(stages: Stage[]): void {
  if (stages.length === 0) throw new Error('load profile needs at least one stage');
  stages.forEach((s, i) => {
    if (!(s.duration_s > 0 && s.duration_s <= STAGE_DURATION_S_MAX)) throw new Error(`stage ${i}: duration_s must be in (0, ${STAGE_DURATION_S_MAX}]`);
    const rates = 'rate_per_s' in s ? [s.rate_per_s] : [s.from_rate_per_s, s.to_rate_per_s];
    for (const r of rates) if (!(r >= 0 && r <= RATE_PER_S_MAX)) throw new Error(`stage ${i}: rates must be in [0, ${RATE_PER_S_MAX}]`);
  });
}

export function totalDuration_s(stages: Stage[]): number {
  return stages.reduce((t, s) => t + s.duration_s, 0);
}

/** Yields intended send times in ms from the start of the run. */
export function* arrivals(stages: Stage[]): Generator<number> {
  validateStages(stages);
  let stageStart_ms = 0;
  for (const s of stages) {
    const end_ms = stageStart_ms + s.duration_s * 1000;
    const rateAt = (t_ms: number) => 'rate_per_s' in s
      ? s.rate_per_s
      : s.from_rate_per_s + ((s.to_rate_per_s - s.from_rate_per_s) * (t_ms - stageStart_ms)) / (s.duration_s * 1000);
    let t = stageStart_ms;
    for (;;) {
      const rate = rateAt(t);
      if (rate <= 0) { t += 10; if (t >= end_ms) break; continue; }
      if (t >= end_ms) break;
      yield t;
      t += 1000 / rate;
    }
    stageStart_ms = end_ms;
  }
}
