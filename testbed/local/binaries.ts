import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { TestbedError } from './errors.js';

function onPath(cmd: string): string | null {
  try { return execFileSync('which', [cmd], { encoding: 'utf8' }).trim() || null; } catch { return null; }
}

/** Postgres server binaries: PG_BIN_DIR, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv) {
    if (!existsSync(path.join(fromEnv, 'postgres'))) throw new TestbedError(`PG_BIN_DIR=${fromEnv} has no postgres binary`);
    return fromEnv;
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = path.join(root, v, 'bin');
      if (existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb'))) return dir;
    }
  }
  const postgres = onPath('postgres');
  if (postgres && existsSync(path.join(path.dirname(postgres), 'initdb'))) return path.dirname(postgres);
  throw new TestbedError('PostgreSQL server binaries (postgres, initdb) not found',
    'apt-get install -y postgresql (Debian), or set PG_BIN_DIR to a directory holding postgres and initdb');
}

export function redisServerBinary(): string {
  const found = process.env.REDIS_SERVER_BIN ?? onPath('redis-server');
  if (!found) throw new TestbedError('redis-server not found on PATH', 'apt-get install -y redis-server (Debian), or set REDIS_SERVER_BIN');
  return found;
}

/** Postgres refuses to run as root: as root we run it as the `postgres` system user. */
export function postgresRunAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new TestbedError('running as root, and Postgres refuses root, but there is no postgres user',
      'useradd --system --home /var/lib/postgresql postgres (the postgresql package creates it)');
  }
}

/** HAProxy: the ALB emulator's data plane (its health checks and target states stay in Node). */
export function haproxyBinary(): string {
  const found = process.env.HAPROXY_BIN ?? onPath('haproxy') ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : null);
  if (!found) throw new TestbedError('haproxy not found (the ALB emulator forwards requests through it)', 'apt-get install -y haproxy (Debian), or set HAPROXY_BIN');
  return found;
}
