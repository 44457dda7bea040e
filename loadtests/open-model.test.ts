import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOpenModel } from './open-model.js';
import { parsePaymentApi } from './payment-mix.js';

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/fail') { res.writeHead(503).end('{"code":"dependency_unavailable"}'); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => { server.close(); });

describe('open-model load generator', () => {
  it('sends at the scheduled rate and counts outcomes by status and by the code its requests parse', async () => {
    const r = await runOpenModel({
      target: url, stages: [{ duration_s: 1, rate_per_s: 200 }],
      next: (i) => ({ op: i % 10 === 0 ? 'bad' : 'good', method: 'GET', path: i % 10 === 0 ? '/fail' : '/', headers: {}, parse: parsePaymentApi }),
    });
    expect(r.sent).toBe(200);
    expect(r.completed).toBe(200);
    expect(r.errors).toBe(20);
    expect(r.status_counts).toEqual({ 200: 180, 503: 20 });
    expect(r.code_counts).toEqual({ dependency_unavailable: 20 });
    expect(r.history).toHaveLength(200);
    expect(r.dropped).toBe(0);
  });

  it('knows no API: without a parse hook nothing is read off the body', async () => {
    const r = await runOpenModel({ target: url, stages: [{ duration_s: 0.2, rate_per_s: 50 }], next: () => ({ op: 'bad', method: 'GET', path: '/fail', headers: {} }) });
    expect(r.errors).toBe(10);
    expect(r.code_counts).toEqual({});
    expect(r.history.every((h) => h.code === undefined && h.status === 503)).toBe(true);
  });

  it('the payment API parser reads the problem code, the payment id and the replay flag', () => {
    expect(parsePaymentApi({ status: 201, headers: { 'idempotent-replayed': 'true' }, body: '{"id":"pay_1"}' })).toEqual({ payment_id: 'pay_1', replayed: true });
    expect(parsePaymentApi({ status: 503, headers: {}, body: '{"code":"overloaded"}' })).toEqual({ code: 'overloaded' });
    expect(parsePaymentApi({ status: 502, headers: {}, body: '<html>502 Bad Gateway</html>' })).toEqual({});
    expect(parsePaymentApi({ status: 200, headers: {}, body: '{"id":"acct_1","code":"x"}' })).toEqual({});
  });

  it('measures latency from the scheduled send time, so a stall is not hidden (no coordinated omission)', async () => {
    // Block the generator's own event loop for 300 ms in the middle of the run: the requests due
    // during the block go out late, and their latency must include the wait.
    setTimeout(() => { const end = Date.now() + 300; while (Date.now() < end) { /* stall */ } }, 200);
    const r = await runOpenModel({
      target: url, stages: [{ duration_s: 1, rate_per_s: 100 }],
      next: () => ({ op: 'get', method: 'GET', path: '/', headers: {} }),
    });
    expect(r.latency.max_ms).toBeGreaterThanOrEqual(250);
    expect(r.late).toBeGreaterThan(10);
    expect(r.latency.p50_ms).toBeLessThan(50);
  });

  it('excludes warm-up from the summary but charts it', async () => {
    const r = await runOpenModel({
      target: url, stages: [{ duration_s: 1, rate_per_s: 50 }, { duration_s: 1, rate_per_s: 100 }], measure_from_s: 1,
      next: () => ({ op: 'get', method: 'GET', path: '/', headers: {} }),
    });
    expect(r.completed).toBe(100);
    expect(r.achieved_rate_per_s).toBe(100);
    expect([r.goodput_per_s, r.offered_rate_per_s]).toEqual([100, 100]);
    expect(r.windows[0]!.sent).toBe(50);
  });

  it('drops and counts arrivals beyond the in-flight limit instead of slowing down', async () => {
    const slow = http.createServer((_req, res) => setTimeout(() => res.end('ok'), 300));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const r = await runOpenModel({
      target: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, stages: [{ duration_s: 0.5, rate_per_s: 100 }], inflight_max: 5,
      next: () => ({ op: 'get', method: 'GET', path: '/', headers: {} }),
    });
    slow.close();
    expect(r.dropped).toBeGreaterThan(30);
    expect(r.sent + r.dropped).toBe(r.scheduled);
  });
});
