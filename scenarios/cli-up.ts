import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { albTuningSchema, type AlbConfigInput } from '../testbed/alb/alb-config.js';
import { Testbed } from '../testbed/testbed.js';
import { providerFrom } from './cli-run.js';
import { EXIT, UsageError, type Values } from './cli-usage.js';
import { problemsOf } from './zod-problems.js';

const err = (line: string) => process.stderr.write(`${line}\n`);

/** `--alb '<json>'`: the ALB's tuning (queue bounds, health checks, ...), checked as a scenario's `alb` block is. */
export function albFrom(text: Values[string]): Omit<AlbConfigInput, 'listen_port' | 'control_port'> | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string') throw new UsageError('--alb takes one JSON object, e.g. --alb \'{"queue_requests_max":128}\'');
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new UsageError(`--alb: not JSON (${(e as Error).message})`); }
  const parsed = albTuningSchema.safeParse(json);
  if (!parsed.success) throw new UsageError(`--alb: ${problemsOf(parsed.error).join('; ')}`);
  return json as Omit<AlbConfigInput, 'listen_port' | 'control_port'>;
}

/** `testbed up`: the default two-AZ topology, kept up until Ctrl-C, with what a person needs to poke it. */
export async function up(v: Values): Promise<number> {
  const perAz = v['instances-per-az'] === undefined ? 1 : Number(v['instances-per-az']);
  if (!Number.isInteger(perAz) || perAz < 0 || perAz > 8) throw new UsageError('--instances-per-az must be an integer from 0 to 8');
  const replication = (v.replication ?? 'synchronous') as 'synchronous';
  if (!['synchronous', 'asynchronous', 'none'].includes(replication)) throw new UsageError('--replication must be synchronous, asynchronous or none');
  const alb = albFrom(v.alb);
  err('booting the two-AZ topology...');
  const tb = await Testbed.up({ instances_per_az: perAz, replication, ...providerFrom(v), ...(alb ? { alb } : {}) }, { onEvent: (e) => err(`${e.kind} ${JSON.stringify(e.detail)}`) });
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
