// testbed: list scenarios, run one or a suite, keep a topology up, clean leftovers.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toBaseline, type Baseline } from '../loadtests/gates.js';
import { catalogue, findScenario, suite } from './catalogue/index.js';
import { TestbedError } from '../testbed/local/errors.js';
import { reapStale } from '../testbed/local/temp-dir.js';
import { toJUnit } from './report/junit.js';
import type { RunReport } from './report/run-report.js';
import type { GateSummary } from './report/gate-summary.js';
import { runScenario } from './runner.js';
import type { Scenario, Suite } from './scenario.js';
import { Testbed } from '../testbed/testbed.js';
import type { TopologySpec } from '../testbed/topology.js';

const USAGE = `usage: testbed <command> [options]

commands:
  list                         scenarios, their suites and what they check
  run <scenario...>            run scenarios by name
  run --suite <gate|chaos|capacity|extended|self-test>
      --out <dir>              where reports go (default reports/<timestamp>)
      --baseline <file>        compare with a saved run; fail on regression
      --regression-pct <n>     allowed regression vs baseline (default 10)
      --save-baseline <file>   save this run's gate metrics as a baseline
  --provider <local|containers|external>   (run and up; default local: embedded processes, no Docker)
      --postgres-url <url> --redis-url <redis://host:port/db> --dynamodb-endpoint <url>   (external)
  up                           boot the default two-AZ topology and keep it up (Ctrl-C stops it)
      --instances-per-az <n>   service instances per AZ (default 1)
      --replication <synchronous|asynchronous|none>
  clean                        stop processes and remove temp dirs left by killed runs

exit codes: 0 all passed, 1 a gate or invariant failed, 2 bad usage, 3 the run itself failed`;

const SUITES: Suite[] = ['gate', 'chaos', 'capacity', 'extended', 'self-test'];
const EXIT = { pass: 0, fail: 1, usage: 2, error: 3 } as const;
const err = (line: string) => process.stderr.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      suite: { type: 'string' }, out: { type: 'string' }, baseline: { type: 'string' },
      'save-baseline': { type: 'string' }, 'regression-pct': { type: 'string' },
      'instances-per-az': { type: 'string' }, replication: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      provider: { type: 'string' }, 'postgres-url': { type: 'string' }, 'redis-url': { type: 'string' }, 'dynamodb-endpoint': { type: 'string' },
    },
  });
  const [command, ...names] = positionals;
  if (values.help || command === undefined || command === 'help') { console.log(USAGE); return command === undefined ? EXIT.usage : EXIT.pass; }
  switch (command) {
    case 'list': return list();
    case 'run': return run(names, values);
    case 'up': return up(values);
    case 'clean': {
      const r = await reapStale();
      console.log(`removed ${r.dirs} stale run dir(s), killed ${r.processes} leftover process(es)`);
      return EXIT.pass;
    }
    default: throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

function list(): number {
  for (const s of catalogue) {
    console.log(`${s.name.padEnd(24)} [${s.suites.join(', ')}]\n  ${s.description}\n`);
  }
  return EXIT.pass;
}

async function run(names: string[], v: Record<string, string | boolean | undefined>): Promise<number> {
  const suiteName = v.suite as Suite | undefined;
  if (suiteName && !SUITES.includes(suiteName)) throw new UsageError(`--suite must be one of ${SUITES.join(', ')}; got "${suiteName}"`);
  const chosen: Scenario[] = suiteName ? suite(suiteName) : names.map((n) => {
    try { return findScenario(n); } catch (e) { throw new UsageError((e as Error).message); }
  });
  const provider = providerFrom(v);
  const scenarios = chosen.map((s) => ({ ...s, topology: { ...s.topology, ...provider } }));
  if (scenarios.length === 0) throw new UsageError('name scenarios to run, or --suite <name>');
  const regression = v['regression-pct'] === undefined ? 10 : Number(v['regression-pct']);
  if (!(regression >= 0 && regression <= 1000)) throw new UsageError('--regression-pct must be a number from 0 to 1000');
  const baselines = v.baseline ? await readBaselines(String(v.baseline)) : [];
  const outDir = String(v.out ?? path.join('reports', new Date().toISOString().replace(/[:.]/g, '-')));
  const ac = new AbortController();
  process.once('SIGINT', () => { err('interrupted: stopping the run and tearing the testbed down (Ctrl-C again to force)'); ac.abort(); });
  const reports: RunReport[] = [];
  for (const s of scenarios) {
    if (ac.signal.aborted) break;
    const baseline = baselines.find((b) => b.scenario === s.name);
    reports.push(await runScenario(s, { outDir, progress: err, signal: ac.signal, ...(baseline ? { baseline, regression_pct: regression } : {}) }));
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'junit.xml'), toJUnit(reports));
  const summary: GateSummary = {
    suite: suiteName ?? null, commit: reports[0]?.commit ?? null, image_digest: process.env.IMAGE_DIGEST ?? null,
    finished_at: new Date().toISOString(),
    scenarios: reports.map((r) => ({ scenario: r.scenario, verdict: r.verdict, reasons: r.reasons })),
  };
  await writeFile(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2));
  if (v['save-baseline']) {
    const all: Baseline[] = reports.filter((r) => r.verdict !== 'error').map((r) => toBaseline(r.scenario, r.gates.filter((g) => !g.name.startsWith('regression'))));
    await writeFile(String(v['save-baseline']), JSON.stringify(all, null, 2));
    err(`baseline saved to ${v['save-baseline']}`);
  }
  printSummary(reports, outDir);
  if (reports.some((r) => r.verdict === 'error')) return EXIT.error;
  return reports.every((r) => r.verdict === 'pass') && !ac.signal.aborted ? EXIT.pass : EXIT.fail;
}

/** --provider local|containers|external (+ endpoint URLs for external) as a topology override. */
function providerFrom(v: Record<string, string | boolean | undefined>): Pick<TopologySpec, 'provider' | 'external'> {
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

function printSummary(reports: RunReport[], outDir: string) {
  const rows = reports.map((r) => [
    r.scenario, r.verdict.toUpperCase(), `${r.load.goodput_per_s}/s`, `${r.load.latency.p99_ms} ms`,
    `${(r.load.error_rate * 100).toFixed(3)}%`, r.invariants ? (r.invariants.ok ? 'hold' : r.invariants.stats.acknowledged_lost ? `${r.invariants.stats.acknowledged_lost} lost` : 'violated') : '-',
  ]);
  const head = ['scenario', 'verdict', 'throughput', 'p99', 'errors', 'ledger'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log('\n' + line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const r of reports) {
    for (const g of r.gates) console.log(`  ${g.pass ? 'PASS' : 'FAIL'} ${r.scenario}: ${g.name} (measured ${g.measured}${g.baseline !== undefined ? `, baseline ${g.baseline}, ${g.delta_pct}%` : ''})`);
    for (const reason of r.reasons.filter((x) => !x.startsWith('gate failed'))) console.log(`  FAIL ${r.scenario}: ${reason}`);
    if (r.capacity) console.log(`  capacity knee: ${r.capacity.knee_rate_per_s}/s (first broken step: ${r.capacity.broke_at_rate_per_s ?? 'none'}/s)`);
  }
  const verdict = reports.every((r) => r.verdict === 'pass') ? 'PASS' : 'FAIL';
  console.log(`\nverdict: ${verdict} (${reports.filter((r) => r.verdict === 'pass').length}/${reports.length} scenarios passed); reports in ${outDir}/<scenario>/report.html`);
}

async function up(v: Record<string, string | boolean | undefined>): Promise<number> {
  const perAz = v['instances-per-az'] === undefined ? 1 : Number(v['instances-per-az']);
  if (!Number.isInteger(perAz) || perAz < 0 || perAz > 8) throw new UsageError('--instances-per-az must be an integer from 0 to 8');
  const replication = (v.replication ?? 'synchronous') as 'synchronous';
  if (!['synchronous', 'asynchronous', 'none'].includes(replication)) throw new UsageError('--replication must be synchronous, asynchronous or none');
  err('booting the two-AZ topology...');
  const tb = await Testbed.up({ instances_per_az: perAz, replication, ...providerFrom(v) }, { onEvent: (e) => err(`${e.kind} ${JSON.stringify(e.detail)}`) });
  const tokensFile = path.join(tb.runDir, 'customers.json');
  await writeFile(tokensFile, JSON.stringify(tb.seeded, null, 2));
  console.log(JSON.stringify({
    alb: tb.url, boot_ms: tb.boot_ms,
    processes: tb.processes(), proxies: (await tb.proxy.list()).map((p) => ({ name: p.name, port: p.listen_port, upstream: p.upstream })),
    fault_proxy_control: `http://127.0.0.1:${tb.proxy.controlPort}/proxies`,
    alb_control: `http://127.0.0.1:${tb.alb.controlPort}/targets`,
    customers_and_tokens: tokensFile,
    try: `curl -s ${tb.url}/v1/summary -H "authorization: Bearer ${tb.seeded.customers[0]!.token}"`,
  }, null, 2));
  err('up; press Ctrl-C to tear down');
  await new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); process.once('SIGTERM', () => resolve()); });
  err('tearing down...');
  await tb.down();
  return EXIT.pass;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
  if (e instanceof UsageError) { err(`testbed: ${e.message}\n\n${USAGE}`); process.exit(EXIT.usage); }
  if (e instanceof TestbedError) { err(`testbed: ${e.message}`); process.exit(EXIT.error); }
  err(`testbed: ${(e as Error).message}`);
  process.exit(EXIT.error);
});
