import { randomBytes } from 'node:crypto';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type pg from 'pg';
import { tokenHash } from './sessions.js';

export interface SeedOptions {
  customers: number;
  accounts_per_customer: number;
  currency: string;
  initial_balance_minor: bigint;
  session_ttl_s: number;
}

export interface SeededCustomer { id: string; token: string; accounts: string[] }
export interface SeedResult { currency: string; treasury_account: string; customers: SeededCustomer[] }

export const SEED_CUSTOMERS_MAX = 100_000;
const DYNAMO_BATCH_MAX = 25;

const pad = (n: number) => String(n).padStart(6, '0');
export const customerId = (i: number) => `cust_${pad(i)}`;
export const accountId = (i: number, j: number) => `acct_${pad(i)}_${j}`;

/**
 * Customers, funded accounts and sessions for the testbed. Funding is real ledger history: one
 * payment per account from a treasury account that may go negative, so balances equal entries.
 */
export async function seed(pool: pg.Pool, dynamo: DynamoDBClient, sessionsTable: string, o: SeedOptions): Promise<SeedResult> {
  if (!(o.customers >= 1 && o.customers <= SEED_CUSTOMERS_MAX)) throw new Error(`customers must be 1..${SEED_CUSTOMERS_MAX}`);
  if (!(o.accounts_per_customer >= 1 && o.accounts_per_customer <= 10)) throw new Error('accounts_per_customer must be 1..10');
  if (o.initial_balance_minor < 0n) throw new Error('initial_balance_minor must be >= 0');
  const treasury = `treasury_${o.currency}`;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query(`insert into customers (id, name) values ('treasury', 'Treasury') on conflict do nothing`);
    await client.query(
      `insert into accounts (id, customer_id, currency, no_overdraft) values ($1, 'treasury', $2, false) on conflict do nothing`,
      [treasury, o.currency]);
    await client.query(
      `insert into customers (id, name)
       select 'cust_' || lpad(i::text, 6, '0'), 'Customer ' || i from generate_series(1, $1) i`, [o.customers]);
    await client.query(
      `insert into accounts (id, customer_id, currency, no_overdraft)
       select 'acct_' || lpad(i::text, 6, '0') || '_' || j, 'cust_' || lpad(i::text, 6, '0'), $3, true
       from generate_series(1, $1) i, generate_series(1, $2) j`, [o.customers, o.accounts_per_customer, o.currency]);
    if (o.initial_balance_minor > 0n) await fund(client, treasury, o);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  // Planner statistics from the first payment on, not from autovacuum's first pass (up to a
  // minute into a run): the ledger functions' cached plans are made from them. Vacuum also clears
  // the funding's dead row versions. Measured alone, this did not end the baseline's cold-start
  // collapse (warm session caches did: scenarios/runner.ts); it is here so that no run plans on
  // an unanalysed ledger.
  await pool.query('vacuum (analyze) customers, accounts, payments, entries, idempotency_keys');
  const customers: SeededCustomer[] = [];
  for (let i = 1; i <= o.customers; i++) {
    customers.push({
      id: customerId(i),
      token: randomBytes(24).toString('base64url'),
      accounts: Array.from({ length: o.accounts_per_customer }, (_, j) => accountId(i, j + 1)),
    });
  }
  await writeSessions(dynamo, sessionsTable, customers, o.session_ttl_s);
  return { currency: o.currency, treasury_account: treasury, customers };
}

async function fund(client: pg.PoolClient, treasury: string, o: SeedOptions) {
  const amount = o.initial_balance_minor.toString();
  await client.query(
    `with funded as (
       insert into payments (customer_id, source_account_id, destination_account_id, amount_minor, currency, idempotency_key)
       select 'treasury', $1, a.id, $2::bigint, $3, 'seed-' || a.id from accounts a where a.customer_id <> 'treasury'
       returning id, destination_account_id)
     insert into entries (payment_id, account_id, direction, amount_minor, currency)
     select id, $1, 'debit', $2::bigint, $3 from funded
     union all select id, destination_account_id, 'credit', $2::bigint, $3 from funded`,
    [treasury, amount, o.currency]);
  // Balances derived from the entries just written, so rule 2 holds by construction.
  await client.query(
    `update accounts a set balance_minor = s.balance from (
       select account_id, sum(case direction when 'credit' then amount_minor else -amount_minor end) as balance
       from entries group by account_id) s
     where a.id = s.account_id`);
}

async function writeSessions(dynamo: DynamoDBClient, table: string, customers: SeededCustomer[], ttl_s: number) {
  const expiresAt = String(Math.floor(Date.now() / 1000) + ttl_s);
  for (let i = 0; i < customers.length; i += DYNAMO_BATCH_MAX) {
    let items: NonNullable<BatchWriteItemCommand['input']['RequestItems']> = {
      [table]: customers.slice(i, i + DYNAMO_BATCH_MAX).map((c) => ({
        PutRequest: { Item: { token_hash: { S: tokenHash(c.token) }, customer_id: { S: c.id }, expires_at: { N: expiresAt } } },
      })),
    };
    // BatchWriteItem may leave items unprocessed under throttling; retry those, bounded.
    for (let attempt = 0; attempt < 5 && Object.keys(items).length > 0; attempt++) {
      const out = await dynamo.send(new BatchWriteItemCommand({ RequestItems: items }));
      items = out.UnprocessedItems ?? {};
    }
    if (Object.keys(items).length > 0) throw new Error('DynamoDB left session items unprocessed after 5 attempts');
  }
}
