// `npm run bench`: the numbers behind the 1,000 TPS promise, measured in one run on this machine.
// Prints payments/s and latency through the full two-AZ topology, pgbench on the same SQL
// transaction, their ratio, the load generator's own ceiling against wrk, boot time and memory.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DATABASE_PREFIX, Testbed } from '../testbed/testbed.js';
import { startCpuWindow, type CpuCost } from '../testbed/process-cpu.js';
import { peakRss_bytes } from '../testbed/process-memory.js';
import { warmSessionCaches } from '../testbed/session-warmup.js';
import { runClosedLoop } from './autocannon-run.js';
import { machine } from './calibration.js';
import { measureGeneratorCeiling } from './generator-ceiling.js';
import { measureHttpServerFloor } from './http-server-floor.js';
import { runOpenModel } from './open-model.js';
import { paymentMix, PAYMENTS_ONLY } from './payment-mix.js';
import { runPgbench } from './pgbench.js';

const { values } = parseArgs({ options: {
  rate: { type: 'string', default: '1000' }, 'duration-s': { type: 'string', default: '30' },
  'pgbench-clients': { type: 'string', default: '16' }, 'closed-connections': { type: 'string', default: '64' },
  out: { type: 'string', default: 'reports' }, 'cpu-prof-dir': { type: 'string' },
  // KEY=VALUE, repeatable: a service setting for this run (e.g. PAYMENT_BATCH_LINGER_MS=5), checked
  // by the service's own schema when the tasks start.
  'service-env': { type: 'string', multiple: true, default: [] },
} });
const rate = Number(values.rate), duration_s = Number(values['duration-s']);
if (!(rate > 0 && rate <= 20_000) || !(duration_s >= 5 && duration_s <= 3_600)) {
  process.stderr.write('bench: --rate must be in (0, 20000] and --duration-s in [5, 3600]\n');
  process.exit(2);
}
const service_env: Record<string, string> = {};
for (const kv of values['service-env']) {
  const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(kv);
  if (!m) { process.stderr.write(`bench: --service-env expects KEY=VALUE with an upper-case KEY, got ${JSON.stringify(kv)}\n`); process.exit(2); }
  service_env[m[1]!] = m[2]!;
}
const say = (s: string) => process.stderr.write(s + '\n');
const mb = (b: number) => Math.round(b / 1e6);

say('booting the two-AZ topology (synchronous standby)...');
// --cpu-prof-dir: each task writes a V8 CPU profile (open it in Chrome DevTools or speedscope) when
// it exits; tasks are stopped with SIGTERM before teardown so that they exit and write it.
const profDir = values['cpu-prof-dir'] === undefined ? undefined : path.resolve(values['cpu-prof-dir']);
if (profDir !== undefined) await mkdir(profDir, { recursive: true });
const tb = await Testbed.up({ instances_per_az: 1, service_env }, profDir === undefined ? {} : { serviceNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
try {
  const idle_bytes = await tb.pss_bytes();
  const customers = tb.seeded.customers.length;
  const taskRate_per_s = Math.round(rate / tb.listInstances().length);
  // As the scenario runner does: the measured window must not carry each task's cold session lookups.
  say(`warming the tasks' session caches: ${await warmSessionCaches(tb.listInstances().map((i) => i.url), tb.seeded)} lookups`);
  const next = paymentMix(tb.seeded, { mix: PAYMENTS_ONLY, hot_share: 0.1, hot_accounts: 5, amount_minor_max: 100, seed: 7, run_id: `bench-${Date.now().toString(36)}` });

  say(`open model: ${rate} payments/s for ${duration_s} s through the ALB (10 s ramp not measured)...`);
  let under_load_bytes = 0;
  const sample = setTimeout(() => { void tb.pss_bytes().then((b) => { under_load_bytes = b; }); }, 15_000);
  // CPU is measured over the fixed-rate part only (the ramp is left out, like the latency).
  const roots = tb.processRoots();
  const cpuWindow = new Promise<Awaited<ReturnType<typeof startCpuWindow>>>((resolve) => setTimeout(() => resolve(startCpuWindow(roots)), 10_000));
  const fixed = await runOpenModel({ target: tb.url, measure_from_s: 10, keep_history: false, next,
    stages: [{ duration_s: 10, from_rate_per_s: 100, to_rate_per_s: rate }, { duration_s, rate_per_s: rate }] });
  const cpu: CpuCost = await (await cpuWindow).stop(Math.max(1, fixed.ok));
  clearTimeout(sample);

  // pgbench after the open-model run, so the fixed-rate latency is measured on a fresh database.
  say(`pgbench: make_payment, ${values['pgbench-clients']} clients, 15 s, straight to the writer...`);
  const pgb = await runPgbench({ host: '127.0.0.1', port: tb.pgPrimary.port, database: 'payments', dir: tb.runDir, customers, currency: 'EUR', clients: Number(values['pgbench-clients']), duration_s: 15 });

  // The references the CPU per payment is read against, measured here: the database committing the
  // same transaction one by one at the same rate (no service, no batching), and a bare node:http
  // server answering payment-shaped POSTs at one task's share of the rate.
  say(`CPU references: pgbench make_payment at ${rate}/s straight to the writer, 15 s; a bare node:http server at ${taskRate_per_s}/s...`);
  const dbWindow = await startCpuWindow(tb.databaseRoots());
  const pgbAtRate = await runPgbench({ host: '127.0.0.1', port: tb.pgPrimary.port, database: 'payments', dir: tb.runDir, customers, currency: 'EUR', clients: Number(values['pgbench-clients']), duration_s: 15, rate_per_s: rate });
  const dbCpu = await dbWindow.stop(Math.max(1, pgbAtRate.transactions));
  const httpFloor = await measureHttpServerFloor(taskRate_per_s);

  say(`closed loop (autocannon): ${values['closed-connections']} connections, 15 s through the ALB...`);
  const closed = await runClosedLoop(tb.url, next, { connections: Number(values['closed-connections']), duration_s: 15 });
  const peaks = await Promise.all(tb.listInstances().map(async (i) => ({ id: i.id, peak_rss_bytes: await peakRss_bytes(i.pid!) })));

  say('load generator ceiling vs wrk on a trivial endpoint...');
  const ceiling = await measureGeneratorCeiling();

  const result = {
    machine: machine(),
    topology: { service_env, boot_ms: tb.boot_ms, memory_idle_mb: mb(idle_bytes), memory_under_load_mb: mb(under_load_bytes) },
    pgbench: pgb,
    cpu_per_payment: cpu,
    cpu_references: {
      // by_process here holds this process (pgbench's client is a child, not counted) and the database.
      pgbench_make_payment_at_rate: { tps: pgbAtRate.tps, transactions: pgbAtRate.transactions, database_cpu: dbCpu },
      http_server_floor: httpFloor,
    },
    open_model: { rate_per_s: rate, duration_s, achieved_per_s: fixed.achieved_rate_per_s, error_rate: fixed.error_rate, dropped: fixed.dropped, late: fixed.late, latency: fixed.latency, generator_nice: fixed.generator_nice, generator_autogroup_nice: fixed.generator_autogroup_nice },
    closed_loop: closed,
    ratio_service_max_to_pgbench: Math.round((closed.requests_per_s / pgb.tps) * 100) / 100,
    service_peak_rss_mb: peaks.map((p) => ({ id: p.id, mb: mb(p.peak_rss_bytes) })),
    generator: ceiling,
  };
  await mkdir(values.out!, { recursive: true });
  const file = path.join(values.out!, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  const rows: [string, string][] = [
    ['topology boot', `${tb.boot_ms} ms`],
    ['topology memory idle / under load (PSS)', `${result.topology.memory_idle_mb} / ${result.topology.memory_under_load_mb} MB`],
    ['pgbench make_payment (closed loop)', `${Math.round(pgb.tps)} TPS, avg ${pgb.latency_avg_ms} ms`],
    [`service at ${rate}/s (open model, ALB)`, `${fixed.achieved_rate_per_s}/s, p50 ${fixed.latency.p50_ms} ms, p99 ${fixed.latency.p99_ms} ms, errors ${(fixed.error_rate * 100).toFixed(3)}%, dropped ${fixed.dropped}, generator ${fixed.generator_nice === null ? 'at equal priority' : `at nice ${fixed.generator_nice}`}`],
    ['service max (autocannon, ALB)', `${closed.requests_per_s} payments/s, p99 ${closed.p99_ms} ms, non-2xx ${closed.non2xx}`],
    ['ratio service max / pgbench', `${result.ratio_service_max_to_pgbench}`],
    ['service peak RSS per instance', peaks.map((p) => `${p.id} ${mb(p.peak_rss_bytes)} MB`).join(', ')],
    ['load generator ceiling (open model, trivial endpoint)', ceiling.generator_max_rate_per_s === 0 ? 'below 2,000/s (the lowest step)' : `${ceiling.generator_max_rate_per_s}/s`],
    [`generator CPU per request at ${ceiling.cpu_us_per_request.rate_per_s}/s (trivial endpoint)`, `${ceiling.cpu_us_per_request.http1_pool.join(', ')} us with its own client; ${ceiling.cpu_us_per_request.undici.join(', ')} us with undici's Pool (ratio ${ceiling.cpu_us_per_request.ratio_http1_to_undici})`],
    ['wrk on the same endpoint', ceiling.wrk_requests_per_s === null ? ceiling.wrk_note ?? 'n/a' : `${ceiling.wrk_requests_per_s}/s (generator/wrk ${ceiling.ratio_generator_to_wrk})`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('\n' + rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
  console.log(`\nCPU per successful payment at ${rate}/s (fixed-rate window ${cpu.window_s} s, ${cpu.ops} payments, /proc CPU-time deltas):`);
  const cw = Math.max(...cpu.by_process.map((p) => p.name.length));
  for (const p of [...cpu.by_process].sort((a, b) => b.cpu_ms - a.cpu_ms)) console.log(`  ${p.name.padEnd(cw)}  ${p.cpu_ms_per_op.toFixed(3)} ms  (${p.cores.toFixed(2)} cores)`);
  console.log(`  ${'total'.padEnd(cw)}  ${cpu.total_cpu_ms_per_op.toFixed(3)} ms  (${cpu.total_cores.toFixed(2)} of the ${os.availableParallelism()} cores it may use)`);
  const dbOf = (c: CpuCost) => c.by_process.filter((p) => p.name.startsWith(DATABASE_PREFIX)).reduce((t, p) => t + p.cpu_ms, 0) / c.ops;
  // Each payment is served by one task: the tasks' summed CPU per payment is each task's per request.
  const taskIds = new Set(tb.listInstances().map((i) => i.id));
  const tasksOf = (c: CpuCost) => c.by_process.filter((p) => taskIds.has(p.name)).reduce((t, p) => t + p.cpu_ms, 0) / c.ops;
  console.log('\nreferences measured in this run (same machine, same rate):');
  console.log(`  database (writer + standby) per payment: ${dbOf(cpu).toFixed(3)} ms from the service's batches; ${dbOf(dbCpu).toFixed(3)} ms from pgbench committing make_payment one by one at ${pgbAtRate.tps.toFixed(0)}/s`);
  console.log(`  each task per request it served: ${tasksOf(cpu).toFixed(3)} ms; a bare node:http server at ${taskRate_per_s}/s: ${httpFloor.server_cpu_ms_per_request.toFixed(3)} ms`);
  console.log(`\nwritten to ${file}`);
  if (profDir !== undefined) {
    await Promise.all(tb.listInstances().map((i) => tb.stopInstance(i.id)));
    console.log(`CPU profiles of the tasks (whole run, boot and warm-up included) in ${profDir}`);
  }
} finally {
  await tb.down();
}
