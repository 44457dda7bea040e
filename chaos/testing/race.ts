// Concurrency property: many clients at once on few accounts and shared idempotency keys.
import fc from 'fast-check';
import type { Harness } from '../../testbed/service-harness.js';
import { checkLedger, formatViolations, type ClientPaymentRecord } from '../history-checker.js';
import { fundedAccount, type ModelAccount } from './ledger-model.js';

export interface RaceOp { from: number; to: number; amount: number; key: number }

export const raceOps = fc.array(
  fc.record({ from: fc.nat({ max: 2 }), to: fc.nat({ max: 2 }), amount: fc.integer({ min: 1, max: 400 }), key: fc.nat({ max: 9 }) }),
  { minLength: 5, maxLength: 40 },
);

/** Runs all ops concurrently and throws, with the evidence, if any ledger promise broke. */
export async function raceOnce(h: Harness, ops: RaceOp[], run: number): Promise<void> {
  const START_MINOR = 1_000n;
  const accounts: ModelAccount[] = [];
  for (let i = 0; i < 3; i++) accounts.push(await fundedAccount(h.pool, h, 0, START_MINOR));
  const customer = h.seeded.customers[0]!;
  const history: ClientPaymentRecord[] = [];
  const results = await Promise.all(ops.map(async (op) => {
    const from = accounts[op.from]!, to = accounts[op.to]!;
    const key = `race-${process.pid}-${run}-${op.key}`;
    const res = await h.request('POST', '/v1/payments', { token: customer.token, key, body: { source_account_id: from.id, destination_account_id: to.id, amount_minor: op.amount, currency: 'EUR' } });
    history.push({ op: 'payment', status: res.status, outcome: res.status < 300 ? 'ok' : 'http_error', ...(res.status === 201 ? { payment_id: res.body.id } : {}),
      meta: { key, customer: customer.id, source: from.id, destination: to.id, amount_minor: String(op.amount) } });
    return { key, status: res.status, id: res.status === 201 ? String(res.body.id) : undefined };
  }));
  const fivexx = results.filter((r) => r.status >= 500);
  if (fivexx.length) throw new Error(`server errors under concurrency (deadlock?): ${fivexx.length} x ${fivexx[0]!.status}`);
  const winners = new Map<string, Set<string>>();
  for (const r of results) if (r.id) (winners.get(r.key) ?? winners.set(r.key, new Set()).get(r.key)!).add(r.id);
  for (const [key, ids] of winners) if (ids.size > 1) throw new Error(`key ${key} has ${ids.size} different winners`);
  const balances = await h.pool.query<{ b: string }>('select balance_minor::text b from accounts where id = any($1)', [accounts.map((a) => a.id)]);
  const total = balances.rows.reduce((t, r) => t + BigInt(r.b), 0n);
  if (total !== START_MINOR * 3n) throw new Error(`money not conserved among the accounts: ${total} != ${START_MINOR * 3n}`);
  if (balances.rows.some((r) => BigInt(r.b) < 0n)) throw new Error('an account went below zero');
  const report = await checkLedger(h.pool, history);
  // Rule 5's "nobody sent" also sees other runs' payments: judge only this run's keys there.
  const mine = report.violations.filter((v) => v.rule !== '5 payment nobody sent' || v.message.includes(`race-${process.pid}-${run}-`));
  if (mine.length) throw new Error(formatViolations({ ...report, ok: false, violations: mine }));
}
