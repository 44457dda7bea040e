import { rm } from 'node:fs/promises';
import pg from 'pg';
import { APP_DB_ROLE, migrateAt } from '../../service/db/migrate.js';

/** The service's role logs in with this locally (trust auth here; prod reads its own secret). */
export const APP_DB_PASSWORD_LOCAL = 'local-app-password';
/** The local Redis requires AUTH, as ElastiCache with an auth token does in AWS. */
export const REDIS_AUTH_TOKEN_LOCAL = 'local-redis-auth-token';
import { createSessionsTable, DynaliteProcess } from './dynalite.js';
import { PostgresProcess } from './postgres.js';
import { RedisProcess } from './redis.js';
import { makeRunDir } from './temp-dir.js';

export const DATABASE_NAME = 'payments';
export const SESSIONS_TABLE = 'sessions';

/**
 * The service's three dependencies as local child processes: Postgres (migrated), Redis, and a
 * DynamoDB endpoint with the sessions table. One owner; `stop()` stops all and removes the temp dir.
 */
export class LocalDependencies {
  private constructor(
    readonly runDir: string,
    readonly postgres: PostgresProcess,
    readonly redis: RedisProcess,
    readonly dynamo: DynaliteProcess,
    private readonly keepDir: boolean,
  ) {}

  static async start(opts: { keepDir?: boolean; pgSettings?: Record<string, string | number> } = {}): Promise<LocalDependencies> {
    const runDir = await makeRunDir();
    const postgres = new PostgresProcess({ name: 'postgres', runDir, ...(opts.pgSettings ? { settings: opts.pgSettings } : {}) });
    const redis = new RedisProcess({ name: 'redis', runDir, password: REDIS_AUTH_TOKEN_LOCAL });
    const dynamo = new DynaliteProcess({ name: 'dynalite', runDir });
    const deps = new LocalDependencies(runDir, postgres, redis, dynamo, opts.keepDir ?? false);
    try {
      await Promise.all([postgres.init().then((p) => p.start()), redis.start(), dynamo.start()]);
      await postgres.createDatabase(DATABASE_NAME);
      await migrateAt(postgres.connectionConfig(DATABASE_NAME), { appPassword: APP_DB_PASSWORD_LOCAL });
      const ddb = dynamo.client();
      try { await createSessionsTable(ddb, SESSIONS_TABLE); } finally { ddb.destroy(); }
      return deps;
    } catch (err) {
      await deps.stop();
      throw err;
    }
  }

  /** The environment a payment service instance needs to use these dependencies. */
  serviceEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DB_HOST: '127.0.0.1', DB_PORT: String(this.postgres.port), DB_NAME: DATABASE_NAME, DB_USER: APP_DB_ROLE,
      DB_PASSWORD: APP_DB_PASSWORD_LOCAL, REDIS_URL: this.redis.url, REDIS_AUTH_TOKEN: REDIS_AUTH_TOKEN_LOCAL, DYNAMODB_ENDPOINT: this.dynamo.endpoint,
      SESSIONS_TABLE, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
      PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      ...overrides,
    };
  }

  pool(max = 5): pg.Pool {
    const pool = new pg.Pool({ ...this.postgres.connectionConfig(DATABASE_NAME), max });
    // An idle client told "terminating connection" by a stopping server must not crash the caller.
    pool.on('error', () => {});
    return pool;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.postgres.stop(), this.redis.stop(), this.dynamo.stop()]);
    if (!this.keepDir) await rm(this.runDir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose]() { await this.stop(); }
}
