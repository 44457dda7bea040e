import path from 'node:path';
import pg from 'pg';
import type { HistoryRecord } from '../loadtests/open-model.js';
import { PostgresProcess } from '../testbed/local/postgres.js';
import { waitFor } from '../testbed/local/wait-for.js';
import type { Testbed } from '../testbed/testbed.js';
import { checkLedger, type CheckReport, type ClientPaymentRecord } from './history-checker.js';

const ARCHIVE_WAIT_MS = 15_000;
const RECOVERY_WAIT_MS = 120_000;

interface DrillState { backupDir?: string; backup_ms?: number; target?: { wall_iso: string; load_ms: number } }
const drills = new WeakMap<Testbed, DrillState>();
const state = (tb: Testbed) => drills.get(tb) ?? drills.set(tb, {}).get(tb)!;

/** Step 1, during load: a base backup of the writer (WAL archiving must be on). */
export async function takeBaseBackup(tb: Testbed): Promise<{ backup_ms: number }> {
  if (!tb.topology.wal_archiving) throw new Error('restore drill needs topology.wal_archiving: true');
  const start = performance.now();
  const dir = path.join(tb.runDir, 'base-backup');
  if (!(tb.pgPrimary instanceof PostgresProcess)) throw new Error('restore drill needs the local provider');
  await tb.pgPrimary.baseBackup(dir);
  const backup_ms = Math.round(performance.now() - start);
  Object.assign(state(tb), { backupDir: dir, backup_ms });
  tb.log.add('base_backup_done', { backup_ms });
  return { backup_ms };
}

/** Step 2, during load: "restore to here". Wall clock for Postgres, load clock for the history. */
export function markRestoreTarget(tb: Testbed): { target: string } {
  // Postgres wants "YYYY-MM-DD HH:MM:SS.mmm+00", not the ISO "T...Z" form.
  const target = { wall_iso: new Date().toISOString().replace('T', ' ').replace('Z', '+00'), load_ms: tb.log.now_ms() };
  state(tb).target = target;
  tb.log.add('restore_target_marked', { target: target.wall_iso });
  return { target: target.wall_iso };
}

export interface DrillResult {
  rto_ms: number; rpo_ms: number; backup_ms: number; target: string;
  payments_restored: number; acknowledged_before_target: number; check: CheckReport;
}

/**
 * Step 3, after the load: restore the base backup into a fresh cluster, replay the archive up to
 * the target, promote, then prove the ledger rules and the history up to the target on it.
 * RTO: restore start to accepting writes. RPO: target time minus the last payment restored.
 */
export async function restoreAndCheck(tb: Testbed, history: HistoryRecord[]): Promise<DrillResult> {
  const s = state(tb);
  if (!s.backupDir || !s.target) throw new Error('restore drill: no base backup or no target was taken during the run');
  await archiveCurrentWal(tb);
  const restored = new PostgresProcess({ name: 'postgres-restore', runDir: tb.runDir });
  const start = performance.now();
  try {
    await restored.initFromBackup(s.backupDir, tb.archiveDir, s.target.wall_iso);
    await restored.start();
    const pool = new pg.Pool({ ...restored.connectionConfig('payments'), max: 2 });
    pool.on('error', () => {});
    try {
      await waitFor('restored cluster out of recovery', async () =>
        !(await pool.query<{ r: boolean }>('select pg_is_in_recovery() r')).rows[0]!.r, RECOVERY_WAIT_MS, 50);
      const rto_ms = Math.round(performance.now() - start);
      tb.log.add('restore_promoted', { rto_ms });
      const last = await pool.query<{ last: Date | null; n: string }>(
        `select max(created_at) last, count(*) n from payments where idempotency_key not like 'seed-%'`);
      const lastMs = last.rows[0]!.last?.getTime() ?? 0;
      const asOfTarget = historyAsOf(history, s.target.load_ms);
      const check = await checkLedger(pool, asOfTarget);
      return {
        rto_ms, rpo_ms: Math.max(0, Date.parse(s.target.wall_iso.replace(' ', 'T').replace('+00', 'Z')) - lastMs), backup_ms: s.backup_ms ?? 0, target: s.target.wall_iso,
        payments_restored: Number(last.rows[0]!.n), acknowledged_before_target: asOfTarget.filter((r) => r.status === 201).length, check,
      };
    } finally {
      await pool.end();
    }
  } finally {
    await restored.stop();
  }
}

/**
 * What the restored cluster must contain: acknowledged before the target, present; sent after
 * it, absent (judged like a refused request); straddling it, either.
 */
export function historyAsOf(history: HistoryRecord[], target_load_ms: number): ClientPaymentRecord[] {
  return history.map((r) => {
    if (r.done_ms < target_load_ms) return r;
    if (r.sent_ms > target_load_ms) return { ...r, status: 499, outcome: 'http_error' as const, payment_id: undefined };
    return { ...r, status: 0, outcome: 'timeout' as const, payment_id: undefined };
  });
}

async function archiveCurrentWal(tb: Testbed) {
  const pool = tb.writerPool(1);
  try {
    const seg = (await pool.query<{ f: string }>('select pg_walfile_name(pg_switch_wal()) f')).rows[0]!.f;
    await waitFor(`archive of WAL segment ${seg}`, async () => {
      const a = (await pool.query<{ w: string | null }>('select last_archived_wal w from pg_stat_archiver')).rows[0]!.w;
      return a !== null && a >= seg;
    }, ARCHIVE_WAIT_MS, 50);
  } finally {
    await pool.end();
  }
}
