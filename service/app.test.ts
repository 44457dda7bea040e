import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { tokenHash } from './sessions.js';
import { startHarness, type Harness } from '../testbed/service-harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ customers: 3, balance_minor: 10_000n }); });
afterAll(async () => { await h?.stop(); });

const alice = () => h.seeded.customers[0]!;
const bob = () => h.seeded.customers[1]!;
const pay = (amount: unknown, from = alice().accounts[0]!, to = bob().accounts[0]!) =>
  ({ source_account_id: from, destination_account_id: to, amount_minor: amount, currency: 'EUR' });

async function balanceOf(account: string): Promise<bigint> {
  const r = await h.pool.query<{ b: string }>('select balance_minor::text b from accounts where id = $1', [account]);
  return BigInt(r.rows[0]!.b);
}

describe('POST /v1/payments', () => {
  it('moves money with one debit and one credit entry', async () => {
    const before = [await balanceOf(alice().accounts[0]!), await balanceOf(bob().accounts[0]!)];
    const res = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay(250) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'posted', amount_minor: '250', currency: 'EUR' });
    expect(res.headers.get('location')).toBe(`/v1/payments/${res.body.id}`);
    expect(await balanceOf(alice().accounts[0]!)).toBe(before[0]! - 250n);
    expect(await balanceOf(bob().accounts[0]!)).toBe(before[1]! + 250n);
    const entries = await h.pool.query('select direction, amount_minor::text a, account_id from entries where payment_id = $1 order by direction', [res.body.id]);
    expect(entries.rows).toEqual([
      { direction: 'credit', a: '250', account_id: bob().accounts[0] },
      { direction: 'debit', a: '250', account_id: alice().accounts[0] },
    ]);
  });

  it('carries amounts beyond 2^53 as decimal strings without losing precision', async () => {
    // An overdraft-permitted account lets a huge amount through the funds check.
    await h.pool.query(`insert into accounts (id, customer_id, currency, no_overdraft) values ('acct_big', $1, 'EUR', false)`, [alice().id]);
    const res = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay('9007199254740993', 'acct_big') });
    expect(res.status).toBe(201);
    expect(res.body.amount_minor).toBe('9007199254740993');
    expect(await balanceOf('acct_big')).toBe(-9007199254740993n);
  });

  it('replays an identical request with the stored response and writes once', async () => {
    const key = randomUUID();
    const first = await h.request('POST', '/v1/payments', { token: alice().token, key, body: pay(10) });
    const before = await h.counts();
    const again = await h.request('POST', '/v1/payments', { token: alice().token, key, body: pay(10) });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await h.counts()).toEqual(before);
  });

  it('rejects the same key with a different body (422 idempotency_key_reused)', async () => {
    const key = randomUUID();
    await h.request('POST', '/v1/payments', { token: alice().token, key, body: pay(10) });
    const before = await h.counts();
    const res = await h.request('POST', '/v1/payments', { token: alice().token, key, body: pay(11) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await h.counts()).toEqual(before);
  });

  it('answers 409 idempotency_key_in_use while the same key is in flight', async () => {
    const key = randomUUID();
    const holder = await h.pool.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 7))', [alice().id, key]);
      const res = await h.request('POST', '/v1/payments', { token: alice().token, key, body: pay(10) });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('idempotency_key_in_use');
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    const after = await h.request('POST', '/v1/payments', { token: alice().token, key, body: pay(10) });
    expect(after.status).toBe(201);
  });

  it('refuses insufficient funds and writes nothing', async () => {
    const before = await h.counts();
    const balance = await balanceOf(alice().accounts[1]!);
    const res = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay((balance + 1n).toString(), alice().accounts[1]!) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('insufficient_funds');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await h.counts()).toEqual(before);
    expect(await balanceOf(alice().accounts[1]!)).toBe(balance);
  });

  it('forbids debiting an account the session does not own (403) and writes nothing', async () => {
    const before = await h.counts();
    const res = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay(1, bob().accounts[0]!, alice().accounts[0]!) });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('account_forbidden');
    expect(await h.counts()).toEqual(before);
  });

  it('answers 404 for an unknown destination and 422 for a currency mismatch', async () => {
    const unknown = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay(1, alice().accounts[0]!, 'acct_nope') });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'account_not_found']);
    const usd = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: { ...pay(1), currency: 'USD' } });
    expect([usd.status, usd.body.code]).toEqual([422, 'currency_mismatch']);
  });
});

describe('authentication', () => {
  it('401 without a token, with an unknown token, and with an expired one', async () => {
    const none = await h.request('GET', '/v1/summary');
    const unknown = await h.request('GET', '/v1/summary', { token: 'not-a-session' });
    const expired = 'expired-' + randomUUID();
    const ddb = h.deps.dynamo.client();
    await ddb.send(new PutItemCommand({ TableName: 'sessions', Item: {
      token_hash: { S: tokenHash(expired) }, customer_id: { S: alice().id }, expires_at: { N: String(Math.floor(Date.now() / 1000) - 5) },
    } }));
    ddb.destroy();
    const old = await h.request('GET', '/v1/summary', { token: expired });
    for (const r of [none, unknown, old]) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthenticated');
    }
  });
});

describe('reads', () => {
  it('GET /v1/payments/:id shows own payments, 404 for others and unknown ids', async () => {
    const made = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay(5) });
    const own = await h.request('GET', `/v1/payments/${made.body.id}`, { token: alice().token });
    expect(own.status).toBe(200);
    expect(own.body).toEqual(made.body);
    const payee = await h.request('GET', `/v1/payments/${made.body.id}`, { token: bob().token });
    expect(payee.status).toBe(200);
    const stranger = await h.request('GET', `/v1/payments/${made.body.id}`, { token: h.seeded.customers[2]!.token });
    expect([stranger.status, stranger.body.code]).toEqual([404, 'payment_not_found']);
    const junk = await h.request('GET', '/v1/payments/not-a-uuid', { token: alice().token });
    expect(junk.status).toBe(404);
  });

  it('serves balances cache-aside and invalidates them after a payment', async () => {
    const acct = alice().accounts[0]!;
    const first = await h.request('GET', `/v1/accounts/${acct}/balance`, { token: alice().token });
    const second = await h.request('GET', `/v1/accounts/${acct}/balance`, { token: alice().token });
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await h.deps.redis.command(['EXISTS', `balance:${acct}`])).toBe(1);
    await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay(7) });
    const after = await h.request('GET', `/v1/accounts/${acct}/balance`, { token: alice().token });
    expect(BigInt(after.body.balance_minor)).toBe(BigInt(first.body.balance_minor) - 7n);
    const metrics = await h.request('GET', '/metrics');
    expect(metrics.text).toMatch(/cache_requests_total\{cache="balance",result="hit"\} [1-9]/);
    const other = await h.request('GET', `/v1/accounts/${bob().accounts[0]}/balance`, { token: alice().token });
    expect([other.status, other.body.code]).toEqual([403, 'account_forbidden']);
  });

  it('GET /v1/summary lists balances and recent payments, refreshed after a write', async () => {
    const before = await h.request('GET', '/v1/summary', { token: bob().token });
    expect(before.status).toBe(200);
    expect(before.body.accounts.map((a: { account_id: string }) => a.account_id)).toEqual(bob().accounts);
    const made = await h.request('POST', '/v1/payments', { token: alice().token, key: randomUUID(), body: pay(3) });
    const after = await h.request('GET', '/v1/summary', { token: bob().token });
    expect(after.body.recent_payments[0].id).toBe(made.body.id);
    expect(after.body.recent_payments.length).toBeLessThanOrEqual(20);
  });
});

describe('operations endpoints', () => {
  it('/health is up, /ready reports each dependency with latency, /metrics is Prometheus text', async () => {
    expect((await h.request('GET', '/health')).body).toEqual({ status: 'ok' });
    const ready = await h.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    for (const check of ['db', 'cache', 'sessions']) {
      expect(ready.body.checks[check].ok).toBe(true);
      expect(typeof ready.body.checks[check].latency_ms).toBe('number');
    }
    const metrics = await h.request('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'db_pool_connections', 'payments_total']) {
      expect(metrics.text).toContain(name);
    }
  });

  it('echoes a request id and answers unknown routes with problem+json', async () => {
    const res = await h.request('GET', '/nope', { headers: { 'x-request-id': 'req-123' } });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect([res.status, res.body.code]).toEqual([404, 'route_not_found']);
  });
});
