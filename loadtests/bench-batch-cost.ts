// `npm run bench:batch`: what one group commit costs the database, by batch size. pgbench calls
// make_payments (the service's batch function) with N payments per call at a fixed payment rate,
// straight to the writer of the default topology (synchronous standby, fsync on); the writer's and
// the standby's CPU per call and per payment come from /proc. A fit of cost = per_call + N x
// per_payment says how much of the database's CPU per payment batching can still remove.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCpuWindow } from '../testbed/process-cpu.js';
import { Testbed } from '../testbed/testbed.js';
import { machine } from './calibration.js';
import { runPgbench } from './pgbench.js';

const { values } = parseArgs({ options: {
  'batch-sizes': { type: 'string', default: '1,4,8,16,32' }, rate: { type: 'string', default: '1000' },
  'duration-s': { type: 'string', default: '10' }, out: { type: 'string', default: 'reports' },
} });
const sizes = values['batch-sizes'].split(',').map(Number);
const rate = Number(values.rate), duration_s = Number(values['duration-s']);
if (!sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 128) || !(rate >= 10 && rate <= 20_000) || !(duration_s >= 5 && duration_s <= 600)) {
  process.stderr.write('bench:batch: --batch-sizes takes integers in [1, 128] (comma-separated), --rate [10, 20000] payments/s, --duration-s [5, 600]\n');
  process.exit(2);
}

/** One make_payments call of :n payments: customer c pays from its own account to another's. */
const batchScript = (n: number) => `\\set c random(1, :customers)
select count(*) from make_payments(
  array(select 'cust_' || lpad(((:c + i) % :customers + 1)::text, 6, '0') from generate_series(1, ${n}) i),
  array(select 'bench-batch-' || gen_random_uuid() from generate_series(1, ${n})),
  array(select 'bench-batch' from generate_series(1, ${n})),
  array(select 'acct_' || lpad(((:c + i) % :customers + 1)::text, 6, '0') || '_1' from generate_series(1, ${n}) i),
  array(select 'acct_' || lpad(((:c + i + 7) % :customers + 1)::text, 6, '0') || '_2' from generate_series(1, ${n}) i),
  array(select 1::bigint from generate_series(1, ${n})),
  array(select 'EUR'::text from generate_series(1, ${n})), 3600);
`;

const say = (s: string) => process.stderr.write(s + '\n');
say('booting the two-AZ topology (synchronous standby)...');
const tb = await Testbed.up({ instances_per_az: 1 });
try {
  const customers = tb.seeded.customers.length;
  const db = tb.databaseRoots();
  const rows: { batch_size: number; calls: number; payments_per_s: number; writer_ms_per_call: number; standby_ms_per_call: number; db_ms_per_payment: number }[] = [];
  for (const n of sizes) {
    say(`batches of ${n} at ${rate} payments/s for ${duration_s} s...`);
    const window = await startCpuWindow(db);
    const r = await runPgbench({ host: '127.0.0.1', port: tb.pgPrimary.port, database: 'payments', dir: tb.runDir, customers, currency: 'EUR',
      clients: 4, duration_s, rate_per_s: Math.max(1, Math.round(rate / n)), script: batchScript(n) });
    const cpu = await window.stop(Math.max(1, r.transactions));
    const of = (name: string) => cpu.by_process.find((p) => p.name === name)?.cpu_ms ?? 0;
    const calls = Math.max(1, r.transactions);
    rows.push({ batch_size: n, calls: r.transactions, payments_per_s: Math.round((r.transactions * n) / duration_s),
      writer_ms_per_call: round3(of('postgres-writer') / calls), standby_ms_per_call: round3(of('postgres-standby') / calls),
      db_ms_per_payment: round3((of('postgres-writer') + of('postgres-standby')) / calls / n) });
  }
  // Least squares of the writer's CPU per call against the batch size: per_call + n x per_payment.
  const fit = linearFit(rows.map((r) => [r.batch_size, r.writer_ms_per_call]));
  const result = { machine: machine(), rate_per_s: rate, duration_s, rows, writer_fit: { per_call_ms: round3(fit.intercept), per_payment_ms: round3(fit.slope) } };
  await mkdir(values.out!, { recursive: true });
  const file = path.join(values.out!, `bench-batch-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(result, null, 2));
  console.log(`\nmake_payments at ${rate} payments/s, straight to the writer (synchronous standby, fsync on), /proc CPU:`);
  console.log('batch  calls/s  payments/s  writer ms/call  standby ms/call  database ms/payment');
  for (const r of rows) console.log(`${String(r.batch_size).padStart(5)}  ${String(Math.round(r.calls / duration_s)).padStart(7)}  ${String(r.payments_per_s).padStart(10)}  ${r.writer_ms_per_call.toFixed(3).padStart(14)}  ${r.standby_ms_per_call.toFixed(3).padStart(15)}  ${r.db_ms_per_payment.toFixed(3).padStart(19)}`);
  const short = rows.filter((r) => r.payments_per_s < 0.95 * rate);
  // pgbench -R falls behind when calls outlast their slots: such a row measured a lower rate than asked.
  if (short.length) console.log(`note: batches of ${short.map((r) => r.batch_size).join(', ')} ran below 95% of ${rate}/s (pgbench fell behind its schedule)`);
  console.log(`writer CPU per call ~ ${result.writer_fit.per_call_ms} ms + ${result.writer_fit.per_payment_ms} ms per payment in it`);
  console.log(`\nwritten to ${file}`);
} finally {
  await tb.down();
}

function linearFit(points: [number, number][]): { slope: number; intercept: number } {
  const n = points.length, sx = points.reduce((t, [x]) => t + x, 0), sy = points.reduce((t, [, y]) => t + y, 0);
  const sxx = points.reduce((t, [x]) => t + x * x, 0), sxy = points.reduce((t, [x, y]) => t + x * y, 0);
  const d = n * sxx - sx * sx;
  if (n < 2 || d === 0) return { slope: 0, intercept: n ? sy / n : 0 };
  const slope = (n * sxy - sx * sy) / d;
  return { slope, intercept: (sy - slope * sx) / n };
}

function round3(v: number) { return Math.round(v * 1000) / 1000; }
