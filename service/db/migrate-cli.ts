// `npm run migrate`: applies pending migrations using the service's own DB configuration.
import pg from 'pg';
import { parseConfig, ConfigError } from '../config.js';
import { resolveDbPassword } from '../secrets.js';
import { migrate } from './migrate.js';

try {
  const config = parseConfig(process.env);
  const client = new pg.Client({
    host: config.DB_HOST, port: config.DB_PORT, database: config.DB_NAME, user: config.DB_USER,
    password: await resolveDbPassword(config), connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
  });
  await client.connect();
  try {
    const applied = await migrate(client);
    console.log(JSON.stringify({ msg: 'migrations applied', applied }));
  } finally {
    await client.end();
  }
} catch (err) {
  process.stderr.write(`migrate: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
