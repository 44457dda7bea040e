import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';
import type { Http1Request } from './http1-pool.js';
import { runOpenModel, type LoadClient } from './open-model.js';
import { runWrk } from './wrk.js';

const TRIVIAL_SERVER = `
const http = require('node:http');
const s = http.createServer((_q, r) => r.end('ok'));
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.send(s.address().port));`;

export interface CeilingResult {
  generator_max_rate_per_s: number;
  steps: { rate_per_s: number; achieved_per_s: number; late: number; dropped: number; p99_ms: number }[];
  wrk_requests_per_s: number | null;
  wrk_note?: string;
  ratio_generator_to_wrk: number | null;
  /**
   * The whole generator's CPU per request (the runner process, us) at CLIENT_COST_RATE_PER_S against
   * the trivial server: with its own client and with undici's Pool as the reference, alternated.
   */
  cpu_us_per_request: { rate_per_s: number; http1_pool: number[]; undici: number[]; ratio_http1_to_undici: number };
}

/** A rate both clients sustain on the slow machines, so the CPU compared is per request, not per stall. */
export const CLIENT_COST_RATE_PER_S = 3_000;
const CLIENT_COST_S = 4;
const CLIENT_COST_ROUNDS = 2;

/** undici's Pool as a LoadClient: the reference the generator's own client is measured against. */
function undiciClient(url: string): LoadClient {
  const pool = new Pool(url, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
  return {
    request: async (r: Http1Request) => {
      const res = await pool.request({ path: r.path, method: r.method as 'GET', headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
      return { statusCode: res.statusCode, headers: res.headers as Record<string, string>, body: await res.body.text() };
    },
    close: () => pool.close(),
  };
}

/** The runner's CPU per completed request over one fixed-rate load, in us. */
async function cpuPerRequest_us(url: string, pool: LoadClient | undefined): Promise<number> {
  const cpu0 = process.cpuUsage();
  const r = await runOpenModel({ target: url, stages: [{ duration_s: CLIENT_COST_S, rate_per_s: CLIENT_COST_RATE_PER_S }], keep_history: false, connections: 64,
    ...(pool ? { pool } : {}), next: () => ({ op: 'get', method: 'GET', path: '/', headers: {} }) });
  const d = process.cpuUsage(cpu0);
  if (pool) await pool.close();
  return Math.round((d.user + d.system) / Math.max(1, r.completed));
}

/**
 * How fast can our open-model generator go before it, not the system under test, is the limit?
 * Steps its rate against a trivial server (its own process) and compares with wrk on that server.
 */
export async function measureGeneratorCeiling(rates = [2_000, 3_000, 5_000, 10_000, 15_000, 20_000, 30_000], step_s = 3): Promise<CeilingResult> {
  const child: ChildProcess = spawn(process.execPath, ['-e', TRIVIAL_SERVER], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const [port] = (await once(child, 'message')) as [number];
  const url = `http://127.0.0.1:${port}`;
  try {
    const steps: CeilingResult['steps'] = [];
    for (const rate of rates) {
      const r = await runOpenModel({ target: url, stages: [{ duration_s: step_s, rate_per_s: rate }], keep_history: false, connections: 64,
        next: () => ({ op: 'get', method: 'GET', path: '/', headers: {} }) });
      steps.push({ rate_per_s: rate, achieved_per_s: r.achieved_rate_per_s, late: r.late, dropped: r.dropped, p99_ms: r.latency.p99_ms });
    }
    // Sustained: achieved 99% of the target with under 1% of sends late (behind schedule).
    const ok = steps.filter((s) => s.achieved_per_s >= 0.99 * s.rate_per_s && s.late < 0.01 * s.rate_per_s * step_s && s.dropped === 0);
    const http1_pool: number[] = [], undici: number[] = [];
    for (let i = 0; i < CLIENT_COST_ROUNDS; i++) {
      http1_pool.push(await cpuPerRequest_us(url, undefined));
      undici.push(await cpuPerRequest_us(url, undiciClient(url)));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const wrk = await runWrk(url + '/', { threads: 1, connections: 64, duration_s: step_s });
    const max = ok.at(-1)?.rate_per_s ?? 0;
    const wrkRps = 'requests_per_s' in wrk ? Math.round(wrk.requests_per_s) : null;
    return {
      generator_max_rate_per_s: max, steps, wrk_requests_per_s: wrkRps,
      ...('missing' in wrk ? { wrk_note: wrk.missing } : {}),
      ratio_generator_to_wrk: wrkRps ? Math.round((max / wrkRps) * 100) / 100 : null,
      cpu_us_per_request: { rate_per_s: CLIENT_COST_RATE_PER_S, http1_pool, undici, ratio_http1_to_undici: Math.round((median(http1_pool) / median(undici)) * 100) / 100 },
    };
  } finally {
    child.kill();
  }
}
