import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../testbed/service-harness.js';

// Migrations 007 and 008: analyze keeps statistics only where a query filters, joins, orders or
// groups, from a small sample (statistics target 10: 3,000 rows instead of 30,000).
let h: Harness;
beforeAll(async () => { h = await startHarness({ customers: 2, balance_minor: 1_000n }); });
afterAll(async () => { await h?.stop(); });

async function statisticsTargets(table: string): Promise<number[]> {
  const r = await h.pool.query<{ t: number }>(`select distinct attstattarget as t from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped and attstattarget <> 0`, [table]);
  return r.rows.map((row) => Number(row.t));
}

async function statsColumns(table: string): Promise<string[]> {
  const r = await h.pool.query<{ attname: string }>(`select attname from pg_stats where schemaname = 'public' and tablename = $1 order by attname`, [table]);
  return r.rows.map((row) => row.attname);
}

describe('lean statistics', () => {
  it('analyze skips payload columns and keeps every key column', async () => {
    const [a, b] = [h.seeded.customers[0]!, h.seeded.customers[1]!];
    const n = 20;
    const r = await h.pool.query<{ status: number }>(`select status from make_payments($1, $2, $3, $4, $5, $6, $7, 3600)`, [
      Array(n).fill(a.id), Array.from({ length: n }, (_, i) => `stats-${i}`), Array.from({ length: n }, (_, i) => `fp-${i}`),
      Array(n).fill(a.accounts[0]), Array(n).fill(b.accounts[0]), Array(n).fill('1'), Array(n).fill('EUR')]);
    expect(r.rows.map((row) => row.status)).toEqual(Array(n).fill(201));
    await h.pool.query('analyze idempotency_keys, payments, entries');

    expect(await statsColumns('idempotency_keys')).toEqual(['customer_id', 'expires_at']);
    expect(await statsColumns('entries')).toEqual(['account_id', 'currency', 'direction', 'payment_id']);
    expect(await statsColumns('payments')).toEqual(['created_at', 'customer_id', 'destination_account_id', 'id', 'idempotency_key', 'source_account_id']);
  });

  it('every kept column analyzes a small sample (target 10), so a visit after a burst of payments is cheap', async () => {
    for (const table of ['idempotency_keys', 'entries', 'payments']) expect(await statisticsTargets(table)).toEqual([10]);
  });
});
