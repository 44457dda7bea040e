import { Router } from 'express';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { AppContext } from '../app-context.js';

const CHECK_TIMEOUT_MS = 1_000;

interface CheckResult { ok: boolean; latency_ms: number; error?: string }

async function timed(fn: () => Promise<unknown>): Promise<CheckResult> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS); }),
    ]);
    return { ok: true, latency_ms: round(performance.now() - start) };
  } catch (err) {
    return { ok: false, latency_ms: round(performance.now() - start), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function healthRouter(ctx: AppContext): Router {
  const r = Router();

  // Liveness touches no dependency: a database blip must not make the ALB kill healthy tasks.
  r.get('/health', (_req, res) => { res.json({ status: 'ok' }); });

  r.get('/ready', async (_req, res) => {
    const [db, cache, sessions] = await Promise.all([
      timed(() => ctx.pool.query('select 1')),
      timed(() => ctx.redis.ping()),
      timed(() => ctx.dynamo.send(new DescribeTableCommand({ TableName: ctx.config.SESSIONS_TABLE }))),
    ]);
    // Only the database gates readiness: without Redis the service degrades, it does not stop.
    const ready = !ctx.state.draining && db.ok;
    const status = ctx.state.draining ? 'draining' : !db.ok ? 'unavailable' : cache.ok && sessions.ok ? 'ok' : 'degraded';
    res.status(ready ? 200 : 503).json({ status, checks: { db, cache, sessions } });
  });

  r.get('/metrics', async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  return r;
}
