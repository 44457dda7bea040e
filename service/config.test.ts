import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';
import { sslOptions } from './db/pool.js';

const base = { DB_HOST: 'db', DB_NAME: 'payments', DB_USER: 'app', DB_PASSWORD: 'x', REDIS_URL: 'redis://cache:6379', SESSIONS_TABLE: 'sessions' };

describe('parseConfig', () => {
  it('applies documented defaults', () => {
    const c = parseConfig(base);
    expect(c.PORT).toBe(8080);
    expect(c.KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(c.SHUTDOWN_TIMEOUT_MS).toBe(30_000);
    expect(c.BODY_BYTES_MAX).toBe(16_384);
  });

  it('names the bad variable and says what was expected', () => {
    expect(() => parseConfig({ ...base, DB_PORT: 'five' })).toThrow(/DB_PORT/);
    expect(() => parseConfig({ ...base, REDIS_URL: 'cache:6379' })).toThrow(/REDIS_URL: must start with redis:\/\//);
    const { DB_HOST: _h, ...noHost } = base;
    expect(() => parseConfig(noHost)).toThrow(/DB_HOST/);
  });

  it('refuses a keep-alive timeout at or below the ALB idle timeout', () => {
    expect(() => parseConfig({ ...base, KEEP_ALIVE_TIMEOUT_MS: '60000' })).toThrow(/KEEP_ALIVE_TIMEOUT_MS/);
  });

  it('requires exactly one password source', () => {
    const { DB_PASSWORD: _p, ...none } = base;
    expect(() => parseConfig(none)).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, DB_PASSWORD_SECRET_ID: 'arn:secret' })).toThrow(/exactly one/);
    expect(parseConfig({ ...none, DB_PASSWORD_SECRET_ID: 'arn:secret' }).DB_PASSWORD_SECRET_ID).toBe('arn:secret');
  });

  it('TLS to Postgres: verify-full needs a CA bundle, and then verifies the server', () => {
    expect(() => parseConfig({ ...base, DB_SSL: 'verify-full' })).toThrow(/DB_SSL_CA_FILE: DB_SSL=verify-full needs the CA bundle/);
    expect(() => parseConfig({ ...base, DB_SSL: 'prefer' })).toThrow(/DB_SSL/);
    expect(sslOptions(parseConfig(base))).toBe(false);
    expect(sslOptions(parseConfig({ ...base, DB_SSL: 'require' }))).toEqual({ rejectUnauthorized: false });
    const verified = sslOptions(parseConfig({ ...base, DB_SSL: 'verify-full', DB_SSL_CA_FILE: new URL(import.meta.url).pathname }));
    expect(verified).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('verify-full') });
  });

  it('a Redis auth token is 16-128 characters', () => {
    expect(() => parseConfig({ ...base, REDIS_AUTH_TOKEN: 'short' })).toThrow(/REDIS_AUTH_TOKEN/);
    expect(parseConfig({ ...base, REDIS_AUTH_TOKEN: 'x'.repeat(32) }).REDIS_AUTH_TOKEN).toHaveLength(32);
  });

  it('ignores unrelated environment variables', () => {
    expect(() => parseConfig({ ...base, PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });
});
