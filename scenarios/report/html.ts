import type { RunReport } from './run-report.js';
import type { ServerSeries } from '../../testbed/metrics-scraper.js';
import { CPU_SERIES_PREFIX, INTERRUPTS_SERIES, MACHINE_SERIES, OTHER_SERIES, STEAL_SERIES } from '../../testbed/process-cpu-sampler.js';
import { lineChart, type Band, type Marker } from './svg-chart.js';
import { overloadSection } from './overload-html.js';

const esc = (s: unknown) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const POINT_EVENTS = new Set(['instance_killed', 'db_failover_end', 'cache_failover', 'alb_zone_unhealthy', 'instance_started', 'instance_stopped', 'capacity_refused', 'alb_queue_cut', 'alb_queue_restored']);

/** Fault windows (step start..end, fault_start..fault_end) and point events, on the load's clock. */
export function faultWindows(r: RunReport): { bands: Band[]; markers: Marker[] } {
  const bands: Band[] = [];
  if (r.load.warmup_s > 0) bands.push({ from_s: 0, to_s: r.load.warmup_s, label: 'warm-up (not measured)', color: '#999' });
  for (const s of r.timeline) bands.push({ from_s: s.started_ms / 1000, to_s: s.ended_ms / 1000, label: s.label ?? s.kind, color: s.ok ? '#d33' : '#f90' });
  const starts = r.events.filter((e) => e.kind === 'fault_start');
  for (const st of starts) {
    if (r.timeline.some((t) => Math.abs(t.started_ms - st.t_ms) < 500)) continue; // already drawn as its timeline step
    const end = r.events.find((e) => e.kind === 'fault_end' && e.t_ms >= st.t_ms);
    if (end) bands.push({ from_s: st.t_ms / 1000, to_s: end.t_ms / 1000, label: String(st.detail.fault ?? 'fault'), color: '#d33' });
  }
  const markers = r.events.filter((e) => POINT_EVENTS.has(e.kind) && e.t_ms >= 0).map((e) => ({ at_s: e.t_ms / 1000, label: `${e.kind} ${JSON.stringify(e.detail)}` }));
  return { bands, markers };
}

/** A self-contained HTML page: verdict, gates, charts over time with fault windows, invariants, events. */
export function toHtml(r: RunReport): string {
  const { bands, markers } = faultWindows(r);
  const xMax = r.windows.length;
  const p99Gate = r.gates.find((g) => g.metric === 'latency_p99_ms');
  const charts = [
    lineChart({ title: 'Throughput (requests per second, by scheduled second)', unit: 'req/s', x_max_s: xMax, bands, markers, series: [
      { name: 'ok', color: '#2a7', points: r.windows.map((w) => [w.t_s, w.ok]) },
      { name: 'errors', color: '#d33', points: r.windows.map((w) => [w.t_s, w.errors]) },
    ] }),
    lineChart({ title: 'Latency from scheduled send (ms)', unit: 'ms', x_max_s: xMax, bands, markers, y_max: Math.max(1_000, (p99Gate?.threshold ?? 0) * 3),
      ...(p99Gate ? { threshold: { value: p99Gate.threshold, label: `gate p99 ${p99Gate.op} ${p99Gate.threshold} ms` } } : {}),
      series: [
        { name: 'p50', color: '#27c', points: r.windows.map((w) => [w.t_s, w.p50_ms]) },
        { name: 'p99', color: '#c52', points: r.windows.map((w) => [w.t_s, w.p99_ms]) },
      ] }),
    lineChart({ title: 'Error rate (%)', unit: '%', x_max_s: xMax, bands, markers, series: [
      { name: 'errors', color: '#d33', points: r.windows.map((w) => [w.t_s, w.sent ? (100 * w.errors) / w.sent : 0]) },
    ] }),
    ...serverCharts(r, xMax, bands, markers),
  ];
  const row = (cells: unknown[]) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  const gates = r.gates.map((g) => `<tr class="${g.pass ? 'pass' : 'fail'}"><td>${g.pass ? 'PASS' : 'FAIL'}</td><td>${esc(g.name)}</td><td>${esc(g.measured)}</td><td>${esc(`${g.op} ${g.threshold}`)}</td><td>${g.baseline === undefined ? '' : esc(`${g.baseline} (${g.delta_pct}%)`)}</td></tr>`).join('');
  const lat = r.load.latency;
  const inv = r.invariants;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.scenario)}: ${r.verdict.toUpperCase()}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:920px;color:#222}
h1{font-size:22px}.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.v-pass{background:#2a7}.v-fail{background:#c33}.v-error{background:#f90}
table{border-collapse:collapse;margin:8px 0 18px;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;font-size:13px}
tr.pass td:first-child{color:#2a7;font-weight:600}tr.fail td:first-child{color:#c33;font-weight:600}
figure{margin:10px 0 18px}figcaption{font-weight:600;margin-bottom:4px}.chart{width:100%;height:auto;border:1px solid #eee}
code{background:#f4f4f4;padding:1px 4px}
</style></head><body>
<h1>${esc(r.scenario)} <span class="verdict v-${r.verdict}">${r.verdict.toUpperCase()}</span></h1>
<p>${esc(r.description)}</p>
${r.reasons.length ? `<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
<p>Started ${esc(r.started_at)} · ${r.machine.cpus} CPUs (${esc(r.machine.cpu_model)}) · ${r.machine.memory_gib} GiB · Node ${esc(r.machine.node)} · ${r.calibration ? ('error' in r.calibration ? `calibration failed: ${esc(r.calibration.error)}` : `calibration: pgbench make_payment ${r.calibration.pgbench_make_payment_tps} TPS`) : 'not calibrated'}${r.commit ? ` · commit <code>${esc(r.commit)}</code>` : ''}${r.image_digest ? ` · service image <code>${esc(r.image_digest.slice(0, 19))}</code>` : ''}${r.service_build_sha256 ? ` · service build <code>sha256:${esc(r.service_build_sha256.slice(0, 12))}</code>` : ''} · ${esc(r.topology.provider ?? 'local')} provider${r.topology.images ? ` (${esc(Object.values(r.topology.images).join(', '))})` : ''} · topology booted in ${r.topology.boot_ms} ms</p>
<h2>Gates</h2><table><tr><th></th><th>gate</th><th>measured</th><th>required</th><th>baseline</th></tr>${gates}</table>
<h2>Over time</h2>${charts.join('\n')}
<h2>Load (measured part, after ${r.load.warmup_s} s warm-up)</h2>
<table>${row(['duration', `${r.load.duration_s} s`])}${row(['scheduled / sent / completed', `${r.load.scheduled} / ${r.load.sent} / ${r.load.completed}`])}${row(['dropped / late sends', `${r.load.dropped} / ${r.load.late}`])}${r.load.generator_nice === undefined ? '' : row(['generator priority', r.load.generator_nice === null ? (r.load.generator_note ?? 'not raised') : `nice ${r.load.generator_nice}${r.load.generator_autogroup_nice == null ? '' : `, session autogroup nice ${r.load.generator_autogroup_nice}`} (raised above the system under test, which runs at the runner's)${r.load.generator_note ? `; ${r.load.generator_note}` : ''}`])}${r.cpu_split ? row(['CPUs', r.cpu_split.applied ? `load generator on ${r.cpu_split.generator_cpus.join(',')}, system under test (${r.cpu_split.system_processes} processes) on ${r.cpu_split.system_cpus.join(',')}` : `shared (not split: ${r.cpu_split.reason ?? 'unknown'})`]) : ''}${row(['offered / completed / goodput (successful)', `${r.load.offered_rate_per_s} / ${r.load.achieved_rate_per_s} / ${r.load.goodput_per_s} per s`])}${row(['error rate', `${(r.load.error_rate * 100).toFixed(3)} %`])}${row(['latency p50 / p95 / p99 / p99.9 / max', `${lat.p50_ms} / ${lat.p95_ms} / ${lat.p99_ms} / ${lat.p999_ms} / ${lat.max_ms} ms`])}${row(['statuses', JSON.stringify(r.load.status_counts)])}${row(['error codes', JSON.stringify(r.load.code_counts)])}</table>
${inv ? `<h2>Ledger invariants</h2><p>${inv.ok ? 'All rules hold.' : `<b>${inv.violations.length} violation(s)</b>`} Payments in DB ${inv.stats.payments_in_db}; acknowledged ${inv.stats.acknowledged}, found ${inv.stats.acknowledged_found}; uncertain ${inv.stats.uncertain} (applied ${inv.stats.uncertain_applied}).</p>${inv.violations.length ? `<table><tr><th>rule</th><th>violation</th></tr>${inv.violations.map((v) => row([v.rule, v.message])).join('')}</table>` : ''}` : ''}
${r.overload ? overloadSection(r.overload, row) : ''}
${r.recovery ? `<h2>Recovery</h2><table>${Object.entries(r.recovery).map(([k, v]) => row([k, v === null ? 'not reached' : v])).join('')}</table>` : ''}
${r.restore_drill ? `<h2>Restore drill (point in time)</h2><table>${row(['target', r.restore_drill.target])}${row(['base backup took', `${r.restore_drill.backup_ms} ms`])}${row(['RTO (restore start to accepting writes)', `${r.restore_drill.rto_ms} ms`])}${row(['RPO (target minus last restored payment)', `${r.restore_drill.rpo_ms} ms`])}${row(['payments restored / acknowledged before target', `${r.restore_drill.payments_restored} / ${r.restore_drill.acknowledged_before_target}`])}${row(['ledger on the restored cluster', r.restore_drill.check.ok ? 'all rules hold' : r.restore_drill.check.violations.map((v) => v.message).join('; ')])}${r.restore_drill.swap ? `${row(['swapped in as the writer (endpoint repointed)', `${r.restore_drill.swap.swap_ms} ms`])}${row(['standby rebuilt from it', r.restore_drill.swap.standby_rebuilt_ms === null ? 'no standby (replication none)' : `${r.restore_drill.swap.standby_rebuilt_ms} ms after the swap began`])}${row(['payments against it afterwards', `${r.restore_drill.swap.continued.sent} sent, ${r.restore_drill.swap.continued.errors} errors, p99 ${r.restore_drill.swap.continued.p99_ms} ms`])}${row(['ledger on the new writer', r.restore_drill.swap.check.ok ? 'all rules hold' : r.restore_drill.swap.check.violations.map((v) => v.message).join('; ')])}` : ''}</table>` : ''}
${r.timeline.length ? `<h2>Timeline</h2><table><tr><th>at</th><th>step</th><th>took</th><th>result</th></tr>${r.timeline.map((s) => row([`${s.at_s} s`, s.label ?? s.kind, `${s.ended_ms - s.started_ms} ms`, s.ok ? JSON.stringify(s.measures ?? {}) : `FAILED: ${s.error}${s.measures ? ` ${JSON.stringify(s.measures)}` : ''}`])).join('')}</table>` : ''}
${r.runbook ? `<h2>Runbook <code>${esc(r.runbook.path)}</code>: measured steps</h2><table>${r.runbook.steps.map((s) => row([s.step, `${s.took_ms} ms`])).join('')}</table>` : ''}
<h2>Events</h2><table><tr><th>t</th><th>event</th><th>detail</th></tr>${r.events.map((e) => row([`${(e.t_ms / 1000).toFixed(2)} s`, e.kind, JSON.stringify(e.detail)])).join('')}</table>
${r.error ? `<h2>Error</h2><pre>${esc(r.error)}</pre>` : ''}
</body></html>
`;
}

/** The server's side on the same axis: what the tasks saw while the client saw the charts above. */
function serverCharts(r: RunReport, xMax: number, bands: Band[], markers: Marker[]): string[] {
  const server = r.server;
  if (!server || server.scrapes === 0) return [];
  const points = (name: string) => server.series.find((s) => s.name === name)?.points ?? [];
  const total = points('db_pool_total'), idle = points('db_pool_idle');
  const inUse = total.map(([t, v], i): [number, number] => [t, v - (idle[i]?.[1] ?? 0)]);
  return [
    lineChart({ title: 'Server: database pool and group-commit queue (summed over tasks)', unit: '', x_max_s: xMax, bands, markers, series: [
      { name: 'connections in use', color: '#27c', points: inUse },
      { name: 'requests waiting for a connection', color: '#c52', points: points('db_pool_waiting') },
      { name: 'payments queued for a batch', color: '#a5a', points: points('payments_queued') },
    ] }),
    lineChart({ title: 'Server: per second (summed over tasks)', unit: '/s', x_max_s: xMax, bands, markers, series: [
      { name: 'payments posted', color: '#2a7', points: points('payments_posted_per_s') },
      { name: 'shed (503 overloaded)', color: '#d33', points: points('shed_per_s') },
      { name: 'cache hits', color: '#27c', points: points('cache_hits_per_s') },
      { name: 'cache misses', color: '#f90', points: points('cache_misses_per_s') },
      { name: 'cache loads from the DB', color: '#a5a', points: points('cache_loads_per_s') },
      { name: 'session lookups to DynamoDB', color: '#555', points: points('session_lookups_dynamodb_per_s') },
    ] }),
    lineChart({ title: 'Server: the tasks\' runtime (event-loop delay: worst task; GC: summed over tasks)', unit: 'ms', x_max_s: xMax, bands, markers, series: [
      { name: 'event-loop delay, max (ms)', color: '#d33', points: points('eventloop_delay_max_ms') },
      { name: 'GC, all kinds (ms per s)', color: '#27c', points: points('gc_ms_per_s') },
      { name: 'GC, major (ms per s)', color: '#a5a', points: points('gc_major_ms_per_s') },
    ] }),
    ...cpuChart(server.series, xMax, bands, markers),
  ];
}

const CPU_CHART_PROCESSES_MAX = 6;
const CPU_COLORS = ['#d33', '#27c', '#2a7', '#f90', '#a5a', '#555'];

/** Who used the CPU each second: the busiest process trees, the generator, the machine and the rest. */
function cpuChart(series: ServerSeries[], xMax: number, bands: Band[], markers: Marker[]): string[] {
  const machineWide = new Set([MACHINE_SERIES, OTHER_SERIES, INTERRUPTS_SERIES, STEAL_SERIES]);
  const cpu = series.filter((s) => s.name.startsWith(CPU_SERIES_PREFIX) && !machineWide.has(s.name));
  if (cpu.length === 0) return [];
  const sum = (s: ServerSeries) => s.points.reduce((t, [, v]) => t + v, 0);
  const busiest = [...cpu].sort((a, b) => sum(b) - sum(a)).slice(0, CPU_CHART_PROCESSES_MAX);
  const find = (name: string) => series.find((s) => s.name === name)?.points ?? [];
  return [lineChart({ title: `CPU per second: the ${busiest.length} busiest processes (each with its children); dashed: the whole machine and what ran outside the topology`, unit: 'ms of CPU per s', x_max_s: xMax, bands, markers, series: [
    ...busiest.map((s, i) => ({ name: s.name.slice(CPU_SERIES_PREFIX.length), color: CPU_COLORS[i % CPU_COLORS.length]!, points: s.points })),
    { name: 'machine, all CPUs', color: '#000', dashed: true, points: find(MACHINE_SERIES) },
    { name: 'outside the topology', color: '#999', dashed: true, points: find(OTHER_SERIES) },
    ...(find(STEAL_SERIES).some(([, v]) => v > 0) ? [{ name: 'stolen by the hypervisor', color: '#c0c', dashed: true, points: find(STEAL_SERIES) }] : []),
  ] })];
}
