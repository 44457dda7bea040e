import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';

export const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));
/** The service's own login (migration 004): reads accounts and payments, executes make_payment(s). */
export const APP_DB_ROLE = 'payments_app';
const APP_PASSWORD_BYTES_MIN = 8;
// Serialises migrators: every service instance and the testbed may call migrate at once.
const MIGRATION_LOCK_ID = 4_242_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name ${file} must look like 001_name.sql`);
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql: await readFile(path.join(dir, file), 'utf8'),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration versions must be 1..n without gaps; found ${m.version} at ${i + 1}`);
  });
  return migrations;
}

/** Applies pending migrations, each in its own transaction. Returns the versions applied. */
export async function migrate(client: pg.ClientBase): Promise<number[]> {
  const migrations = await loadMigrations();
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
  try {
    await client.query(`create table if not exists schema_migrations (
      version int primary key, name text not null, applied_at timestamptz not null default now())`);
    const done = await client.query<{ version: number }>('select version from schema_migrations');
    const applied = new Set(done.rows.map((r) => r.version));
    const now: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
      }
      now.push(m.version);
    }
    return now;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  }
}

/** Connects with `config`, applies pending migrations, disconnects. */
/** Migrates as `config`'s user (the schema owner); with `appPassword`, lets the service's role log in. */
export async function migrateAt(config: pg.ClientConfig, o: { appPassword?: string } = {}): Promise<number[]> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    const applied = await migrate(client);
    if (o.appPassword !== undefined) await setAppRolePassword(client, o.appPassword);
    return applied;
  } finally { await client.end(); }
}

/**
 * Lets the service's role log in with `password` (from its own secret at deploy time, a fixed
 * one in the local testbed). Roles are cluster-wide: every database of the cluster shares it.
 */
export async function setAppRolePassword(client: pg.ClientBase, password: string): Promise<void> {
  if (password.length < APP_PASSWORD_BYTES_MIN) throw new Error(`the ${APP_DB_ROLE} password must be at least ${APP_PASSWORD_BYTES_MIN} characters`);
  await client.query(`alter role ${APP_DB_ROLE} login password ${client.escapeLiteral(password)}`);
}
