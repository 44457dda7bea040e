import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { Config } from '../config.js';

/** DB_SSL as the pg client's `ssl`: none, encrypted, or encrypted with the server verified by name. */
export function sslOptions(config: Pick<Config, 'DB_SSL' | 'DB_SSL_CA_FILE'>): false | ConnectionOptions {
  switch (config.DB_SSL) {
    case 'disable': return false;
    case 'require': return { rejectUnauthorized: false };
    case 'verify-full': return { rejectUnauthorized: true, ca: readFileSync(config.DB_SSL_CA_FILE!, 'utf8') };
  }
}

export function createPool(config: Config, password: string, onIdleError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    password,
    max: config.DB_POOL_MAX,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
    // The server enforces statement_timeout only while it is reachable; a blackholed link
    // (AZ loss before failover) needs the client to give up too.
    query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 30_000,
    application_name: 'payments-service',
    ssl: sslOptions(config),
  });
  // An idle client losing its connection (failover, restart) must not crash the process.
  pool.on('error', onIdleError);
  return pool;
}
