import type { OverloadResult } from '../overload.js';

type Row = (cells: unknown[]) => string;

/** The overload scenario's section: the knee and where it came from, then the overload second by second. */
export function overloadSection(o: OverloadResult, row: Row): string {
  const knee = o.knee_per_s > 0
    ? `${o.knee_per_s} /s (seconds ${(o.knee_run_t_s ?? []).join(', ')} of the search${o.knee_stall_t_s == null ? '' : `, stepping over a lone slow second, ${o.knee_stall_t_s}`})`
    : 'none: no 3 consecutive seconds held, so the overload was not run';
  const search = row(['knee (best 3 consecutive seconds with p99 < 200 ms and errors < 0.1%, by the slowest)', knee])
    + row(['knee search stopped', o.knee_search_broke_at_per_s == null ? 'never: it reached its top without breaking, so the knee is a floor' : `broken at ${o.knee_search_broke_at_per_s} /s offered`]);
  if (o.overload_run === false) return `<h2>Overload</h2><table>${search}${row(['load generator CPU in the knee search', `${o.generator_cores_knee} cores`])}</table>`;
  const share = o.knee_per_s ? Math.round((100 * o.goodput_per_s) / o.knee_per_s) : 0;
  const figures = row(['offered during overload', `${o.offered_per_s} /s`])
    + row(['goodput during overload', `${o.goodput_per_s} /s (${share}% of the knee)`])
    + row(['refused (503): count, share of offered / their p99', `${o.refused}, ${Math.round((o.refused_share ?? 0) * 1000) / 10}% / ${o.refused_p99_ms} ms`])
    + row(['accepted payments p99', `${o.accepted_p99_ms} ms`])
    + row(['after the drop: worst second p99 / errors', `${o.after_worst_p99_ms} ms / ${o.after_errors}`])
    + row(['load generator CPU: knee search / overload (one thread: near 1 core it is its own limit)', `${o.generator_cores_knee} / ${o.generator_cores_overload} cores`]);
  const seconds = (o.overload_seconds ?? []).map((x) => row([`${x.t_s} s`, String(x.accepted), String(x.refused), `${x.accepted_p99_ms} ms`, `${x.refused_p99_ms} ms`])).join('');
  return `<h2>Overload</h2><table>${search}${figures}</table>
<h3>Each second of the overload</h3><table><tr><th>t</th><th>accepted</th><th>refused</th><th>accepted p99</th><th>refused p99</th></tr>${seconds}</table>`;
}
