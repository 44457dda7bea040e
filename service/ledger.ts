import type pg from 'pg';
import { ApiError, isErrorCode } from './errors.js';
import type { PaymentBatcher } from './payment-batcher.js';
import type { PaymentRequest } from './payment-request.js';

export interface PaymentOutcome {
  status: number;
  body: Record<string, unknown>;
  replayed: boolean;
  /** Customers whose cached summaries the payment made stale (empty when nothing was written). */
  touchedCustomers: string[];
}

export const RECENT_PAYMENTS_MAX = 20;

/** One payment, sent with whatever else is in flight as one make_payments call (migration 003). */
export async function makePayment(
  batcher: PaymentBatcher, customerId: string, key: string, req: PaymentRequest, signal?: AbortSignal,
): Promise<PaymentOutcome> {
  const row = await batcher.submit({ customerId, key, req, ...(signal ? { signal } : {}) });
  if (row.code !== null) {
    if (!isErrorCode(row.code)) throw new Error(`make_payment returned unknown code ${row.code}`);
    throw new ApiError(row.code, row.detail ?? undefined);
  }
  if (row.body === null) throw new Error('make_payment returned neither a body nor an error code');
  const touched = [row.source_customer, row.destination_customer].filter((c): c is string => c !== null);
  return { status: row.status, body: row.body, replayed: row.replayed, touchedCustomers: [...new Set(touched)] };
}

export interface PaymentView {
  id: string; status: 'posted'; source_account_id: string; destination_account_id: string;
  amount_minor: string; currency: string; created_at: string;
}

const paymentColumns = `id, 'posted' as status, source_account_id, destination_account_id,
  amount_minor::text as amount_minor, currency,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at`;

/** A payment visible to the customer: they own its source or its destination. */
export async function getPayment(pool: pg.Pool, customerId: string, id: string): Promise<PaymentView | null> {
  const res = await pool.query<PaymentView>(
    `select ${paymentColumns} from payments p where p.id = $1 and exists (
       select 1 from accounts a where a.customer_id = $2
         and a.id in (p.source_account_id, p.destination_account_id))`,
    [id, customerId],
  );
  return res.rows[0] ?? null;
}

export interface BalanceView { account_id: string; currency: string; balance_minor: string; customer_id: string }

export async function getBalance(pool: pg.Pool, accountId: string): Promise<BalanceView | null> {
  const res = await pool.query<BalanceView>(
    'select id as account_id, currency, balance_minor::text as balance_minor, customer_id from accounts where id = $1',
    [accountId],
  );
  return res.rows[0] ?? null;
}

export interface SummaryView {
  customer_id: string;
  accounts: { account_id: string; currency: string; balance_minor: string }[];
  recent_payments: PaymentView[];
}

export async function getSummary(pool: pg.Pool, customerId: string): Promise<SummaryView> {
  const res = await pool.query<{ accounts: SummaryView['accounts'] | null; recent: PaymentView[] | null }>(
    `with mine as (select id, currency, balance_minor from accounts where customer_id = $1)
     select
       (select json_agg(json_build_object('account_id', id, 'currency', currency,
          'balance_minor', balance_minor::text) order by id) from mine) as accounts,
       (select json_agg(r) from (
          select ${paymentColumns} from payments
          where id in (
            (select p.id from payments p join mine m on p.source_account_id = m.id
               order by p.created_at desc limit $2)
            union
            (select p.id from payments p join mine m on p.destination_account_id = m.id
               order by p.created_at desc limit $2))
          order by created_at desc limit $2) r) as recent`,
    [customerId, RECENT_PAYMENTS_MAX],
  );
  const row = res.rows[0]!;
  return { customer_id: customerId, accounts: row.accounts ?? [], recent_payments: row.recent ?? [] };
}
