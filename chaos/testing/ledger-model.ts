// Model-based testing of the ledger through the real HTTP service: fast-check generates command
// sequences, each runs against the service and a tiny in-memory model, and they must agree.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type pg from 'pg';
import type { Harness } from '../../testbed/service-harness.js';
import type { ClientPaymentRecord } from '../history-checker.js';

export interface ModelAccount { id: string; owner: number; balance: bigint }
export interface StoredKey { key: string; owner: number; from: number; to: number; amount: bigint; body: Record<string, unknown> }
export interface Model { accounts: ModelAccount[]; keys: StoredKey[] }
export interface Real { h: Harness; history: ClientPaymentRecord[] }

let accountSeq = 0;

/** A fresh account for `owner`, funded through a seed payment so balances equal entries. */
export async function fundedAccount(pool: pg.Pool, h: Harness, owner: number, balance: bigint): Promise<ModelAccount> {
  const id = `prop_${process.pid}_${++accountSeq}`;
  const customer = h.seeded.customers[owner]!.id;
  await pool.query(`insert into accounts (id, customer_id, currency, no_overdraft) values ($1, $2, 'EUR', true)`, [id, customer]);
  if (balance > 0n) {
    await pool.query(`with p as (insert into payments (customer_id, source_account_id, destination_account_id, amount_minor, currency, idempotency_key)
        values ('treasury', $3, $1, $2, 'EUR', 'seed-' || $1) returning id)
      insert into entries (payment_id, account_id, direction, amount_minor, currency)
        select id, $3, 'debit', $2, 'EUR' from p union all select id, $1, 'credit', $2, 'EUR' from p`, [id, balance.toString(), h.seeded.treasury_account]);
    await pool.query(`update accounts set balance_minor = balance_minor + $2 where id = $1`, [id, balance.toString()]);
    await pool.query(`update accounts set balance_minor = balance_minor - $2 where id = $1`, [h.seeded.treasury_account, balance.toString()]);
  }
  return { id, owner, balance };
}

async function post(r: Real, owner: number, key: string, from: ModelAccount, to: ModelAccount, amount: bigint) {
  const c = r.h.seeded.customers[owner]!;
  const res = await r.h.request('POST', '/v1/payments', { token: c.token, key, body: { source_account_id: from.id, destination_account_id: to.id, amount_minor: amount.toString(), currency: 'EUR' } });
  r.history.push({ op: 'payment', status: res.status, outcome: res.status < 300 ? 'ok' : 'http_error', ...(res.status === 201 ? { payment_id: res.body.id } : {}),
    meta: { key, customer: c.id, source: from.id, destination: to.id, amount_minor: amount.toString() } });
  return res;
}

function check(cond: boolean, what: string) { if (!cond) throw new Error(what); }

class Pay implements fc.AsyncCommand<Model, Real> {
  constructor(readonly from: number, readonly to: number, readonly amount: bigint) {}
  check(m: Readonly<Model>) { return m.accounts.length >= 2; }
  async run(m: Model, r: Real) {
    const from = m.accounts[this.from % m.accounts.length]!, to = m.accounts[this.to % m.accounts.length]!;
    const key = randomUUID();
    const res = await post(r, from.owner, key, from, to, this.amount);
    if (from.id === to.id) { check(res.status === 422 && res.body.code === 'same_account', `same account: got ${res.status}`); return; }
    if (from.balance < this.amount) { check(res.status === 422 && res.body.code === 'insufficient_funds', `expected insufficient_funds, got ${res.status} ${res.text}`); return; }
    check(res.status === 201, `expected 201, got ${res.status} ${res.text}`);
    from.balance -= this.amount;
    to.balance += this.amount;
    m.keys.push({ key, owner: from.owner, from: m.accounts.indexOf(from), to: m.accounts.indexOf(to), amount: this.amount, body: res.body });
  }
  toString() { return `Pay(${this.from}->${this.to}, ${this.amount})`; }
}

class Replay implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>) { return m.keys.length > 0; }
  async run(m: Model, r: Real) {
    const k = m.keys[this.pick % m.keys.length]!;
    const res = await post(r, k.owner, k.key, m.accounts[k.from]!, m.accounts[k.to]!, k.amount);
    check(res.status === 201 && res.headers.get('idempotent-replayed') === 'true', `replay: got ${res.status} replayed=${res.headers.get('idempotent-replayed')}`);
    check(JSON.stringify(res.body) === JSON.stringify(k.body), 'replay body differs from the original response');
  }
  toString() { return `Replay(${this.pick})`; }
}

class ReuseKey implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>) { return m.keys.length > 0; }
  async run(m: Model, r: Real) {
    const k = m.keys[this.pick % m.keys.length]!;
    const res = await post(r, k.owner, k.key, m.accounts[k.from]!, m.accounts[k.to]!, k.amount + 1n);
    check(res.status === 422 && res.body.code === 'idempotency_key_reused', `key reuse: got ${res.status}`);
  }
  toString() { return `ReuseKey(${this.pick})`; }
}

class ForeignDebit implements fc.AsyncCommand<Model, Real> {
  constructor(readonly from: number, readonly to: number) {}
  check(m: Readonly<Model>) { return new Set(m.accounts.map((a) => a.owner)).size > 1; }
  async run(m: Model, r: Real) {
    const from = m.accounts[this.from % m.accounts.length]!, to = m.accounts[this.to % m.accounts.length]!;
    const thief = m.accounts.find((a) => a.owner !== from.owner)!.owner;
    const res = await post(r, thief, randomUUID(), from, to, 1n);
    check(res.status === 403 || (from.id === to.id && res.status === 422), `foreign debit: got ${res.status}`);
  }
  toString() { return `ForeignDebit(${this.from})`; }
}

class ReadBalance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check() { return true; }
  async run(m: Model, r: Real) {
    const a = m.accounts[this.pick % m.accounts.length]!;
    const res = await r.h.request('GET', `/v1/accounts/${a.id}/balance`, { token: r.h.seeded.customers[a.owner]!.token });
    check(res.status === 200 && BigInt(res.body.balance_minor) === a.balance, `balance of ${a.id}: API ${res.body?.balance_minor}, model ${a.balance}`);
  }
  toString() { return `ReadBalance(${this.pick})`; }
}

class ReadPayment implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>) { return m.keys.length > 0; }
  async run(m: Model, r: Real) {
    const k = m.keys[this.pick % m.keys.length]!;
    const res = await r.h.request('GET', `/v1/payments/${String(k.body.id)}`, { token: r.h.seeded.customers[k.owner]!.token });
    check(res.status === 200 && res.body.amount_minor === k.amount.toString(), `payment ${String(k.body.id)}: got ${res.status}`);
  }
  toString() { return `ReadPayment(${this.pick})`; }
}

const amount = fc.bigInt({ min: 1n, max: 1_500n });
const idx = fc.nat({ max: 7 });

export const ledgerCommands = [
  fc.tuple(idx, idx, amount).map(([f, t, a]) => new Pay(f, t, a)),
  fc.tuple(idx, idx, amount).map(([f, t, a]) => new Pay(f, t, a)),
  idx.map((i) => new Replay(i)),
  idx.map((i) => new ReuseKey(i)),
  fc.tuple(idx, idx).map(([f, t]) => new ForeignDebit(f, t)),
  idx.map((i) => new ReadBalance(i)),
  idx.map((i) => new ReadPayment(i)),
];

/** After a run: the database agrees with the model for every account the run created. */
export async function assertDbMatchesModel(m: Model, pool: pg.Pool) {
  const res = await pool.query<{ id: string; b: string }>('select id, balance_minor::text b from accounts where id = any($1)', [m.accounts.map((a) => a.id)]);
  const db = new Map(res.rows.map((r) => [r.id, BigInt(r.b)]));
  for (const a of m.accounts) check(db.get(a.id) === a.balance, `account ${a.id}: db ${db.get(a.id)}, model ${a.balance}`);
}
