// `npm run migrate`: applies pending migrations as DB_USER (the schema owner). With APP_DB_PASSWORD
// set (from the application role's own secret), also lets the service's role log in with it.
import { parseConfig, ConfigError } from '../config.js';
import { resolveDbPassword } from '../secrets.js';
import { migrateAt } from './migrate.js';

try {
  const config = parseConfig(process.env);
  const applied = await migrateAt({
    host: config.DB_HOST, port: config.DB_PORT, database: config.DB_NAME, user: config.DB_USER,
    password: await resolveDbPassword(config), connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
  }, process.env.APP_DB_PASSWORD ? { appPassword: process.env.APP_DB_PASSWORD } : {});
  console.log(JSON.stringify({ msg: 'migrations applied', applied }));
} catch (err) {
  process.stderr.write(`migrate: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
