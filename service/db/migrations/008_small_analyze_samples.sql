-- Autovacuum's visit right after a burst of payments analyzes these append-only tables, and each
-- analyze sorts a sample of 300 x the largest statistics target rows (30,000 by default). On the
-- testbed's one saturated core (overload scenario, slow 2-core AMD EPYC, 2026-12-03) that visit
-- took ~0.5 s of CPU over ~2-3 s, a quarter of the core, and was the slow second that failed
-- "5 s after the drop, p99 < 200 ms" (261 and 210 ms, to the second, in two sampled runs). With
-- targets of 10 (3,000-row samples) the analyze of payments took 0.01 s of CPU instead of 0.17 s,
-- autovacuum's CPU over a whole overload run fell from 542-706 to 279-282 ms (two runs each), and
-- the seconds of the visit kept p99 at 74-171 ms in five runs. The planner reaches these rows by key
-- (unique indexes) or by account through an index; plans were not compared before and after.
-- Only the columns migration 007 kept statistics for; the others stay at 0.
alter table idempotency_keys
  alter column customer_id set statistics 10,
  alter column expires_at set statistics 10;
alter table entries
  alter column account_id set statistics 10,
  alter column currency set statistics 10,
  alter column direction set statistics 10,
  alter column payment_id set statistics 10;
alter table payments
  alter column id set statistics 10,
  alter column idempotency_key set statistics 10,
  alter column customer_id set statistics 10,
  alter column source_account_id set statistics 10,
  alter column destination_account_id set statistics 10,
  alter column created_at set statistics 10;
