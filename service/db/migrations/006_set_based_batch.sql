-- make_payments decides every payment of a batch in memory and writes the whole batch in four
-- statements (payments, entries, balances, stored responses) instead of one make_payment call
-- of ten statements per payment. Each payment keeps its own outcome and the rules of
-- make_payment, in the batch's order: the funds check of a payment sees the balances left by the
-- payments before it. A batch that names one idempotency key twice goes one make_payment at a
-- time, as before (the second is then a replay of the first).
create or replace function make_payments(
  p_customers text[], p_keys text[], p_fingerprints text[], p_sources text[], p_destinations text[],
  p_amounts bigint[], p_currencies text[], p_key_ttl_s int
) returns table (
  item int, status int, code text, detail text, body jsonb, replayed boolean,
  source_customer text, destination_customer text
) language plpgsql as $$
declare
  n int := coalesce(array_length(p_keys, 1), 0);
  -- The batch's accounts, sorted by id, and what is known of each (parallel arrays).
  ids text[]; a_customer text[]; a_currency text[]; a_no_overdraft boolean[]; a_balance bigint[]; a_delta bigint[];
  -- Per item: the key's lock, and its stored response if one exists.
  got_lock boolean[]; k_fingerprint text[]; k_status int[]; k_body jsonb[]; k_live boolean[];
  -- The accepted payments, in order.
  w_item int[] := '{}'; w_id uuid[] := '{}'; w_created timestamptz[] := '{}'; w_body jsonb[] := '{}';
  s int; d int; pay_id uuid; created timestamptz; resp jsonb;
begin
  if n = 0 then return; end if;
  if array_length(p_customers, 1) <> n or array_length(p_fingerprints, 1) <> n or array_length(p_sources, 1) <> n
     or array_length(p_destinations, 1) <> n or array_length(p_amounts, 1) <> n or array_length(p_currencies, 1) <> n then
    raise exception 'make_payments: arrays of unequal length' using errcode = 'P0A02';
  end if;
  for i in 1..n loop
    if p_amounts[i] <= 0 then raise exception 'amount must be positive' using errcode = 'P0A02'; end if;
    if p_sources[i] = p_destinations[i] then raise exception 'same account' using errcode = 'P0A02'; end if;
  end loop;

  if (select count(distinct (c, k)) from unnest(p_customers, p_keys) u(c, k)) <> n then
    for i in 1..n loop
      return query select i, m.* from make_payment(p_customers[i], p_keys[i], p_fingerprints[i],
        p_sources[i], p_destinations[i], p_amounts[i], p_currencies[i], p_key_ttl_s) m;
    end loop;
    return;
  end if;

  -- Every account of the batch, locked once, in one global order: concurrent batches cannot
  -- deadlock however their payments overlap. Rule 6: read here, on the locked primary rows.
  select array_agg(a.id order by a.id), array_agg(a.customer_id order by a.id), array_agg(a.currency::text order by a.id),
         array_agg(a.no_overdraft order by a.id), array_agg(a.balance_minor order by a.id)
    into ids, a_customer, a_currency, a_no_overdraft, a_balance
    from (select * from accounts x where x.id = any(p_sources || p_destinations) order by x.id for update) a;
  ids := coalesce(ids, '{}');
  a_delta := array_fill(0::bigint, array[greatest(coalesce(array_length(ids, 1), 0), 1)]);

  -- The key's lock (a key in flight elsewhere is 409), then its stored response, as make_payment.
  select array_agg(pg_try_advisory_xact_lock(hashtextextended(u.c || chr(31) || u.k, 7)) order by u.o)
    into got_lock from unnest(p_customers, p_keys) with ordinality u(c, k, o);
  select array_agg(i.fingerprint order by u.o), array_agg(i.response_status order by u.o),
         array_agg(i.response_body order by u.o), array_agg(i.expires_at > now() order by u.o)
    into k_fingerprint, k_status, k_body, k_live
    from unnest(p_customers, p_keys) with ordinality u(c, k, o)
    left join idempotency_keys i on i.customer_id = u.c and i.key = u.k;
  if exists (select 1 from unnest(got_lock, k_live) v(l, live) where v.l and not v.live) then
    delete from idempotency_keys i using unnest(p_customers, p_keys, got_lock, k_live) v(c, k, l, live)
      where v.l and not v.live and i.customer_id = v.c and i.key = v.k;
  end if;

  for i in 1..n loop
    item := i; code := null; detail := null; body := null; replayed := false; source_customer := null; destination_customer := null;
    s := array_position(ids, p_sources[i]); d := array_position(ids, p_destinations[i]);
    if not got_lock[i] then
      status := 409; code := 'idempotency_key_in_use';
    elsif k_live[i] then
      if k_fingerprint[i] <> p_fingerprints[i] then status := 422; code := 'idempotency_key_reused';
      else status := k_status[i]; body := k_body[i]; replayed := true; end if;
    elsif s is null then
      status := 404; code := 'account_not_found'; detail := 'source_account_id ' || p_sources[i] || ' does not exist';
    elsif a_customer[s] <> p_customers[i] then
      status := 403; code := 'account_forbidden'; detail := 'source_account_id ' || p_sources[i] || ' is not owned by this session';
    elsif d is null then
      status := 404; code := 'account_not_found'; detail := 'destination_account_id ' || p_destinations[i] || ' does not exist';
    elsif a_currency[s] <> p_currencies[i] or a_currency[d] <> p_currencies[i] then
      status := 422; code := 'currency_mismatch';
      detail := format('payment is %s; source is %s, destination is %s', p_currencies[i], a_currency[s], a_currency[d]);
    elsif a_no_overdraft[s] and a_balance[s] + a_delta[s] < p_amounts[i] then
      status := 422; code := 'insufficient_funds';
    else
      a_delta[s] := a_delta[s] - p_amounts[i];
      a_delta[d] := a_delta[d] + p_amounts[i];
      pay_id := gen_random_uuid(); created := clock_timestamp();
      resp := jsonb_build_object(
        'id', pay_id, 'status', 'posted',
        'source_account_id', p_sources[i], 'destination_account_id', p_destinations[i],
        'amount_minor', p_amounts[i]::text, 'currency', p_currencies[i],
        'created_at', to_char(created at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
      w_item := w_item || i; w_id := w_id || pay_id; w_created := w_created || created; w_body := w_body || resp;
      status := 201; body := resp; source_customer := a_customer[s]; destination_customer := a_customer[d];
    end if;
    return next;
  end loop;

  if array_length(w_item, 1) is null then return; end if;
  insert into payments (id, customer_id, source_account_id, destination_account_id, amount_minor, currency, idempotency_key, created_at)
    select w.id, p_customers[w.i], p_sources[w.i], p_destinations[w.i], p_amounts[w.i], p_currencies[w.i], p_keys[w.i], w.created
    from unnest(w_item, w_id, w_created) w(i, id, created);
  insert into entries (payment_id, account_id, direction, amount_minor, currency)
    select w.id, x.account_id, x.direction, p_amounts[w.i], p_currencies[w.i]
    from unnest(w_item, w_id) with ordinality w(i, id, o)
    cross join lateral (values (p_sources[w.i], 'debit', 1), (p_destinations[w.i], 'credit', 2)) x(account_id, direction, side)
    order by w.o, x.side;
  -- accounts_no_overdraft still guards every balance (rule 3 by the database itself).
  update accounts a set balance_minor = a.balance_minor + v.delta
    from unnest(ids, a_delta) v(id, delta) where a.id = v.id and v.delta <> 0;
  insert into idempotency_keys (customer_id, key, fingerprint, response_status, response_body, payment_id, expires_at)
    select p_customers[w.i], p_keys[w.i], p_fingerprints[w.i], 201, w.body, w.id, now() + make_interval(secs => p_key_ttl_s)
    from unnest(w_item, w_id, w_body) w(i, id, body);
end $$;

-- create or replace resets these: as in migration 004.
alter function make_payments(text[], text[], text[], text[], text[], bigint[], text[], int)
  security definer set search_path = public, pg_temp;
revoke execute on function make_payments(text[], text[], text[], text[], text[], bigint[], text[], int) from public;
grant execute on function make_payments(text[], text[], text[], text[], text[], bigint[], text[], int) to payments_app;
