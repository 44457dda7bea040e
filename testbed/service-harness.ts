// Test harness: real Postgres, Redis and dynalite as child processes, the real service on a real
// socket, seeded customers. Only for tests (the service's own integration tests use it to boot real dependencies).
import type pg from 'pg';
import { LocalDependencies, SESSIONS_TABLE } from './local/dependencies.js';
import { createLogger } from '../service/logger.js';
import { seed, type SeedResult } from '../service/seed.js';
import { PaymentService } from '../service/service.js';

export interface Harness {
  deps: LocalDependencies;
  svc: PaymentService;
  seeded: SeedResult;
  pool: pg.Pool;
  request: (method: string, path: string, o?: RequestOptions) => Promise<TestResponse>;
  counts: () => Promise<{ payments: number; entries: number; keys: number }>;
  stop: () => Promise<void>;
}

export interface RequestOptions { token?: string; key?: string; body?: unknown; raw?: string; headers?: Record<string, string> }
export interface TestResponse { status: number; headers: Headers; body: any; text: string }

export async function startHarness(opts: { customers?: number; balance_minor?: bigint; env?: Record<string, string> } = {}): Promise<Harness> {
  // The in-process service's AWS SDK reads credentials from the process environment.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const deps = await LocalDependencies.start();
  const pool = deps.pool();
  const ddb = deps.dynamo.client();
  let svc: PaymentService | undefined;
  try {
    const seeded = await seed(pool, ddb, SESSIONS_TABLE, {
      customers: opts.customers ?? 3, accounts_per_customer: 2, currency: 'EUR',
      initial_balance_minor: opts.balance_minor ?? 10_000n, session_ttl_s: 3600,
    });
    svc = await PaymentService.start(deps.serviceEnv(opts.env), createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'));
    const base = svc.url;
    const request = async (method: string, path: string, o: RequestOptions = {}): Promise<TestResponse> => {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
      if (o.key !== undefined) headers['idempotency-key'] = o.key;
      let body: string | undefined = o.raw;
      if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      let parsed: unknown = undefined;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, body: parsed, text };
    };
    const counts = async () => {
      const r = await pool.query<{ p: string; e: string; k: string }>(
        'select (select count(*) from payments) p, (select count(*) from entries) e, (select count(*) from idempotency_keys) k');
      const row = r.rows[0]!;
      return { payments: Number(row.p), entries: Number(row.e), keys: Number(row.k) };
    };
    const stop = async () => {
      await svc?.stop();
      await pool.end();
      ddb.destroy();
      await deps.stop();
    };
    return { deps, svc, seeded, pool, request, counts, stop };
  } catch (err) {
    await svc?.stop();
    await pool.end();
    ddb.destroy();
    await deps.stop();
    throw err;
  }
}
