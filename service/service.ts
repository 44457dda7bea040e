import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Admission, QueueDelay } from './admission.js';
import { createApp } from './app.js';
import type { AppContext } from './app-context.js';
import { Cache } from './cache.js';
import { parseConfig, type Config } from './config.js';
import { createPool } from './db/pool.js';
import { createLogger } from './logger.js';
import { createMetrics, registerBatchMetrics, registerPoolGauges } from './metrics.js';
import { PaymentBatcher } from './payment-batcher.js';
import { resolveDbPassword } from './secrets.js';
import { SessionStore } from './sessions.js';

const DRAIN_POLL_MS = 50;
// Long enough that a GC pause or a checkpoint (a queue that forms and drains) is not shed: at
// 100 ms the 1,000/s baseline shed 0.9-3.5% of its requests on this machine class (measured).
const LOAD_SHED_WINDOW_MS = 500;
const REDIS_CONNECT_WAIT_MS = 2_000;

/** A running payment service: `stop()` drains it (refuse new, finish in-flight, close pools). */
export class PaymentService {
  private stopping: Promise<void> | undefined;

  private constructor(readonly ctx: AppContext, readonly server: http.Server) {}

  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  static async start(env: NodeJS.ProcessEnv, logger?: Logger): Promise<PaymentService> {
    const config = parseConfig(env);
    const log = logger ?? createLogger(config.LOG_LEVEL);
    const ctx = await buildContext(config, log);
    const app = createApp(ctx);
    // Shedding happens before Express, so refusing the excess costs next to nothing.
    const queueDelay = new QueueDelay(config.LOAD_SHED_QUEUE_DELAY_MS, LOAD_SHED_WINDOW_MS, () => ctx.payments.oldestWait_ms());
    ctx.payments.onDequeue = (wait_ms) => queueDelay.observe(wait_ms);
    const admission = new Admission({ inflight_max: config.INFLIGHT_REQUESTS_MAX }, () => queueDelay.stands());
    const server = http.createServer(admission.wrap(app, () => ctx.metrics.shed.inc()));
    server.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
    // Must exceed keepAliveTimeout, or Node closes sockets the ALB still considers open.
    server.headersTimeout = config.KEEP_ALIVE_TIMEOUT_MS + 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => { server.off('error', reject); resolve(); });
    });
    const svc = new PaymentService(ctx, server);
    log.info({ url: svc.url, pool_max: config.DB_POOL_MAX }, 'payment service listening');
    return svc;
  }

  stop(): Promise<void> {
    this.stopping ??= this.drain();
    return this.stopping;
  }

  async [Symbol.asyncDispose]() { await this.stop(); }

  private async drain(): Promise<void> {
    const { ctx, server } = this;
    const started = Date.now();
    ctx.state.draining = true;
    ctx.logger.info('draining: refusing new connections, finishing in-flight requests');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive sockets become idle as their in-flight responses finish; close them as they do.
    const sweeper = setInterval(() => server.closeIdleConnections(), DRAIN_POLL_MS);
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ctx.config.SHUTDOWN_TIMEOUT_MS).unref());
    const result = await Promise.race([closed.then(() => 'drained' as const), deadline]);
    clearInterval(sweeper);
    if (result === 'timeout') {
      ctx.logger.warn({ timeout_ms: ctx.config.SHUTDOWN_TIMEOUT_MS }, 'drain timed out; closing remaining connections');
      server.closeAllConnections();
    }
    await Promise.allSettled([ctx.pool.end(), ctx.redis.quit()]);
    ctx.dynamo.destroy();
    ctx.logger.info({ drain_ms: Date.now() - started, result }, 'stopped');
  }
}

async function buildContext(config: Config, logger: Logger): Promise<AppContext> {
  const metrics = createMetrics();
  const password = await resolveDbPassword(config);
  const pool = createPool(config, password, (err) => logger.warn({ err }, 'idle database client error'));
  registerPoolGauges(metrics, pool);
  const redis = new Redis(config.REDIS_URL, {
    ...(config.REDIS_AUTH_TOKEN ? { password: config.REDIS_AUTH_TOKEN } : {}),
    // Fail fast while Redis is down so requests fall back to Postgres instead of queueing.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    // Commands issued in one tick (the invalidations of one batch of payments) share one write.
    enableAutoPipelining: true,
  });
  let redisUp = true;
  redis.on('error', (err) => { if (redisUp) logger.warn({ err: err.message }, 'redis unavailable; serving from Postgres'); redisUp = false; });
  redis.on('ready', () => { if (!redisUp) logger.info('redis available again'); redisUp = true; });
  // Start degraded rather than not at all when Redis is down, but give it a moment to connect.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, REDIS_CONNECT_WAIT_MS);
    redis.once('ready', () => { clearTimeout(timer); resolve(); });
  });
  const dynamo = new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    maxAttempts: 2,
  });
  const cache = new Cache(redis, metrics, {
    ttl_s: config.CACHE_TTL_S, ttl_jitter_pct: config.CACHE_TTL_JITTER_PCT,
    stampede_protection: config.CACHE_STAMPEDE_PROTECTION,
  });
  const sessions = new SessionStore(dynamo, config.SESSIONS_TABLE, config.SESSION_CACHE_TTL_MS, metrics);
  const payments = new PaymentBatcher(pool, config.IDEMPOTENCY_KEY_TTL_S, {
    batch_size_max: config.PAYMENT_BATCH_SIZE_MAX, batches_inflight_max: config.PAYMENT_BATCHES_INFLIGHT_MAX,
    queue_max: config.INFLIGHT_REQUESTS_MAX, linger_ms: config.PAYMENT_BATCH_LINGER_MS,
    linger_count_max: config.PAYMENT_BATCH_LINGER_COUNT_MAX,
  });
  registerBatchMetrics(metrics, payments);
  return { config, logger, pool, payments, redis, dynamo, cache, sessions, metrics, state: { draining: false } };
}
