import { z } from 'zod';

// The environment contract of the service. infra/ imports this schema to prove the ECS task
// definition provides every required variable and nothing unknown; keep it the single source.
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const configSchema = z
  .object({
    PORT: int(0, 65535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DB_HOST: z.string().min(1),
    DB_PORT: int(1, 65535).default(5432),
    DB_NAME: z.string().min(1),
    DB_USER: z.string().min(1),
    // Exactly one of the two: a Secrets Manager id (AWS) or an explicit local password.
    DB_PASSWORD_SECRET_ID: z.string().min(1).optional(),
    DB_PASSWORD: z.string().optional(),
    // Small per-task pools: two tasks x 10 kept p99 lower than 2 x 20 on 2 cores (measured).
    DB_POOL_MAX: int(1, 500).default(10),
    // Group commit (migration 003): payments per database call, and calls in flight per task. Few
    // in flight make the batches: while they wait on the database, arrivals queue for the next.
    // One call in flight per task made batches of ~8 at 1,000/s and the least CPU per payment
    // (1.71 ms in total against 1.85 with two, measured on the 2-core testbed).
    PAYMENT_BATCH_SIZE_MAX: int(1, 256).default(128),
    PAYMENT_BATCHES_INFLIGHT_MAX: int(1, 100).default(1),
    // Bounded batch window: with a slot free, a batch still waits until its oldest payment has
    // waited this long or this many payments wait. At moderate load batches were ~1-2 payments and
    // the batch loop alone filled the CPU; at 800/s a 10 ms linger took the CPU per payment of the
    // whole topology from 1.99-2.00 ms to 1.37-1.64 ms (p50 +1-5 ms), 20 ms to 1.13-1.31 (p50 +6-10)
    // (2-core EPYC). At 1,000/s, 20 ms against 10: 0.97-0.99 ms against 1.20-1.21 (batches of ~10
    // instead of ~6: the writer's fixed ~1.2 ms of CPU per call, `npm run bench:batch`, is split
    // over more payments), p50 21 against 15 ms, p99 38-42 against 34-38 ms (alternated, two runs
    // each, same machine). Under load the previous call outlasts the linger and nothing waits. The
    // count bound keeps a closed loop of few clients (and the smallest queues) from waiting out each linger.
    PAYMENT_BATCH_LINGER_MS: int(0, 100).default(20),
    PAYMENT_BATCH_LINGER_COUNT_MAX: int(1, 256).default(16),
    DB_STATEMENT_TIMEOUT_MS: int(100, 60_000).default(5_000),
    DB_CONNECT_TIMEOUT_MS: int(100, 60_000).default(2_000),
    // TLS to Postgres. AWS: verify-full against the RDS CA bundle in the image (the cluster refuses
    // plain connections, rds.force_ssl). The local testbed's Postgres has no TLS: disable.
    DB_SSL: z.enum(['disable', 'require', 'verify-full']).default('disable'),
    DB_SSL_CA_FILE: z.string().min(1).optional(),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    REDIS_COMMAND_TIMEOUT_MS: int(5, 10_000).default(250),
    // Redis AUTH (ElastiCache auth token, from Secrets Manager in AWS; the testbed's own locally).
    REDIS_AUTH_TOKEN: z.string().min(16).max(128).optional(),
    CACHE_TTL_S: int(1, 86_400).default(300),
    CACHE_TTL_JITTER_PCT: int(0, 50).default(10),
    CACHE_STAMPEDE_PROTECTION: bool.default(true),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    DYNAMODB_ENDPOINT: z.url().optional(),
    SESSIONS_TABLE: z.string().min(3).max(255),
    // Revocation takes effect within this long; 0 disables the cache. 300 s as API Gateway's
    // authorizer cache: each DynamoDB lookup costs ~1 ms of CPU in the SDK (measured), and at
    // 30 s the refreshes alone pushed p99 past 500 ms at 1,000 TPS on the 2-core testbed.
    SESSION_CACHE_TTL_MS: int(0, 600_000).default(300_000),
    IDEMPOTENCY_KEY_TTL_S: int(60, 7 * 86_400).default(86_400),
    SHUTDOWN_TIMEOUT_MS: int(1_000, 120_000).default(30_000),
    // Above the ALB idle timeout (60 s) so the ALB, not the task, closes idle connections.
    KEEP_ALIVE_TIMEOUT_MS: int(61_000, 600_000).default(65_000),
    BODY_BYTES_MAX: int(1_024, 1_048_576).default(16_384),
    // Load shedding: beyond this many requests in flight, answer 503 at once instead of queueing.
    // A queue the service cannot drain turns a short overload into a long outage (measured).
    // 128: at 2x the knee, 64 kept accepted payments at p99 164 ms and goodput at 1,488/s, 256 let
    // p99 reach 2.8 s (measured); below ~100 the 1,000/s baseline sheds on every GC pause.
    INFLIGHT_REQUESTS_MAX: int(1, 100_000).default(128),
    // Shed while payments stand in the queue for the database: if even the shortest wait of the last
    // 500 ms was longer than this, new requests are refused until it drains. 0 turns it off.
    LOAD_SHED_QUEUE_DELAY_MS: int(0, 60_000).default(50),
  })
  .strict()
  .superRefine((c, ctx) => {
    const both = c.DB_PASSWORD_SECRET_ID !== undefined && c.DB_PASSWORD !== undefined;
    const none = c.DB_PASSWORD_SECRET_ID === undefined && c.DB_PASSWORD === undefined;
    if (both || none) {
      ctx.addIssue({
        code: 'custom',
        path: ['DB_PASSWORD_SECRET_ID'],
        message: 'set exactly one of DB_PASSWORD_SECRET_ID (AWS) or DB_PASSWORD (local)',
      });
    }
    if (c.DB_SSL === 'verify-full' && c.DB_SSL_CA_FILE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DB_SSL_CA_FILE'], message: 'DB_SSL=verify-full needs the CA bundle the server certificate chains to (e.g. the RDS global bundle)' });
    }
  });

export type Config = z.infer<typeof configSchema>;
export const configKeys = Object.keys(configSchema.shape) as (keyof Config)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Picks only the variables the schema knows, so the rest of the process environment is ignored. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const known: Record<string, string> = {};
  for (const key of configKeys) {
    const value = env[key];
    if (value !== undefined) known[key] = value;
  }
  const result = configSchema.safeParse(known);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const name = i.path.join('.') || '(root)';
      return /received undefined/.test(i.message) ? `${name}: is required but not set` : `${name}: ${i.message}`;
    }),
  );
}
