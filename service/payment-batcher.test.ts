import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testbed/service-harness.js';
import { ApiError } from './errors.js';
import { PaymentBatcher } from './payment-batcher.js';
import { parsePaymentRequest } from './payment-request.js';

// Real Postgres: the batch function (migration 003) and the batcher's group commit over it.
let h: Harness;
beforeAll(async () => { h = await startHarness({ customers: 4, balance_minor: 1_000n }); });
afterAll(async () => { await h?.stop(); });

const pay = (from: number, to: number, amount: number, currency = 'EUR') => parsePaymentRequest({
  source_account_id: h.seeded.customers[from]!.accounts[0], destination_account_id: h.seeded.customers[to]!.accounts[0],
  amount_minor: String(amount), currency,
});
const customer = (i: number) => h.seeded.customers[i]!.id;
let seq = 0;
const key = () => `batcher-test-${++seq}`;

describe('PaymentBatcher', () => {
  it('carries concurrent payments in few database calls, each with its own outcome', async () => {
    const b = new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 100 });
    const before = await h.counts();
    const asks = [
      ...Array.from({ length: 12 }, () => b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 10) })),
      b.submit({ customerId: customer(2), key: key(), req: pay(2, 3, 5_000) }), // more than the balance
      b.submit({ customerId: customer(1), key: key(), req: pay(0, 1, 1) }), // not the owner
    ];
    const rows = await Promise.all(asks);
    expect(rows.slice(0, 12).map((r) => r.status)).toEqual(Array(12).fill(201));
    expect(rows[12]).toMatchObject({ status: 422, code: 'insufficient_funds' });
    expect(rows[13]).toMatchObject({ status: 403, code: 'account_forbidden' });
    // One slot: the first payment leaves alone, the rest queue behind it and share calls.
    expect(b.stats.payments).toBe(14);
    expect(b.stats.batches).toBeLessThanOrEqual(4);
    const after = await h.counts();
    expect(after.payments - before.payments).toBe(12);
    expect(after.entries - before.entries).toBe(24);
  });

  it('one key twice in a batch: one payment, the second answer is the stored replay', async () => {
    const b = new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 100 });
    const k = key();
    const [first, second] = await Promise.all([
      b.submit({ customerId: customer(0), key: k, req: pay(0, 1, 3) }),
      b.submit({ customerId: customer(0), key: k, req: pay(0, 1, 3) }),
    ]);
    expect(first!.replayed).toBe(false);
    expect(second!.replayed).toBe(true);
    expect(second!.body).toEqual(first!.body);
  });

  it('a statement error in one payment does not fail its neighbours: the batch is retried one by one', async () => {
    const b = new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 100 });
    const bad = { ...pay(0, 1, 1), amountMinor: 0n }; // make_payment raises for a non-positive amount
    const results = await Promise.allSettled([
      b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 2) }), // leaves alone, opens the slot
      b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 2) }),
      b.submit({ customerId: customer(0), key: key(), req: bad }),
      b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 2) }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(b.stats.fallbacks).toBe(1);
  });

  it('refuses past its queue limit at once, and skips payments whose client has gone', async () => {
    const b = new PaymentBatcher(h.pool, 3600, { batch_size_max: 1, batches_inflight_max: 1, queue_max: 2 });
    const gone = new AbortController();
    const before = await h.counts();
    const first = b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 1) });
    const abandoned = b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 1), signal: gone.signal });
    const refused = b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 1) });
    gone.abort();
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(abandoned).rejects.toMatchObject({ code: 'overloaded' });
    expect((await first).status).toBe(201);
    expect(b.stats.abandoned).toBe(1);
    expect((await h.counts()).payments - before.payments).toBe(1);
  });

  it('rejects limits below one, and a negative linger', () => {
    expect(() => new PaymentBatcher(h.pool, 3600, { batch_size_max: 0, batches_inflight_max: 1, queue_max: 1 })).toThrow(/>= 1/);
    expect(() => new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 8, linger_ms: -1 })).toThrow(/linger_ms/);
    expect(() => new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 8, linger_ms: 5, linger_count_max: 0 })).toThrow(/linger_count_max/);
  });

  it('a linger gathers payments that arrive apart into one call, and never sends one before it ends', async () => {
    const linger_ms = 300;
    const b = new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 100, linger_ms });
    const started_ms = performance.now();
    const asks: Promise<{ status: number }>[] = [];
    for (let i = 0; i < 5; i++) {
      asks.push(b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 1) }));
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = await asks[0]!;
    const firstAnswered_ms = performance.now() - started_ms;
    expect((await Promise.all(asks)).map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(firstAnswered_ms).toBeGreaterThanOrEqual(linger_ms - 2); // timers may fire a little early
    expect(first.status).toBe(201);
    expect(b.stats).toMatchObject({ batches: 1, payments: 5 });
    // A batch that cannot grow does not wait for company.
    const single = new PaymentBatcher(h.pool, 3600, { batch_size_max: 1, batches_inflight_max: 1, queue_max: 100, linger_ms: 60_000 });
    expect((await single.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 1) })).status).toBe(201);
  });

  it('a linger ends early once linger_count_max payments wait', async () => {
    const b = new PaymentBatcher(h.pool, 3600, { batch_size_max: 8, batches_inflight_max: 1, queue_max: 100, linger_ms: 60_000, linger_count_max: 3 });
    const rows = await Promise.all(Array.from({ length: 3 }, () => b.submit({ customerId: customer(0), key: key(), req: pay(0, 1, 1) })));
    expect(rows.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(b.stats).toMatchObject({ batches: 1, payments: 3 });
  });
});
