import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { migrationsDir } from '../service/db/migrate.js';

/** Puts the real make_payment back after a broken variant was installed. */
export async function restoreLedger(db: pg.Pool): Promise<void> {
  const sql = await readFile(path.join(migrationsDir, '002_make_payment.sql'), 'utf8');
  await db.query(sql.replace('create function make_payment', 'create or replace function make_payment')
    // As migration 004 left it: runs as its owner, so the service's role needs only EXECUTE.
    .replace('language plpgsql as $$', 'language plpgsql security definer set search_path = public, pg_temp as $$'));
}
