-- The service's own database login, with least privilege: it reads accounts and payments, and it
-- moves money only through make_payment(s), which run as their owner (SECURITY DEFINER) and
-- enforce ledger rules 1-6. It cannot write a ledger row directly, read stored idempotency
-- responses, or change the schema. Its password is set at deploy time from its own secret
-- (migrate --app-password-from-env), never here.
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'payments_app') then
    create role payments_app nologin;
  end if;
end $$;

do $$ begin
  execute format('grant connect on database %I to payments_app', current_database());
end $$;
grant usage on schema public to payments_app;
grant select on accounts, payments to payments_app;

-- A definer function must not resolve names through a search_path the caller controls.
alter function make_payment(text, text, text, text, text, bigint, text, int)
  security definer set search_path = public, pg_temp;
alter function make_payments(text[], text[], text[], text[], text[], bigint[], text[], int)
  security definer set search_path = public, pg_temp;
revoke execute on function make_payment(text, text, text, text, text, bigint, text, int) from public;
revoke execute on function make_payments(text[], text[], text[], text[], text[], bigint[], text[], int) from public;
grant execute on function make_payment(text, text, text, text, text, bigint, text, int) to payments_app;
grant execute on function make_payments(text[], text[], text[], text[], text[], bigint[], text[], int) to payments_app;
