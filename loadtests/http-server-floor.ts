import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { treeCpu_ms } from '../testbed/process-cpu.js';
import { runOpenModel } from './open-model.js';

// A Node task's least possible work per payment: parse the request, read its JSON body, answer a
// 201 with a JSON body of a payment's size. No database, cache, session or validation.
const FLOOR_SERVER = `
const http = require('node:http');
const answer = JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', status: 'posted', amount_minor: '100',
  currency: 'EUR', source_account_id: 'acct_000001_1', destination_account_id: 'acct_000002_2', created_at: new Date().toISOString() });
const s = http.createServer((q, r) => {
  const parts = [];
  q.on('data', (c) => parts.push(c));
  q.on('end', () => {
    JSON.parse(Buffer.concat(parts).toString('utf8'));
    r.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) }).end(answer);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.send(s.address().port));`;

const BODY = JSON.stringify({ source_account_id: 'acct_000001_1', destination_account_id: 'acct_000002_2', amount_minor: '100', currency: 'EUR', reference: 'floor' });

export interface HttpServerFloor { rate_per_s: number; duration_s: number; requests: number; server_cpu_ms_per_request: number }

/**
 * The CPU a bare node:http server spends per payment-shaped POST at `rate_per_s` (one task's share
 * of the bench's rate), from /proc CPU-time deltas of its process: the reference a service task's
 * CPU per payment is read against. The generator here is this process, as in the bench.
 */
export async function measureHttpServerFloor(rate_per_s: number, duration_s = 8): Promise<HttpServerFloor> {
  if (!(rate_per_s > 0 && duration_s >= 2)) throw new Error(`http server floor: rate_per_s must be positive and duration_s >= 2, got ${rate_per_s}, ${duration_s}`);
  const child = spawn(process.execPath, ['-e', FLOOR_SERVER], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    const [port] = (await once(child, 'message')) as [number];
    const roots = { server: child.pid! };
    const before = await treeCpu_ms(roots);
    const r = await runOpenModel({ target: `http://127.0.0.1:${port}`, stages: [{ duration_s, rate_per_s }], keep_history: false, connections: 64,
      next: () => ({ op: 'payment', method: 'POST', path: '/v1/payments', headers: { 'content-type': 'application/json', authorization: 'Bearer floor', 'idempotency-key': 'floor' }, body: BODY }) });
    const after = await treeCpu_ms(roots);
    const requests = Math.max(1, r.ok);
    return { rate_per_s, duration_s, requests: r.ok, server_cpu_ms_per_request: Math.round(((after.server! - before.server!) / requests) * 1000) / 1000 };
  } finally {
    child.kill();
  }
}
