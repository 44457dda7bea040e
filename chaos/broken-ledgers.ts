import type pg from 'pg';

/**
 * Deliberately broken versions of make_payment, for proving that the checker and the property
 * tests catch what they claim to. Each replaces the real function in a test database only.
 */
export type BrokenVariant = 'skip_idempotency' | 'no_lock' | 'credit_without_debit' | 'lose_ack' | 'entries_without_payment';

const BODY = `
  resp := jsonb_build_object('id', pay.id, 'status', 'posted', 'source_account_id', p_source,
    'destination_account_id', p_destination, 'amount_minor', p_amount::text, 'currency', p_currency,
    'created_at', to_char(pay.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));`;

const HEADER = `create or replace function make_payment(
  p_customer text, p_key text, p_fingerprint text,
  p_source text, p_destination text, p_amount bigint, p_currency text, p_key_ttl_s int
) returns table (status int, code text, detail text, body jsonb, replayed boolean, source_customer text, destination_customer text)
language plpgsql security definer set search_path = public, pg_temp as $$
declare src accounts%rowtype; dst accounts%rowtype; pay payments%rowtype; resp jsonb; k idempotency_keys%rowtype; bal bigint;
begin`;

const REPLAY_IF_KNOWN = `
  select * into k from idempotency_keys i where i.customer_id = p_customer and i.key = p_key;
  if found then return query select k.response_status, null::text, null::text, k.response_body, true, null::text, null::text; return; end if;`;
const OWNER_AND_FUNDS = `
  if src.customer_id <> p_customer then return query select 403, 'account_forbidden', null::text, null::jsonb, false, null::text, null::text; return; end if;
  if src.no_overdraft and src.balance_minor < p_amount then return query select 422, 'insufficient_funds', null::text, null::jsonb, false, null::text, null::text; return; end if;`;
const INSERT_PAYMENT = `
  insert into payments (customer_id, source_account_id, destination_account_id, amount_minor, currency, idempotency_key)
    values (p_customer, p_source, p_destination, p_amount, p_currency, p_key) returning * into pay;`;
const LOCK_BOTH = `
  select * into src from accounts a where a.id = p_source for update;
  select * into dst from accounts a where a.id = p_destination for update;`;

// The real make_payments (migration 006) decides a batch itself and calls make_payment only for a
// batch that repeats a key; a broken make_payment must carry every payment, so each broken ledger
// gets the per-payment loop of migration 003 back. That loop locks every account of the batch
// first; a ledger "without a lock" must lose that too, or the batch would hide its race.
const batchLoop = (lockAccounts: boolean) => `
create or replace function make_payments(
  p_customers text[], p_keys text[], p_fingerprints text[], p_sources text[], p_destinations text[],
  p_amounts bigint[], p_currencies text[], p_key_ttl_s int
) returns table (item int, status int, code text, detail text, body jsonb, replayed boolean, source_customer text, destination_customer text)
language plpgsql security definer set search_path = public, pg_temp as $$
begin${lockAccounts ? `
  perform 1 from accounts a where a.id = any(p_sources || p_destinations) order by a.id for update;` : ''}
  for i in 1..coalesce(array_length(p_keys, 1), 0) loop
    return query select i, m.* from make_payment(p_customers[i], p_keys[i], p_fingerprints[i],
      p_sources[i], p_destinations[i], p_amounts[i], p_currencies[i], p_key_ttl_s) m;
  end loop;
end $$;`;

const variants: Record<BrokenVariant, string> = {
  // Never looks at the key: every retry moves the money again.
  skip_idempotency: `${HEADER}${LOCK_BOTH}${OWNER_AND_FUNDS}${INSERT_PAYMENT}
  insert into entries (payment_id, account_id, direction, amount_minor, currency) values (pay.id, p_source, 'debit', p_amount, p_currency), (pay.id, p_destination, 'credit', p_amount, p_currency);
  update accounts a set balance_minor = a.balance_minor - p_amount where a.id = p_source;
  update accounts a set balance_minor = a.balance_minor + p_amount where a.id = p_destination;${BODY}
  insert into idempotency_keys (customer_id, key, fingerprint, response_status, response_body, payment_id, expires_at)
    values (p_customer, p_key, p_fingerprint, 201, resp, pay.id, now() + interval '1 day')
    on conflict (customer_id, key) do update set response_body = excluded.response_body, payment_id = excluded.payment_id;
  return query select 201, null::text, null::text, resp, false, src.customer_id, dst.customer_id;
end $$;`,
  // Read-then-write without a lock: concurrent debits overwrite each other's balance.
  no_lock: `${HEADER}${REPLAY_IF_KNOWN}
  select * into src from accounts a where a.id = p_source;
  select * into dst from accounts a where a.id = p_destination;${OWNER_AND_FUNDS}
  perform pg_sleep(0.005); -- widen the race window the way a slow network would${INSERT_PAYMENT}
  insert into entries (payment_id, account_id, direction, amount_minor, currency) values (pay.id, p_source, 'debit', p_amount, p_currency), (pay.id, p_destination, 'credit', p_amount, p_currency);
  update accounts a set balance_minor = src.balance_minor - p_amount where a.id = p_source;
  update accounts a set balance_minor = dst.balance_minor + p_amount where a.id = p_destination;${BODY}
  insert into idempotency_keys (customer_id, key, fingerprint, response_status, response_body, payment_id, expires_at)
    values (p_customer, p_key, p_fingerprint, 201, resp, pay.id, now() + interval '1 day') on conflict do nothing;
  return query select 201, null::text, null::text, resp, false, src.customer_id, dst.customer_id;
end $$;`,
  // Money appears from nowhere: the credit is written, the debit is not.
  credit_without_debit: `${HEADER}${REPLAY_IF_KNOWN}${LOCK_BOTH}${OWNER_AND_FUNDS}${INSERT_PAYMENT}
  insert into entries (payment_id, account_id, direction, amount_minor, currency) values (pay.id, p_destination, 'credit', p_amount, p_currency);
  update accounts a set balance_minor = a.balance_minor + p_amount where a.id = p_destination;${BODY}
  insert into idempotency_keys (customer_id, key, fingerprint, response_status, response_body, payment_id, expires_at)
    values (p_customer, p_key, p_fingerprint, 201, resp, pay.id, now() + interval '1 day');
  return query select 201, null::text, null::text, resp, false, src.customer_id, dst.customer_id;
end $$;`,
  // Moves the money and acknowledges, but its entries name a payment that was never written
  // (what the dropped foreign keys of migration 005 would have refused).
  entries_without_payment: `${HEADER}${REPLAY_IF_KNOWN}${LOCK_BOTH}${OWNER_AND_FUNDS}
  pay.id := gen_random_uuid(); pay.created_at := clock_timestamp();
  insert into entries (payment_id, account_id, direction, amount_minor, currency) values (pay.id, p_source, 'debit', p_amount, p_currency), (pay.id, p_destination, 'credit', p_amount, p_currency);
  update accounts a set balance_minor = a.balance_minor - p_amount where a.id = p_source;
  update accounts a set balance_minor = a.balance_minor + p_amount where a.id = p_destination;${BODY}
  return query select 201, null::text, null::text, resp, false, src.customer_id, dst.customer_id;
end $$;`,
  // Acknowledges without writing: what a failover onto an asynchronous replica looks like to a client.
  lose_ack: `${HEADER}
  select * into src from accounts a where a.id = p_source;
  if src.customer_id <> p_customer then return query select 403, 'account_forbidden', null::text, null::jsonb, false, null::text, null::text; return; end if;
  pay.id := gen_random_uuid(); pay.created_at := clock_timestamp();${BODY}
  return query select 201, null::text, null::text, resp, false, src.customer_id, null::text;
end $$;`,
};

export const BROKEN_VARIANTS = Object.keys(variants) as BrokenVariant[];

export async function installBrokenLedger(db: pg.Pool, variant: BrokenVariant): Promise<void> {
  await db.query(variants[variant] + batchLoop(variant !== 'no_lock'));
}
