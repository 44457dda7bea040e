import type pg from 'pg';
import type { Testbed } from '../testbed/testbed.js';

/** What a client knows about one payment request it made (the load generator's history row). */
export interface ClientPaymentRecord {
  op: string;
  status: number;
  outcome: 'ok' | 'http_error' | 'timeout' | 'network_error';
  payment_id?: string;
  meta?: Record<string, string>;
}

export interface Violation { rule: string; message: string; payments: string[] }

export interface CheckReport {
  ok: boolean;
  violations: Violation[];
  stats: {
    payments_in_db: number; acknowledged: number; acknowledged_found: number; acknowledged_lost: number;
    uncertain: number; uncertain_applied: number; definite_failures: number;
  };
}

// Each list of offenders is cut to this many, so a broken run still gives a readable report.
const EXAMPLES_MAX = 5;
const SEED_KEY_PREFIX = 'seed-';

interface DbPayment { id: string; customer_id: string; idempotency_key: string; source_account_id: string; destination_account_id: string; amount_minor: string }

/** checkLedger on the testbed's current writer, over a pool of its own (closed after). */
export async function checkLedgerOnWriter(tb: Testbed, history: ClientPaymentRecord[]): Promise<CheckReport> {
  const pool = tb.writerPool();
  try { return await checkLedger(pool, history); } finally { await pool.end(); }
}

/**
 * Proves the ledger rules (design.md section 2) against the final database state and the client
 * history: 1 double entry, 2 balances equal entries, 3 no overdraft, 4 one payment per key,
 * 5 every acknowledged payment exists once and as asked, nothing exists that no client sent,
 * uncertain requests (timeouts, resets) applied at most once.
 */
export async function checkLedger(db: pg.Pool | pg.Client, history: ClientPaymentRecord[]): Promise<CheckReport> {
  const violations: Violation[] = [];
  const add = (rule: string, message: string, payments: string[] = []) => violations.push({ rule, message, payments: payments.slice(0, EXAMPLES_MAX) });

  const unbalanced = await db.query<{ id: string; n: number; debit: string | null; credit: string | null; amount_minor: string }>(
    `select p.id, count(e.id)::int n, p.amount_minor::text,
       sum(e.amount_minor) filter (where e.direction = 'debit' and e.account_id = p.source_account_id and e.currency = p.currency)::text debit,
       sum(e.amount_minor) filter (where e.direction = 'credit' and e.account_id = p.destination_account_id and e.currency = p.currency)::text credit
     from payments p left join entries e on e.payment_id = p.id
     group by p.id
     having count(e.id) <> 2
       or coalesce(sum(e.amount_minor) filter (where e.direction = 'debit' and e.account_id = p.source_account_id and e.currency = p.currency), -1) <> p.amount_minor
       or coalesce(sum(e.amount_minor) filter (where e.direction = 'credit' and e.account_id = p.destination_account_id and e.currency = p.currency), -1) <> p.amount_minor
     limit ${EXAMPLES_MAX}`);
  for (const r of unbalanced.rows) {
    add('1 double entry', `payment ${r.id} of ${r.amount_minor} has ${r.n} entries (debit ${r.debit ?? 'none'}, credit ${r.credit ?? 'none'})`, [r.id]);
  }
  // What foreign keys would have refused (migration 005 dropped them from the hot path).
  const dangling = await db.query<{ what: string; id: string }>(
    `(select 'entry' what, e.id::text id from entries e where not exists (select 1 from payments p where p.id = e.payment_id) limit ${EXAMPLES_MAX})
     union all
     (select 'entry account' what, e.id::text from entries e where not exists (select 1 from accounts a where a.id = e.account_id) limit ${EXAMPLES_MAX})
     union all
     (select 'payment account' what, p.id::text from payments p where not exists (select 1 from accounts a where a.id = p.source_account_id)
        or not exists (select 1 from accounts a where a.id = p.destination_account_id) limit ${EXAMPLES_MAX})`);
  const danglingMessage: Record<string, string> = {
    entry: 'belongs to no payment', 'entry account': 'names an account that does not exist', 'payment account': 'names an account that does not exist',
  };
  for (const r of dangling.rows) {
    const payment = r.what === 'payment account';
    add('1 double entry', `${payment ? 'payment' : 'entry'} ${r.id} ${danglingMessage[r.what]}`, payment ? [r.id] : []);
  }
  const perCurrency = await db.query<{ currency: string; debits: string; credits: string }>(
    `select currency, coalesce(sum(amount_minor) filter (where direction = 'debit'), 0)::text debits,
       coalesce(sum(amount_minor) filter (where direction = 'credit'), 0)::text credits
     from entries group by currency having coalesce(sum(amount_minor) filter (where direction = 'debit'), 0)
       <> coalesce(sum(amount_minor) filter (where direction = 'credit'), 0)`);
  for (const r of perCurrency.rows) add('1 double entry', `${r.currency}: debits ${r.debits} != credits ${r.credits}`);

  const drift = await db.query<{ id: string; balance: string; from_entries: string }>(
    `select a.id, a.balance_minor::text balance, coalesce(s.total, 0)::text from_entries
     from accounts a left join (
       select account_id, sum(case direction when 'credit' then amount_minor else -amount_minor end) total
       from entries group by account_id) s on s.account_id = a.id
     where a.balance_minor <> coalesce(s.total, 0) limit ${EXAMPLES_MAX}`);
  for (const r of drift.rows) add('2 balance equals entries', `account ${r.id} balance ${r.balance} but entries sum to ${r.from_entries}`);

  const overdrawn = await db.query<{ id: string; balance: string }>(
    `select id, balance_minor::text balance from accounts where no_overdraft and balance_minor < 0 limit ${EXAMPLES_MAX}`);
  for (const r of overdrawn.rows) add('3 no overdraft', `account ${r.id} (no_overdraft) is at ${r.balance}`);

  const dupKeys = await db.query<{ customer_id: string; idempotency_key: string; ids: string[] }>(
    `select customer_id, idempotency_key, array_agg(id::text) ids from payments
     group by customer_id, idempotency_key having count(*) > 1 limit ${EXAMPLES_MAX}`);
  for (const r of dupKeys.rows) add('4 idempotency', `key ${r.idempotency_key} of ${r.customer_id} has ${r.ids.length} payments`, r.ids);

  const stats = await checkAgainstHistory(db, history, add);
  return { ok: violations.length === 0, violations, stats };
}

async function checkAgainstHistory(db: pg.Pool | pg.Client, history: ClientPaymentRecord[], add: (rule: string, message: string, payments?: string[]) => void) {
  const rows = (await db.query<DbPayment>(
    `select id, customer_id, idempotency_key, source_account_id, destination_account_id, amount_minor::text amount_minor
     from payments where idempotency_key not like '${SEED_KEY_PREFIX}%'`)).rows;
  const byKey = new Map<string, DbPayment[]>();
  for (const p of rows) (byKey.get(keyOf(p.customer_id, p.idempotency_key)) ?? byKey.set(keyOf(p.customer_id, p.idempotency_key), []).get(keyOf(p.customer_id, p.idempotency_key))!).push(p);

  // What clients asked for, per key; and what they were told.
  const asked = new Map<string, Record<string, string>>();
  const acked = new Map<string, { id: string; meta: Record<string, string> }>(); // what the 201 was for
  const uncertain = new Set<string>();
  const failed = new Set<string>();
  for (const r of history) {
    if ((r.op !== 'payment' && r.op !== 'replay') || !r.meta?.key || !r.meta.customer) continue;
    const k = keyOf(r.meta.customer, r.meta.key);
    asked.set(k, r.meta);
    if (r.status === 201 && r.payment_id) acked.set(k, { id: r.payment_id, meta: r.meta });
    else if (r.outcome === 'timeout' || r.outcome === 'network_error' || r.status >= 500 || r.status === 0) uncertain.add(k);
    else failed.add(k);
  }

  let found = 0, uncertainApplied = 0, lostExamples = 0;
  for (const [k, { id, meta }] of acked) {
    const ps = byKey.get(k) ?? [];
    if (ps.length === 0) {
      if (lostExamples++ < EXAMPLES_MAX) add('5 acknowledged payment lost', `payment ${id} (key ${meta.key}) was acknowledged with 201 but is not in the ledger`, [id]);
      continue;
    }
    if (ps.length > 1) continue; // already reported by rule 4
    const p = ps[0]!;
    found++;
    if (p.id !== id) add('5 acknowledged payment differs', `key ${meta.key} acknowledged as ${id} but stored as ${p.id}`, [id, p.id]);
    if (p.source_account_id !== meta.source || p.destination_account_id !== meta.destination || p.amount_minor !== meta.amount_minor) {
      add('5 acknowledged payment differs', `payment ${p.id} stored ${p.amount_minor} ${p.source_account_id}->${p.destination_account_id}, client asked ${meta.amount_minor} ${meta.source}->${meta.destination}`, [p.id]);
    }
  }
  for (const k of uncertain) if (!acked.has(k) && (byKey.get(k)?.length ?? 0) === 1) uncertainApplied++;
  let phantoms = 0;
  for (const [k, ps] of byKey) {
    if (!asked.has(k) && phantoms++ < EXAMPLES_MAX) add('5 payment nobody sent', `payment ${ps[0]!.id} (key ${ps[0]!.idempotency_key}) matches no client request`, ps.map((p) => p.id));
    else if (failed.has(k) && !acked.has(k) && !uncertain.has(k)) {
      add('5 refused payment applied', `key ${ps[0]!.idempotency_key} was refused with a 4xx but payment ${ps[0]!.id} exists`, ps.map((p) => p.id));
    }
  }
  return {
    payments_in_db: rows.length, acknowledged: acked.size, acknowledged_found: found, acknowledged_lost: lostExamples,
    uncertain: [...uncertain].filter((k) => !acked.has(k)).length, uncertain_applied: uncertainApplied,
    definite_failures: [...failed].filter((k) => !acked.has(k) && !uncertain.has(k)).length,
  };
}

const keyOf = (customer: string, key: string) => `${customer}\u0000${key}`;

export function formatViolations(report: CheckReport): string {
  if (report.ok) return 'ledger: all rules hold';
  const first = report.violations[0]!;
  const lost = report.stats.acknowledged_lost ? `${report.stats.acknowledged_lost} acknowledged payment(s) lost; ` : '';
  return `ledger: ${lost}${report.violations.length} violation(s) shown; first: rule ${first.rule}: ${first.message}` +
    (first.payments.length ? ` [payments: ${first.payments.join(', ')}]` : '');
}
