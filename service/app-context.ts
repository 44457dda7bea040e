import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Cache } from './cache.js';
import type { Config } from './config.js';
import type { Metrics } from './metrics.js';
import type { PaymentBatcher } from './payment-batcher.js';
import type { SessionStore } from './sessions.js';

/** Everything a request handler may touch. Built by the server, or by tests with real clients. */
export interface AppContext {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  payments: PaymentBatcher;
  redis: Redis;
  dynamo: DynamoDBClient;
  cache: Cache;
  sessions: SessionStore;
  metrics: Metrics;
  state: { draining: boolean };
}
