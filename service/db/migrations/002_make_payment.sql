-- One payment in one round trip. Returns either (201, body) or (status, code, detail).
-- Locks both accounts in id order so concurrent opposite transfers cannot deadlock.
create function make_payment(
  p_customer text, p_key text, p_fingerprint text,
  p_source text, p_destination text, p_amount bigint, p_currency text, p_key_ttl_s int
) returns table (
  status int, code text, detail text, body jsonb, replayed boolean,
  source_customer text, destination_customer text
) language plpgsql as $$
declare
  k idempotency_keys%rowtype;
  src accounts%rowtype;
  dst accounts%rowtype;
  pay payments%rowtype;
  resp jsonb;
begin
  if p_amount <= 0 then raise exception 'amount must be positive' using errcode = 'P0A02'; end if;
  if p_source = p_destination then raise exception 'same account' using errcode = 'P0A02'; end if;

  if not pg_try_advisory_xact_lock(hashtextextended(p_customer || chr(31) || p_key, 7)) then
    return query select 409, 'idempotency_key_in_use', null::text, null::jsonb, false, null::text, null::text;
    return;
  end if;

  select * into k from idempotency_keys i where i.customer_id = p_customer and i.key = p_key;
  if found and k.expires_at > now() then
    if k.fingerprint <> p_fingerprint then
      return query select 422, 'idempotency_key_reused', null::text, null::jsonb, false, null::text, null::text;
    else
      return query select k.response_status, null::text, null::text, k.response_body, true, null::text, null::text;
    end if;
    return;
  elsif found then
    delete from idempotency_keys i where i.customer_id = p_customer and i.key = p_key;
  end if;

  perform 1 from accounts a where a.id in (p_source, p_destination) order by a.id for update;
  select * into src from accounts a where a.id = p_source;
  if not found then
    return query select 404, 'account_not_found', 'source_account_id ' || p_source || ' does not exist', null::jsonb, false, null::text, null::text;
    return;
  end if;
  if src.customer_id <> p_customer then
    return query select 403, 'account_forbidden', 'source_account_id ' || p_source || ' is not owned by this session', null::jsonb, false, null::text, null::text;
    return;
  end if;
  select * into dst from accounts a where a.id = p_destination;
  if not found then
    return query select 404, 'account_not_found', 'destination_account_id ' || p_destination || ' does not exist', null::jsonb, false, null::text, null::text;
    return;
  end if;
  if src.currency <> p_currency or dst.currency <> p_currency then
    return query select 422, 'currency_mismatch',
      format('payment is %s; source is %s, destination is %s', p_currency, src.currency, dst.currency),
      null::jsonb, false, null::text, null::text;
    return;
  end if;
  -- Rule 6: the funds decision is made here, on the locked primary row, never from a cache.
  if src.no_overdraft and src.balance_minor < p_amount then
    return query select 422, 'insufficient_funds', null::text, null::jsonb, false, null::text, null::text;
    return;
  end if;

  insert into payments (customer_id, source_account_id, destination_account_id, amount_minor, currency, idempotency_key)
    values (p_customer, p_source, p_destination, p_amount, p_currency, p_key)
    returning * into pay;
  insert into entries (payment_id, account_id, direction, amount_minor, currency) values
    (pay.id, p_source, 'debit', p_amount, p_currency),
    (pay.id, p_destination, 'credit', p_amount, p_currency);
  update accounts a set balance_minor = a.balance_minor - p_amount where a.id = p_source;
  update accounts a set balance_minor = a.balance_minor + p_amount where a.id = p_destination;

  resp := jsonb_build_object(
    'id', pay.id, 'status', 'posted',
    'source_account_id', p_source, 'destination_account_id', p_destination,
    'amount_minor', p_amount::text, 'currency', p_currency,
    'created_at', to_char(pay.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
  insert into idempotency_keys (customer_id, key, fingerprint, response_status, response_body, payment_id, expires_at)
    values (p_customer, p_key, p_fingerprint, 201, resp, pay.id, now() + make_interval(secs => p_key_ttl_s));

  return query select 201, null::text, null::text, resp, false, src.customer_id, dst.customer_id;
end $$;
