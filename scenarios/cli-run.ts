import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toBaseline, type Baseline } from '../loadtests/gates.js';
import type { TopologySpec } from '../testbed/topology.js';
import { findScenario, suite } from './catalogue/index.js';
import { EXIT, UsageError, type Values } from './cli-usage.js';
import type { GateSummary } from './report/gate-summary.js';
import { toJUnit } from './report/junit.js';
import type { RunReport } from './report/run-report.js';
import { runScenario } from './runner.js';
import { loadScenarioFile } from './scenario-file.js';
import { SUITES } from './scenario-schema.js';
import type { Scenario, Suite } from './scenario.js';
import type { Progress } from './terminal-progress.js';

/** `testbed run`: scenarios by name, by suite or from files, one after another; reports and an exit code. */
export async function run(names: string[], v: Values, progress: Progress, signal: AbortSignal): Promise<number> {
  const chosen = await chosenScenarios(names, v);
  const provider = providerFrom(v);
  const scenarios = chosen.map((s) => ({ ...s, topology: { ...s.topology, ...provider } }));
  const regression = v['regression-pct'] === undefined ? 10 : Number(v['regression-pct']);
  if (!(regression >= 0 && regression <= 1000)) throw new UsageError('--regression-pct must be a number from 0 to 1000');
  const baselines = v.baseline ? await readBaselines(String(v.baseline)) : [];
  const outDir = String(v.out ?? path.join('reports', new Date().toISOString().replace(/[:.]/g, '-')));
  const reports: RunReport[] = [];
  for (const [i, s] of scenarios.entries()) {
    if (signal.aborted) break;
    progress.line(`== ${s.name} (${i + 1}/${scenarios.length})`);
    const baseline = baselines.find((b) => b.scenario === s.name);
    reports.push(await runScenario(s, { outDir, progress: progress.line, status: progress.status, signal, ...(baseline ? { baseline, regression_pct: regression } : {}) }));
  }
  await writeRunSummary(outDir, reports, v);
  printSummary(reports, outDir);
  if (signal.aborted) return EXIT.interrupted;
  if (reports.some((r) => r.verdict === 'error')) return EXIT.error;
  return reports.every((r) => r.verdict === 'pass') ? EXIT.pass : EXIT.fail;
}

async function chosenScenarios(names: string[], v: Values): Promise<Scenario[]> {
  const suiteName = v.suite as Suite | undefined;
  if (suiteName !== undefined && !SUITES.includes(suiteName)) throw new UsageError(`--suite must be one of ${SUITES.join(', ')}; got "${suiteName}"`);
  const files = (v.file as string[] | undefined) ?? [];
  if ([suiteName !== undefined, names.length > 0, files.length > 0].filter(Boolean).length > 1) throw new UsageError('give scenario names, --suite or --file, not several');
  if (suiteName) return suite(suiteName);
  if (files.length) return Promise.all(files.map(loadScenarioFile));
  if (names.length === 0) throw new UsageError('name scenarios to run, or --suite <name>, or --file <scenario.yaml>');
  return names.map((n) => { try { return findScenario(n); } catch (e) { throw new UsageError((e as Error).message); } });
}

/** --provider local|containers|external (+ endpoint URLs for external) as a topology override. */
export function providerFrom(v: Values): Pick<TopologySpec, 'provider' | 'external' | 'service_image'> {
  const image = v['service-image'] === undefined ? {} : { service_image: String(v['service-image']) };
  if (image.service_image === '') throw new UsageError('--service-image needs an image reference (a tag or sha256 ID the local Docker engine holds)');
  return { ...endpointsFrom(v), ...image };
}

function endpointsFrom(v: Values): Pick<TopologySpec, 'provider' | 'external'> {
  const p = (v.provider ?? 'local') as TopologySpec['provider'];
  if (!['local', 'containers', 'external'].includes(String(p))) throw new UsageError(`--provider must be local, containers or external; got "${p}"`);
  if (p !== 'external') {
    if (v['postgres-url'] || v['redis-url'] || v['dynamodb-endpoint']) throw new UsageError('--postgres-url, --redis-url and --dynamodb-endpoint go with --provider external');
    return { provider: p };
  }
  const missing = ['postgres-url', 'redis-url', 'dynamodb-endpoint'].filter((k) => !v[k]);
  if (missing.length) throw new UsageError(`--provider external needs ${missing.map((m) => `--${m}`).join(', ')}`);
  return { provider: 'external', external: { postgres_url: String(v['postgres-url']), redis_url: String(v['redis-url']), dynamodb_endpoint: String(v['dynamodb-endpoint']) } };
}

async function readBaselines(file: string): Promise<Baseline[]> {
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch { throw new UsageError(`--baseline ${file}: cannot read the file`); }
  try {
    const parsed = JSON.parse(text) as Baseline[] | Baseline;
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch { throw new UsageError(`--baseline ${file}: not JSON written by --save-baseline`); }
}

async function writeRunSummary(outDir: string, reports: RunReport[], v: Values) {
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'junit.xml'), toJUnit(reports));
  const summary: GateSummary = {
    suite: (v.suite as string | undefined) ?? null, commit: reports[0]?.commit ?? null, image_digest: sameImage(reports), image_repo_digests: sameImage(reports) === null ? [] : reports[0]!.image_repo_digests ?? [],
    finished_at: new Date().toISOString(),
    scenarios: reports.map((r) => ({ scenario: r.scenario, verdict: r.verdict, reasons: r.reasons })),
  };
  await writeFile(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
  if (v['save-baseline']) {
    const all: Baseline[] = reports.filter((r) => r.verdict === 'pass' || r.verdict === 'fail').map((r) => toBaseline(r.scenario, r.gates.filter((g) => !g.name.startsWith('regression'))));
    await writeFile(String(v['save-baseline']), JSON.stringify(all, null, 2));
    process.stderr.write(`baseline saved to ${v['save-baseline']}\n`);
  }
}

/** The image every scenario ran (as the engine named it), or null when any ran without one or another. */
function sameImage(reports: RunReport[]): string | null {
  const digests = new Set(reports.map((r) => r.image_digest ?? null));
  return digests.size === 1 ? [...digests][0]! : null;
}

function printSummary(reports: RunReport[], outDir: string) {
  const rows = reports.map((r) => [
    r.scenario, r.verdict.toUpperCase(), `${r.load.goodput_per_s}/s`, `${r.load.latency.p99_ms} ms`,
    `${(r.load.error_rate * 100).toFixed(3)}%`, r.invariants ? (r.invariants.ok ? 'hold' : r.invariants.stats.acknowledged_lost ? `${r.invariants.stats.acknowledged_lost} lost` : 'violated') : '-',
  ]);
  const head = ['scenario', 'verdict', 'throughput', 'p99', 'errors', 'ledger'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(head)}`);
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const r of reports) {
    for (const g of r.gates) console.log(`  ${g.pass ? 'PASS' : 'FAIL'} ${r.scenario}: ${g.name} (measured ${g.measured}${g.baseline !== undefined ? `, baseline ${g.baseline}, ${g.delta_pct}%` : ''})`);
    for (const reason of r.reasons.filter((x) => !x.startsWith('gate failed'))) console.log(`  ${r.verdict === 'interrupted' ? 'INTERRUPTED' : 'FAIL'} ${r.scenario}: ${reason}`);
    if (r.capacity) console.log(`  capacity knee: ${r.capacity.knee_rate_per_s}/s (first broken step: ${r.capacity.broke_at_rate_per_s ?? 'none'}/s)`);
    if (r.run_dir_kept) console.log(`  ${r.scenario}: logs and data kept in ${r.run_dir_kept} (until the next run starts)`);
  }
  const passed = reports.filter((r) => r.verdict === 'pass').length;
  const verdict = reports.some((r) => r.verdict === 'interrupted') ? 'INTERRUPTED' : passed === reports.length ? 'PASS' : 'FAIL';
  console.log(`\nverdict: ${verdict} (${passed}/${reports.length} scenarios passed); reports in ${outDir}/<scenario>/report.html`);
}
