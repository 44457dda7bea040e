// `npm run seed -- --customers 1000 --out customers.json`: customers, funded accounts and
// sessions in the service's own database and sessions table (configured as for the service).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, parseConfig } from './config.js';
import { createPool } from './db/pool.js';
import { resolveDbPassword } from './secrets.js';
import { seed, SEED_CUSTOMERS_MAX } from './seed.js';

try {
  const { values } = parseArgs({ options: {
    customers: { type: 'string', default: '1000' }, 'accounts-per-customer': { type: 'string', default: '2' },
    'balance-minor': { type: 'string', default: '100000000' }, currency: { type: 'string', default: 'EUR' },
    'session-ttl-s': { type: 'string', default: '86400' }, out: { type: 'string', default: 'customers.json' },
  } });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers < 1 || customers > SEED_CUSTOMERS_MAX) throw new Error(`--customers must be an integer from 1 to ${SEED_CUSTOMERS_MAX}`);
  if (!/^\d+$/.test(values['balance-minor']!)) throw new Error('--balance-minor must be a non-negative integer of minor units');
  const config = parseConfig(process.env);
  const pool = createPool(config, await resolveDbPassword(config), () => {});
  const dynamo = new DynamoDBClient({ region: config.AWS_REGION, ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}) });
  try {
    const result = await seed(pool, dynamo, config.SESSIONS_TABLE, {
      customers, accounts_per_customer: Number(values['accounts-per-customer']), currency: values.currency!,
      initial_balance_minor: BigInt(values['balance-minor']!), session_ttl_s: Number(values['session-ttl-s']),
    });
    await writeFile(values.out!, JSON.stringify(result, null, 2));
    console.log(JSON.stringify({ msg: 'seeded', customers: result.customers.length, tokens_file: values.out }));
  } finally {
    await pool.end();
    dynamo.destroy();
  }
} catch (err) {
  process.stderr.write(`seed: ${(err as Error).message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
