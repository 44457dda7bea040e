import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { runOpenModel } from './open-model.js';
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
    const wrk = await runWrk(url + '/', { threads: 1, connections: 64, duration_s: step_s });
    const max = ok.at(-1)?.rate_per_s ?? 0;
    const wrkRps = 'requests_per_s' in wrk ? Math.round(wrk.requests_per_s) : null;
    return {
      generator_max_rate_per_s: max, steps, wrk_requests_per_s: wrkRps,
      ...('missing' in wrk ? { wrk_note: wrk.missing } : {}),
      ratio_generator_to_wrk: wrkRps ? Math.round((max / wrkRps) * 100) / 100 : null,
    };
  } finally {
    child.kill();
  }
}
