import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testbed/service-harness.js';
import { APP_DB_ROLE } from './db/migrate.js';

// Migration 004: what the service's own login may and may not do, on real Postgres.
let h: Harness;
let app: pg.Pool;
beforeAll(async () => {
  h = await startHarness({ customers: 2, balance_minor: 1_000n });
  const env = h.deps.serviceEnv();
  app = new pg.Pool({ host: env.DB_HOST, port: Number(env.DB_PORT), database: env.DB_NAME, user: env.DB_USER, password: env.DB_PASSWORD, max: 1 });
});
afterAll(async () => { await app?.end(); await h?.stop(); });

const denied = (sql: string) => expect(app.query(sql)).rejects.toThrow(/permission denied|must be owner/);

describe(`the service's database role (${APP_DB_ROLE})`, () => {
  it('is what the service logs in as', () => {
    expect(h.deps.serviceEnv().DB_USER).toBe(APP_DB_ROLE);
  });

  it('moves money through make_payment, which enforces the ledger rules as its owner', async () => {
    const [a, b] = h.seeded.customers;
    const r = await app.query<{ status: number }>(`select status from make_payment($1, 'app-role-1', 'fp', $2, $3, 5, 'EUR', 3600)`, [a!.id, a!.accounts[0], b!.accounts[0]]);
    expect(r.rows[0]!.status).toBe(201);
    expect((await app.query('select count(*)::int n from payments')).rows[0].n).toBeGreaterThan(0);
    expect((await app.query('select balance_minor from accounts limit 1')).rows).toHaveLength(1);
  });

  it('cannot write a ledger row directly, read stored responses, or change the schema', async () => {
    await denied(`insert into entries (payment_id, account_id, direction, amount_minor, currency) select id, source_account_id, 'credit', 1000000, currency from payments limit 1`);
    await denied(`update accounts set balance_minor = balance_minor + 1000000`);
    await denied(`delete from payments`);
    await denied(`select * from idempotency_keys`);
    await denied(`create table stolen (x int)`);
    await denied(`alter table accounts drop constraint if exists accounts_pkey`);
  });
});

describe('Redis AUTH, as ElastiCache with an auth token', () => {
  it('refuses a client without the token; the service presents it', async () => {
    // A client that skips AUTH: the server's own answer, over a plain socket.
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(h.deps.redis.port, '127.0.0.1', () => s.write('GET anything\r\n'));
      s.once('data', (d) => { s.destroy(); resolve(d.toString()); });
      s.once('error', reject);
    });
    expect(reply).toMatch(/^-NOAUTH Authentication required/);
    expect(h.deps.serviceEnv().REDIS_AUTH_TOKEN).toBeDefined();
    const [a] = h.seeded.customers;
    const res = await h.request('GET', '/v1/summary', { token: a!.token });
    expect(res.status).toBe(200);
    expect(Number(await h.deps.redis.command(['EXISTS', `summary:${a!.id}`]))).toBe(1); // cached through the authenticated client
  });
});
