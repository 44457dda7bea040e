import net from 'node:net';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DynaliteProcess } from './local/dynalite.js';
import { makeRunDir } from './local/temp-dir.js';
import { Testbed } from './testbed.js';
import { dockerEngineAnswers } from './docker-engine.js';

const reachable = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});
// The machine's own Postgres and Redis (node-svc machines run them) stand in for "external" ones.
const machineServices = (await reachable(5432)) && (await reachable(6379));
const engine = await dockerEngineAnswers();

describe('providers', () => {
  it('containers fails fast, saying what to do, when no Docker engine answers', async () => {
    const host = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const started = performance.now();
      await expect(Testbed.up({ provider: 'containers' })).rejects.toThrow(/containers provider needs a Docker engine, and none answered at unix:\/\/\/nonexistent[\s\S]*containers:setup[\s\S]*--provider local/);
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      if (host === undefined) delete process.env.DOCKER_HOST; else process.env.DOCKER_HOST = host;
    }
  });

  it.skipIf(!engine)('containers: an image the engine does not hold is named before anything starts', async () => {
    await expect(Testbed.up({ provider: 'containers', containers: { postgres_image: 'no-such/postgres:0' } }))
      .rejects.toThrow(/the postgres image "no-such\/postgres:0" is not in the local Docker engine/);
  });

  it('external needs its endpoints, and refuses a Redis URL without a database it may flush', async () => {
    await expect(Testbed.up({ provider: 'external' })).rejects.toThrow(/needs postgres_url, redis_url and dynamodb_endpoint/);
    await expect(Testbed.up({ provider: 'external', external: { postgres_url: 'postgres://postgres@127.0.0.1:5432', redis_url: 'redis://127.0.0.1:6379', dynamodb_endpoint: 'http://127.0.0.1:1' } }))
      .rejects.toThrow(/must name the database the testbed may flush/);
  });

  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => { for (const c of cleanup) await c(); });

  it.skipIf(!machineServices)('external: runs the service, proxies and ALB against given endpoints and removes only what it created', async () => {
    const dyn = await new DynaliteProcess({ name: 'ext-dynamodb', runDir: await makeRunDir() }).start();
    cleanup.push(() => dyn.stop());
    const tb = await Testbed.up({
      provider: 'external', instances_per_az: 1, seed: { customers: 5 },
      external: { postgres_url: 'postgres://postgres@127.0.0.1:5432', redis_url: 'redis://127.0.0.1:6379/15', dynamodb_endpoint: dyn.endpoint },
    });
    cleanup.push(async () => { await tb.down(); });
    expect(tb.database).toMatch(/^payments_testbed/);
    const from = tb.seeded.customers[0]!, to = tb.seeded.customers[1]!;
    const res = await fetch(`${tb.url}/v1/payments`, {
      method: 'POST', headers: { authorization: `Bearer ${from.token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify({ source_account_id: from.accounts[0], destination_account_id: to.accounts[0], amount_minor: 5, currency: 'EUR' }),
    });
    expect(res.status).toBe(201);
    await expect(tb.failoverDatabase()).rejects.toThrow(/no standby/);
    await tb.down();
    const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await c.connect();
    const left = await c.query('select count(*)::int n from pg_database where datname = $1', [tb.database]);
    await c.end();
    expect(left.rows[0].n).toBe(0);
  }, 120_000);
});
