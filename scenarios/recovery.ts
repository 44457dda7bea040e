import type { WindowStats } from '../loadtests/open-model.js';

export interface Recovery {
  fault_start_s: number;
  /** Seconds from fault start until p99 went under the threshold and stayed there; null if never. */
  p99_recovered_after_s: number | null;
  client_errors_during_fault: number;
  worst_p99_ms: number;
}

/** Derives recovery from per-second windows: no guesses, only what the clients saw. */
export function recoveryFrom(windows: WindowStats[], fault_start_s: number, p99_threshold_ms: number): Recovery {
  const after = windows.filter((w) => w.t_s >= Math.floor(fault_start_s));
  let lastBad = -1;
  after.forEach((w, i) => { if (w.p99_ms >= p99_threshold_ms || w.errors > 0) lastBad = i; });
  const recoveredAt = lastBad + 1 < after.length ? after[lastBad + 1]!.t_s : null;
  const until = recoveredAt ?? Infinity;
  return {
    fault_start_s,
    p99_recovered_after_s: recoveredAt === null ? null : Math.round(Math.max(0, recoveredAt - fault_start_s) * 1000) / 1000,
    client_errors_during_fault: after.filter((w) => w.t_s < until).reduce((n, w) => n + w.errors, 0),
    worst_p99_ms: Math.max(0, ...after.map((w) => w.p99_ms)),
  };
}
