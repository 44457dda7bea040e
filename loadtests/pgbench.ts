import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PgbenchResult { tps: number; latency_avg_ms: number; transactions: number; clients: number; duration_s: number; rate_per_s?: number }

/**
 * The service's own payment transaction (make_payment) driven by pgbench: the database's ceiling
 * for exactly what one POST /v1/payments does, measured on the same machine in the same run.
 */
export const makePaymentScript = (currency: string) => `\\set c random(1, :customers)
\\set d random(1, :customers)
select status from make_payment('cust_' || lpad(:c::text, 6, '0'), 'pgbench-' || gen_random_uuid(), 'pgbench',
  'acct_' || lpad(:c::text, 6, '0') || '_1', 'acct_' || lpad(:d::text, 6, '0') || '_2', 1 + (:c % 100), '${currency}', 3600);
`;

export async function runPgbench(o: {
  pgbenchBin?: string; host: string; port: number; database: string; dir: string;
  customers: number; currency: string; clients: number; duration_s: number; rate_per_s?: number;
  /** A pgbench script of its own (`:customers` is set); by default one make_payment per transaction. */
  script?: string;
}): Promise<PgbenchResult> {
  const script = path.join(o.dir, o.script === undefined ? 'make-payment.pgbench' : 'custom.pgbench');
  if (!/^[A-Z]{3}$/.test(o.currency)) throw new Error(`currency must be 3 upper-case letters, got ${o.currency}`);
  await writeFile(script, o.script ?? makePaymentScript(o.currency));
  const args = ['-n', '-f', script, '-c', String(o.clients), '-j', String(Math.min(o.clients, 2)), '-T', String(o.duration_s),
    '-D', `customers=${o.customers}`, '-M', 'prepared',
    '-h', o.host, '-p', String(o.port), '-U', 'postgres', ...(o.rate_per_s ? ['-R', String(o.rate_per_s)] : []), o.database];
  let stdout: string;
  try {
    ({ stdout } = await run(o.pgbenchBin ?? 'pgbench', args, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('pgbench not found: apt-get install -y postgresql-client (or postgresql-contrib)');
    throw new Error(`pgbench failed: ${(e.stderr || e.message).trim()}`);
  }
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  return {
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
    latency_avg_ms: num(/latency average = ([\d.]+) ms/),
    transactions: num(/number of transactions actually processed: (\d+)/),
    clients: o.clients, duration_s: o.duration_s, ...(o.rate_per_s ? { rate_per_s: o.rate_per_s } : {}),
  };
}
