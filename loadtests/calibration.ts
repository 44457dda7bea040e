import os from 'node:os';
import pg from 'pg';
import { migrateAt } from '../service/db/migrate.js';
import { runPgbench } from './pgbench.js';

export interface Machine { cpus: number; cpu_model: string; memory_gib: number; node: string }
export interface Calibration { pgbench_make_payment_tps: number; latency_avg_ms: number; clients: number; duration_s: number }

const CALIBRATION_CUSTOMERS = 200;
const CALIBRATION_CLIENTS = 4;
const CALIBRATION_DURATION_S = 3;

export function machine(): Machine {
  return { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown', memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

/**
 * How fast this machine is right now, in the unit the gates care about: pgbench on the bare
 * make_payment against the run's own writer, in a scratch database (so the run's ledger check never
 * sees these payments), dropped afterwards. A failed gate next to a low figure reads differently.
 */
export async function calibrate(server: { connectionConfig(database?: string): pg.ClientConfig; host: string; port: number }, dir: string): Promise<Calibration> {
  const database = `calibration_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client(server.connectionConfig());
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
    try {
      await migrateAt(server.connectionConfig(database));
      const db = new pg.Client(server.connectionConfig(database));
      await db.connect();
      try {
        await db.query(`insert into customers (id, name) select 'cust_' || lpad(i::text, 6, '0'), 'calibration ' || i from generate_series(1, $1::int) i`, [CALIBRATION_CUSTOMERS]);
        await db.query(`insert into accounts (id, customer_id, currency, balance_minor)
          select 'acct_' || lpad(i::text, 6, '0') || '_' || j, 'cust_' || lpad(i::text, 6, '0'), 'EUR', 1000000000
          from generate_series(1, $1::int) i, generate_series(1, 2) j`, [CALIBRATION_CUSTOMERS]);
      } finally { await db.end(); }
      const r = await runPgbench({ host: server.host, port: server.port, database, dir, customers: CALIBRATION_CUSTOMERS, currency: 'EUR', clients: CALIBRATION_CLIENTS, duration_s: CALIBRATION_DURATION_S });
      return { pgbench_make_payment_tps: Math.round(r.tps), latency_avg_ms: r.latency_avg_ms, clients: CALIBRATION_CLIENTS, duration_s: CALIBRATION_DURATION_S };
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
    }
  } finally { await admin.end(); }
}
