// Endpoints the testbed does not run (the `external` provider): given by URL, never started or
// stopped, isolated per run by a database and a table of their own.
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TestbedError } from './local/errors.js';
import type { StartedDynamo, StartedPostgres, StartedRedis } from './started-nodes.js';

const parse = (what: string, url: string, protocols: string[]): URL => {
  let u: URL;
  try { u = new URL(url); } catch { throw new TestbedError(`${what}: "${url}" is not a URL`); }
  if (!protocols.includes(u.protocol)) throw new TestbedError(`${what}: expected ${protocols.join(' or ')} URL, got "${url}"`);
  return u;
};

export class ExternalPostgres implements StartedPostgres {
  readonly name = 'postgres-external';
  readonly az = 'regional' as const;
  readonly process = undefined;
  readonly host: string;
  readonly port: number;
  private readonly user: string;
  private readonly password: string;
  constructor(url: string) {
    const u = parse('--postgres-url', url, ['postgres:', 'postgresql:']);
    this.host = u.hostname; this.port = Number(u.port || 5432);
    this.user = decodeURIComponent(u.username || 'postgres'); this.password = decodeURIComponent(u.password);
  }
  connectionConfig(database = 'postgres'): pg.ClientConfig {
    return { host: this.host, port: this.port, user: this.user, password: this.password, database };
  }
  async init() { return this; }
  async start() { await this.sql('select 1'); return this; }
  async stop() { /* not ours */ }
  async createDatabase(name: string) { await this.sql(`create database ${pg.escapeIdentifier(name)}`); }
  async dropDatabase(name: string) { await this.sql(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`); }
  private async sql(text: string) {
    const c = new pg.Client({ ...this.connectionConfig(), connectionTimeoutMillis: 3_000 });
    try { await c.connect(); await c.query(text); } catch (err) {
      throw new TestbedError(`external Postgres ${this.host}:${this.port}: ${(err as Error).message}`);
    } finally { await c.end().catch(() => {}); }
  }
}

export class ExternalRedis implements StartedRedis {
  readonly name = 'redis-external';
  readonly az = 'regional' as const;
  readonly process = undefined;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  constructor(url: string) {
    const u = parse('--redis-url', url, ['redis:']);
    this.host = u.hostname; this.port = Number(u.port || 6379);
    this.db = Number(u.pathname.slice(1) || NaN);
    // The testbed flushes its database at start: it must be told which one it owns.
    if (!Number.isInteger(this.db) || this.db < 0) throw new TestbedError(`--redis-url must name the database the testbed may flush, e.g. redis://host:6379/15; got "${url}"`);
  }
  get url() { return `redis://${this.host}:${this.port}/${this.db}`; }
  async start() { await this.command(['FLUSHDB']); return this; }
  async stop() { /* not ours */ }
  async command(args: string[]): Promise<unknown> {
    const r = new Redis({ host: this.host, port: this.port, db: this.db, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000 });
    try { await r.connect(); return await r.call(args[0]!, ...args.slice(1)); } catch (err) {
      throw new TestbedError(`external Redis ${this.host}:${this.port}: ${(err as Error).message}`);
    } finally { r.disconnect(); }
  }
}

export class ExternalDynamo implements StartedDynamo {
  readonly name = 'dynamodb-external';
  readonly az = 'regional' as const;
  readonly process = undefined;
  readonly host: string;
  readonly port: number;
  constructor(readonly endpoint: string) {
    const u = parse('--dynamodb-endpoint', endpoint, ['http:', 'https:']);
    this.host = u.hostname; this.port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  }
  async start() { return this; }
  async stop() { /* not ours */ }
  client(): DynamoDBClient {
    return new DynamoDBClient({ endpoint: this.endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' } });
  }
  async deleteTable(name: string) {
    const c = this.client();
    try { await c.send(new DeleteTableCommand({ TableName: name })); } catch { /* already gone */ } finally { c.destroy(); }
  }
}
