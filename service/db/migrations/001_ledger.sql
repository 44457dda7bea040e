-- The double-entry ledger. Balances are kept on accounts for O(1) funds checks and are proved
-- equal to the sum of entries by the invariant checker; entries and payments are append-only.

create table customers (
  id text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  name text not null,
  created_at timestamptz not null default now()
);

create table accounts (
  id text primary key check (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  customer_id text not null references customers(id),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  no_overdraft boolean not null default true,
  balance_minor bigint not null default 0,
  created_at timestamptz not null default now(),
  -- Rule 3 enforced by the database itself, not only by the funds check.
  constraint accounts_no_overdraft check (not no_overdraft or balance_minor >= 0)
);
create index accounts_customer_idx on accounts (customer_id);

create table payments (
  id uuid primary key default gen_random_uuid(),
  customer_id text not null references customers(id),
  source_account_id text not null references accounts(id),
  destination_account_id text not null references accounts(id),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  idempotency_key text not null,
  created_at timestamptz not null default clock_timestamp(),
  constraint payments_distinct_accounts check (source_account_id <> destination_account_id)
);
create index payments_source_idx on payments (source_account_id, created_at desc);
create index payments_destination_idx on payments (destination_account_id, created_at desc);

create table entries (
  id bigint generated always as identity primary key,
  payment_id uuid not null references payments(id),
  account_id text not null references accounts(id),
  direction text not null check (direction in ('debit', 'credit')),
  amount_minor bigint not null check (amount_minor > 0),
  currency char(3) not null,
  created_at timestamptz not null default clock_timestamp()
);
create index entries_payment_idx on entries (payment_id);
create index entries_account_idx on entries (account_id);

-- Stored responses for Stripe-style idempotency. A key that is "in flight" is not a row: it is
-- the transaction-scoped advisory lock held by the request executing it, so a crash can never
-- leave a key stuck in a pending state. `state` records what the stored response is.
create table idempotency_keys (
  customer_id text not null,
  key text not null check (length(key) between 1 and 255),
  fingerprint text not null,
  state text not null default 'completed' check (state in ('completed')),
  response_status int not null,
  response_body jsonb not null,
  payment_id uuid references payments(id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (customer_id, key)
);
create index idempotency_keys_expiry_idx on idempotency_keys (expires_at);

create function ledger_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'table % is append-only (% refused)', tg_table_name, tg_op
    using errcode = 'P0A01';
end $$;

create trigger entries_append_only before update or delete on entries
  for each row execute function ledger_append_only();
create trigger payments_append_only before update or delete on payments
  for each row execute function ledger_append_only();
