import path from 'node:path';
import pg from 'pg';
import type { HistoryRecord } from '../loadtests/open-model.js';
import { PostgresProcess } from '../testbed/local/postgres.js';
import { waitFor } from '../testbed/local/wait-for.js';
import type { Testbed } from '../testbed/testbed.js';
import { checkLedger, type CheckReport, type ClientPaymentRecord } from './history-checker.js';

const ARCHIVE_WAIT_MS = 15_000;
const RECOVERY_WAIT_MS = 120_000;

/**
 * One run's restore drill: the timeline's steps take the backup and mark the target on it, the
 * runner's verify phase restores from it. The runner creates it and hands it to both.
 */
export class RestoreDrill {
  private backupDir: string | undefined;
  private backup_ms = 0;
  private target: { wall_iso: string; load_ms: number } | undefined;

  constructor(private readonly tb: Testbed) {}

  /** Step 1, during load: a base backup of the writer (WAL archiving must be on). */
  async takeBaseBackup(): Promise<{ backup_ms: number }> {
    const { tb } = this;
    if (!tb.topology.wal_archiving) throw new Error('restore drill needs topology.wal_archiving: true');
    const start = performance.now();
    const dir = path.join(tb.runDir, 'base-backup');
    await tb.baseBackup(dir);
    this.backup_ms = Math.round(performance.now() - start);
    this.backupDir = dir;
    tb.log.add('base_backup_done', { backup_ms: this.backup_ms });
    return { backup_ms: this.backup_ms };
  }

  /** Step 2, during load: "restore to here". Wall clock for Postgres, load clock for the history. */
  markRestoreTarget(): { target: string } {
    // Postgres wants "YYYY-MM-DD HH:MM:SS.mmm+00", not the ISO "T...Z" form.
    this.target = { wall_iso: new Date().toISOString().replace('T', ' ').replace('Z', '+00'), load_ms: this.tb.log.now_ms() };
    this.tb.log.add('restore_target_marked', { target: this.target.wall_iso });
    return { target: this.target.wall_iso };
  }

  /** Step 3, after the load: see restoreAndCheck. The restored cluster is left running for step 4. */
  async restoreAndCheck(history: HistoryRecord[]): Promise<DrillResult> {
    if (!this.backupDir || !this.target) throw new Error('restore drill: no base backup or no target was taken during the run');
    const { result, restored } = await restoreAndCheck(this.tb, { backupDir: this.backupDir, backup_ms: this.backup_ms, target: this.target }, history);
    this.restored = restored;
    return result;
  }

  /**
   * Step 4: the restored cluster becomes the writer: the writer endpoint points at it (open
   * connections are cut, the services reconnect), a synchronous standby is rebuilt from it, the
   * damaged cluster is stopped and kept. Returns the times of each part.
   */
  async swapIn(): Promise<{ swap_ms: number; standby_rebuilt_ms: number | null }> {
    if (!this.restored) throw new Error('restore drill: nothing restored to swap in');
    const restored = this.restored;
    this.restored = undefined;
    return this.tb.adoptRestoredWriter(restored);
  }

  /** What the checker must find on the new writer for the load before the restore: the history as of the target. */
  historyBeforeSwap(history: HistoryRecord[]): ClientPaymentRecord[] {
    if (!this.target) throw new Error('restore drill: no target was marked');
    return historyAsOf(history, this.target.load_ms);
  }

  private restored: PostgresProcess | undefined;

  /** A restored cluster never swapped in is stopped here (the testbed only stops what it adopted). */
  async discard(): Promise<void> { await this.restored?.stop(); this.restored = undefined; }
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
async function restoreAndCheck(tb: Testbed, s: { backupDir: string; backup_ms: number; target: { wall_iso: string; load_ms: number } }, history: HistoryRecord[]): Promise<{ result: DrillResult; restored: PostgresProcess }> {
  await archiveCurrentWal(tb);
  // In the writer's zone: when it is swapped in, it serves where the old writer did.
  const restored = new PostgresProcess({ name: 'postgres-restore-a', runDir: tb.runDir, launcher: tb.launchers.postgres });
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
      return { restored, result: {
        rto_ms, rpo_ms: Math.max(0, Date.parse(s.target.wall_iso.replace(' ', 'T').replace('+00', 'Z')) - lastMs), backup_ms: s.backup_ms, target: s.target.wall_iso,
        payments_restored: Number(last.rows[0]!.n), acknowledged_before_target: asOfTarget.filter((r) => r.status === 201).length, check,
      } };
    } finally {
      await pool.end();
    }
  } catch (err) {
    await restored.stop();
    throw err;
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
