import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../testbed/service-harness.js';

// Migration 006 decides a whole batch in memory. Its reference is make_payment, one payment at a
// time in the batch's order: for any batch, both must give every payment the same outcome and
// leave the same balances. Each batch runs both ways on the same state (the set-based one rolled
// back), then the reference's effects are committed so later batches meet replays and spent funds.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ customers: 4, balance_minor: 1_000n });
  await h.pool.query(`insert into accounts (id, customer_id, currency, no_overdraft, balance_minor) values ('usd_of_0', $1, 'USD', true, 0)`, [h.seeded.customers[0]!.id]);
});
afterAll(async () => { await h?.stop(); });

interface Item { customer: number; key: string; fingerprint: string; source: string; destination: string; amount: bigint; currency: string }

const account = (c: number) => h.seeded.customers[c]!.accounts[0]!;

function itemArb(): fc.Arbitrary<Item> {
  return fc.record({
    customer: fc.integer({ min: 0, max: 3 }),
    from: fc.integer({ min: 0, max: 3 }), to: fc.integer({ min: 0, max: 3 }),
    // Few keys, so keys repeat: replays, key reuse with another body, one key twice in a batch.
    key: fc.integer({ min: 1, max: 12 }),
    amount: fc.bigInt({ min: 1n, max: 700n }),
    oddity: fc.constantFrom('none', 'none', 'none', 'none', 'unknown_source', 'unknown_destination', 'usd_destination', 'usd_payment'),
  }).map(({ customer, from, to, key, amount, oddity }) => {
    const source = oddity === 'unknown_source' ? 'no_such_account' : account(from);
    let destination = oddity === 'unknown_destination' ? 'no_such_account' : oddity === 'usd_destination' ? 'usd_of_0' : account(to === from ? (to + 1) % 4 : to);
    if (destination === source) destination = account((from + 2) % 4);
    return { customer, key: `k${key}`, fingerprint: `${source}>${destination}:${amount}`, source, destination, amount, currency: oddity === 'usd_payment' ? 'USD' : 'EUR' };
  });
}

const columns = 'status, code, detail, body, replayed, source_customer, destination_customer';
const args = (b: Item[], run: string) => [b.map((i) => h.seeded.customers[i.customer]!.id), b.map((i) => `${run}-${i.key}`), b.map((i) => i.fingerprint),
  b.map((i) => i.source), b.map((i) => i.destination), b.map((i) => i.amount.toString()), b.map((i) => i.currency), 3600];

/** The body without what differs between two runs by construction (its id and timestamp). */
const outcome = (r: Record<string, unknown>) => {
  const { id: _id, created_at: _at, ...body } = (r.body ?? {}) as Record<string, unknown>;
  return { ...r, body: r.body === null ? null : body };
};

async function balances(c: pg.PoolClient): Promise<Record<string, string>> {
  const r = await c.query<{ id: string; b: string }>('select id, balance_minor::text b from accounts order by id');
  return Object.fromEntries(r.rows.map((x) => [x.id, x.b]));
}

async function bothWays(c: pg.PoolClient, batch: Item[], run: string) {
  await c.query('begin');
  const setBased = (await c.query(`select item, ${columns} from make_payments($1, $2, $3, $4, $5, $6, $7, $8) order by item`, args(batch, run))).rows;
  const setBalances = await balances(c);
  await c.query('rollback');
  await c.query('begin');
  const reference: Record<string, unknown>[] = [];
  for (const [n, i] of batch.entries()) {
    const a = args([i], run).map((v) => (Array.isArray(v) ? v[0] : v));
    const row = (await c.query(`select ${columns} from make_payment($1, $2, $3, $4, $5, $6::bigint, $7, $8)`, a)).rows[0]!;
    reference.push({ item: n + 1, ...row });
  }
  const refBalances = await balances(c);
  await c.query('commit');
  return { setBased: setBased.map(outcome), reference: reference.map(outcome), setBalances, refBalances };
}

describe('make_payments (set-based, migration 006) against make_payment one at a time', () => {
  it('gives every payment of any batch the same outcome and leaves the same balances', async () => {
    let runs = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.array(itemArb(), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 }), async (batches) => {
      const run = `p${++runs}`;
      const c = await h.pool.connect();
      try {
        for (const batch of batches) {
          const r = await bothWays(c, batch, run);
          expect(r.setBased).toEqual(r.reference);
          expect(r.setBalances).toEqual(r.refBalances);
        }
      } finally { c.release(); }
    }), { numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 25) });
  });

  it('answers 409 for a key another transaction holds, and still posts the rest of the batch', async () => {
    const holder = await h.pool.connect(), c = await h.pool.connect();
    try {
      const customer = h.seeded.customers[1]!.id;
      await holder.query('begin');
      await holder.query(`select pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 7))`, [customer, 'held-key']);
      const b: Item[] = [
        { customer: 1, key: 'held-key', fingerprint: 'f', source: account(1), destination: account(2), amount: 1n, currency: 'EUR' },
        { customer: 1, key: 'free-key', fingerprint: 'f', source: account(1), destination: account(2), amount: 1n, currency: 'EUR' },
      ];
      const a = args(b, 'held'); a[1] = ['held-key', 'free-key'];
      const rows = (await c.query(`select item, status, code from make_payments($1, $2, $3, $4, $5, $6, $7, $8) order by item`, a)).rows;
      expect(rows).toEqual([{ item: 1, status: 409, code: 'idempotency_key_in_use' }, { item: 2, status: 201, code: null }]);
      await holder.query('rollback');
    } finally { holder.release(); c.release(); }
  });
});
