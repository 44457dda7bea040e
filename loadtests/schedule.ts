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

/**
 * Yields intended send times in ms from the start of the run. The k-th arrival of a stage is
 * where the integral of its rate reaches k, so ramps send exactly the area under them.
 */
export function* arrivals(stages: Stage[]): Generator<number> {
  validateStages(stages);
  let stageStart_ms = 0;
  for (const s of stages) {
    const D = s.duration_s;
    const r0 = 'rate_per_s' in s ? s.rate_per_s : s.from_rate_per_s;
    const r1 = 'rate_per_s' in s ? s.rate_per_s : s.to_rate_per_s;
    const a = (r1 - r0) / (2 * D); // N(t) = a t^2 + r0 t
    for (let k = 0; ; k++) {
      const t_s = a === 0 ? (r0 > 0 ? k / r0 : Infinity) : (-r0 + Math.sqrt(r0 * r0 + 4 * a * k)) / (2 * a);
      if (!(t_s < D)) break;
      yield stageStart_ms + t_s * 1000;
    }
    stageStart_ms += D * 1000;
  }
}
