import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ServiceInstance } from '../testbed/local/service-instance.js';
import { waitFor } from '../testbed/local/wait-for.js';
import { startHarness, type Harness } from '../testbed/service-harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ customers: 2 }); });
afterAll(async () => { await h?.stop(); });

const alice = () => h.seeded.customers[0]!;
const bob = () => h.seeded.customers[1]!;
const body = (amount: number) => ({ source_account_id: alice().accounts[0], destination_account_id: bob().accounts[0], amount_minor: amount, currency: 'EUR' });

describe('graceful drain on SIGTERM', () => {
  it('finishes the in-flight payment, refuses new connections, exits 0', async () => {
    const svc = await new ServiceInstance({ name: 'drain-svc', runDir: h.deps.runDir, env: h.deps.serviceEnv() }).start();
    // Hold the source account's row lock so the payment is provably in flight when SIGTERM lands.
    const holder = await h.pool.connect();
    await holder.query('begin');
    await holder.query('select 1 from accounts where id = $1 for update', [alice().accounts[0]]);
    const inflight = fetch(`${svc.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice().token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify(body(1)),
    });
    await waitFor('a payment blocked on the row lock', async () => (await h.pool.query(`select count(*)::int n from pg_locks where not granted`)).rows[0].n > 0, 10_000);
    svc.process!.signal('SIGTERM');
    await waitFor('the listener closed', async () => fetch(`${svc.url}/health`).then(() => false, () => true), 10_000);
    await expect(fetch(`${svc.url}/health`)).rejects.toThrow(); // new connections refused
    expect(svc.process!.running).toBe(true); // still finishing the in-flight request
    await holder.query('commit');
    holder.release();
    const res = await inflight;
    expect(res.status).toBe(201);
    expect(await svc.process!.waitExit()).toBe(0);
  });
});

describe('Redis down', () => {
  it('serves reads and payments from Postgres, counts the degradation, reports degraded readiness', async () => {
    await h.deps.redis.stop();
    const balance = await h.request('GET', `/v1/accounts/${alice().accounts[0]}/balance`, { token: alice().token });
    expect(balance.status).toBe(200);
    const summary = await h.request('GET', '/v1/summary', { token: alice().token });
    expect(summary.status).toBe(200);
    const payment = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: body(2) });
    expect(payment.status).toBe(201);
    const after = await h.request('GET', `/v1/accounts/${alice().accounts[0]}/balance`, { token: alice().token });
    expect(BigInt(after.body.balance_minor)).toBe(BigInt(balance.body.balance_minor) - 2n);
    const ready = await h.request('GET', '/ready');
    expect([ready.status, ready.body.status, ready.body.checks.cache.ok]).toEqual([200, 'degraded', false]);
    const metrics = await h.request('GET', '/metrics');
    expect(metrics.text).toMatch(/cache_degraded_total\{operation="get"\} [1-9]/);
  });
});


describe('load shedding', () => {
  it('answers 503 overloaded at once beyond INFLIGHT_REQUESTS_MAX, and serves again when the load passes', async () => {
    const svc = await new ServiceInstance({ name: 'shed-svc', runDir: h.deps.runDir, env: h.deps.serviceEnv({ INFLIGHT_REQUESTS_MAX: '1' }) }).start();
    try {
      const holder = await h.pool.connect();
      await holder.query('begin');
      await holder.query('select 1 from accounts where id = $1 for update', [bob().accounts[0]]);
      const post = () => fetch(`${svc.url}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bob().token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
        body: JSON.stringify({ source_account_id: bob().accounts[0], destination_account_id: alice().accounts[0], amount_minor: 1, currency: 'EUR' }),
      });
      const held = post(); // blocks on the row lock: one request in flight
      await waitFor('a payment blocked on the row lock', async () => (await h.pool.query(`select count(*)::int n from pg_locks where not granted`)).rows[0].n > 0, 10_000);
      const started = performance.now();
      const shed = await post();
      expect(shed.status).toBe(503);
      expect(shed.headers.get('retry-after')).toBe('1');
      expect(((await shed.json()) as { code: string }).code).toBe('overloaded');
      expect(performance.now() - started).toBeLessThan(1_000);
      expect((await fetch(`${svc.url}/health`)).status).toBe(200); // probes are never shed
      await holder.query('commit');
      holder.release();
      expect((await held).status).toBe(201);
      expect((await post()).status).toBe(201);
    } finally {
      await svc.stop();
    }
  });
});
