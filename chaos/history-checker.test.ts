import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testbed/service-harness.js';
import { installBrokenLedger } from './broken-ledgers.js';
import { checkLedger, formatViolations } from './history-checker.js';
import { sendAll, sendPayment } from './testing/drive.js';

let h: Harness;
// Several database calls at once, one payment each, as several tasks would make them: a ledger
// without locks must be given the chance to race (one task batches its payments one call at a time).
// No load shedding: these tests are about the checker, and a 30-payment burst beside other test
// files made the queue stand long enough for one payment to be refused 503 (29 of 30 acknowledged in CI).
const CONCURRENT_TASKS = { PAYMENT_BATCHES_INFLIGHT_MAX: '8', PAYMENT_BATCH_SIZE_MAX: '1', LOAD_SHED_QUEUE_DELAY_MS: '0' };
beforeEach(async () => { h = await startHarness({ customers: 4, balance_minor: 10_000n, env: CONCURRENT_TASKS }); });
afterEach(async () => { await h?.stop(); });

const rules = (r: Awaited<ReturnType<typeof checkLedger>>) => [...new Set(r.violations.map((v) => v.rule))];

describe('history checker on the real ledger', () => {
  it('finds nothing wrong with a correct run, including replays and refusals', async () => {
    const history = await sendAll(h, Array.from({ length: 30 }, (_, i) => ({ from: i % 4, to: (i + 1) % 4, amount: 1 + (i % 7) })));
    const replay = await sendPayment(h, { from: 0, to: 1, amount: 1, key: history[0]!.meta!.key });
    const reuse = await sendPayment(h, { from: 0, to: 1, amount: 5, key: history[0]!.meta!.key });
    expect([replay.status, replay.payment_id, reuse.status]).toEqual([201, history[0]!.payment_id, 422]);
    history.push({ ...replay, op: 'replay' }, reuse);
    history.push(await sendPayment(h, { from: 0, to: 1, amount: 999_999 })); // insufficient funds: refused
    const report = await checkLedger(h.pool, history);
    expect(formatViolations(report)).toBe('ledger: all rules hold');
    expect(report.stats).toMatchObject({ acknowledged: 30, acknowledged_found: 30, definite_failures: 1 }); // the 422 on insufficient funds
  });

  it('accepts a timed-out request whose payment landed once, and one that never landed', async () => {
    const landed = await sendPayment(h, { from: 0, to: 1, amount: 3 });
    const history = [{ ...landed, status: 0, outcome: 'timeout' as const, payment_id: undefined }, { op: 'payment', status: 0, outcome: 'timeout' as const, meta: { ...landed.meta!, key: 'never-arrived' } }];
    const report = await checkLedger(h.pool, history);
    expect(report.ok).toBe(true);
    expect(report.stats).toMatchObject({ uncertain: 2, uncertain_applied: 1 });
  });

  it('catches a payment no client sent', async () => {
    const history = [await sendPayment(h, { from: 0, to: 1, amount: 3 })];
    await h.pool.query(`with p as (insert into payments (customer_id, source_account_id, destination_account_id, amount_minor, currency, idempotency_key)
      values ($1, $2, $3, 7, 'EUR', 'ghost') returning id)
      insert into entries (payment_id, account_id, direction, amount_minor, currency)
      select id, $2, 'debit', 7, 'EUR' from p union all select id, $3, 'credit', 7, 'EUR' from p`,
    [h.seeded.customers[0]!.id, h.seeded.customers[0]!.accounts[0], h.seeded.customers[1]!.accounts[0]]);
    await h.pool.query(`update accounts set balance_minor = balance_minor - 7 where id = $1`, [h.seeded.customers[0]!.accounts[0]]);
    await h.pool.query(`update accounts set balance_minor = balance_minor + 7 where id = $1`, [h.seeded.customers[1]!.accounts[0]]);
    const report = await checkLedger(h.pool, history);
    expect(rules(report)).toEqual(['5 payment nobody sent']);
    expect(report.violations[0]!.message).toMatch(/key ghost/);
  });
});

describe('each deliberately broken ledger is caught', () => {
  it('skip_idempotency: a retry moves the money twice (rule 4)', async () => {
    await installBrokenLedger(h.pool, 'skip_idempotency');
    const first = await sendAll(h, Array.from({ length: 5 }, (_, i) => ({ from: 0, to: 1, amount: 10 + i })));
    const retries = await sendAll(h, first.map((r, i) => ({ from: 0, to: 1, amount: 10 + i, key: r.meta!.key })));
    const report = await checkLedger(h.pool, [...first, ...retries]);
    expect(rules(report)).toContain('4 idempotency');
  });

  it('no_lock: concurrent debits lose updates (rule 2)', async () => {
    await installBrokenLedger(h.pool, 'no_lock');
    const history = await sendAll(h, Array.from({ length: 40 }, () => ({ from: 0, to: 1, amount: 100 })));
    const report = await checkLedger(h.pool, history);
    expect(rules(report)).toContain('2 balance equals entries');
  });

  it('credit_without_debit: money from nowhere (rule 1)', async () => {
    await installBrokenLedger(h.pool, 'credit_without_debit');
    const history = await sendAll(h, [{ from: 0, to: 1, amount: 50 }]);
    const report = await checkLedger(h.pool, history);
    expect(rules(report)).toEqual(expect.arrayContaining(['1 double entry']));
    expect(report.violations.find((v) => v.rule === '1 double entry')!.payments).toEqual([history[0]!.payment_id]);
  });

  it('entries_without_payment: entries that belong to no payment (rule 1, what foreign keys refused)', async () => {
    await installBrokenLedger(h.pool, 'entries_without_payment');
    const history = await sendAll(h, [{ from: 0, to: 1, amount: 50 }]);
    const report = await checkLedger(h.pool, history);
    expect(rules(report)).toContain('1 double entry');
    expect(report.violations.filter((v) => v.message.includes('belongs to no payment'))).toHaveLength(2);
  });

  it('lose_ack: an acknowledged payment is not in the ledger (rule 5)', async () => {
    await installBrokenLedger(h.pool, 'lose_ack');
    const history = await sendAll(h, [{ from: 0, to: 1, amount: 50 }, { from: 2, to: 3, amount: 60 }]);
    expect(history.every((r) => r.status === 201)).toBe(true);
    const report = await checkLedger(h.pool, history);
    expect(rules(report)).toEqual(['5 acknowledged payment lost']);
    expect(report.stats).toMatchObject({ acknowledged: 2, acknowledged_found: 0 });
  });
});
