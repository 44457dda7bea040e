import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Testbed } from './testbed.js';

let tb: Testbed;
beforeAll(async () => {
  tb = await Testbed.up({
    instances_per_az: 1,
    seed: { customers: 20 },
    alb: { health: { interval_ms: 200, healthy_threshold: 2, unhealthy_threshold: 2 }, deregistration_delay_ms: 500 },
  });
}, 120_000);
afterAll(async () => { await tb?.down(); });

const pay = async (amount = 1) => {
  const from = tb.seeded.customers[0]!, to = tb.seeded.customers[1]!;
  return fetch(`${tb.url}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${from.token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
    body: JSON.stringify({ source_account_id: from.accounts[0], destination_account_id: to.accounts[0], amount_minor: amount, currency: 'EUR' }),
  });
};

describe('two-AZ testbed', () => {
  it('boots every piece labelled with its AZ and writes through the ALB to both AZs', async () => {
    const procs = tb.processes();
    expect(procs.map((p) => `${p.name}@${p.az}`)).toEqual(expect.arrayContaining([
      'postgres-writer@a', 'postgres-standby@b', 'redis-primary@a', 'redis-replica@b', 'svc-a-1@a', 'svc-b-2@b',
    ]));
    const servedBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await pay();
      expect(res.status).toBe(201);
      servedBy.add(res.headers.get('x-testbed-target')!);
    }
    expect(servedBy).toEqual(new Set(['svc-a-1', 'svc-b-2']));
  });

  it('stops routing to a killed instance once health checks fail', async () => {
    tb.killInstance('svc-a-1');
    await tb.alb.waitForState('svc-a-1', 'unhealthy', 5_000);
    for (let i = 0; i < 6; i++) {
      const res = await pay();
      expect(res.status).toBe(201);
      expect(res.headers.get('x-testbed-target')).toBe('svc-b-2');
    }
  });

  it('fails the database over to AZ b and keeps writing, with every acknowledged payment on the new writer', async () => {
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) acked.push(((await (await pay()).json()) as { id: string }).id);
    const { promote_ms } = await tb.failoverDatabase();
    expect(promote_ms).toBeLessThan(30_000);
    // The pool's old connections were reset by the endpoint switch; the service reconnects.
    let after = await pay();
    for (let i = 0; i < 20 && after.status !== 201; i++) { await new Promise((r) => setTimeout(r, 100)); after = await pay(); }
    expect(after.status).toBe(201);
    acked.push(((await after.json()) as { id: string }).id);
    const pool = tb.writerPool();
    const found = await pool.query('select count(*)::int n from payments where id = any($1::uuid[])', [acked]);
    const recovery = await pool.query('select pg_is_in_recovery() r');
    await pool.end();
    expect(found.rows[0].n).toBe(acked.length);
    expect(recovery.rows[0].r).toBe(false);
  });

  it('refuses capacity in a zone when told to', async () => {
    tb.refuseCapacity('a', true);
    await expect(tb.startInstance('a')).rejects.toThrow(/insufficient capacity/);
    tb.refuseCapacity('a', false);
  });
});

describe('teardown', () => {
  it('leaves no process and no temp dir behind', async () => {
    const t = await Testbed.up({ instances_per_az: 1, replication: 'asynchronous', seed: { customers: 2 } });
    const pids = t.processes().map((p) => p.pid!).filter(Boolean);
    const dir = t.runDir;
    expect(existsSync(dir)).toBe(true);
    await t.down();
    const alive = pids.filter((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } });
    expect(alive).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});
