import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness } from '../../testbed/service-harness.js';
import type { HistoryRecord } from '../../loadtests/open-model.js';
import { runScenario } from '../runner.js';
import { checkLedger } from '../../chaos/history-checker.js';
import { historyAsOf } from '../../chaos/restore-drill.js';
import { restoreDrill } from './restore-drill.js';
import { sendPayment } from '../../chaos/testing/drive.js';

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('restore drill', () => {
  it('restores a base backup to a point in time in a fresh cluster, measures RTO and RPO, and the checker holds', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'restore-'));
    dirs.push(out);
    const r = await runScenario({
      ...restoreDrill,
      topology: { ...restoreDrill.topology, seed: { customers: 100 } },
      load: { ...restoreDrill.load, stages: [{ duration_s: 2, rate_per_s: 50 }, { duration_s: 12, rate_per_s: 150 }], warmup_s: 2 },
      timeline: [{ at_s: 3, label: 'base backup', action: { kind: 'base_backup' } }, { at_s: 9, label: 'restore target', action: { kind: 'mark_restore_target' } }],
    }, { outDir: out });
    expect(r.reasons).toEqual([]);
    const d = r.restore_drill!;
    expect(d.check.ok).toBe(true);
    expect(d.rto_ms).toBeGreaterThan(0);
    expect(d.rpo_ms).toBeLessThan(5 * 60_000);
    expect(d.payments_restored).toBeGreaterThan(0);
    expect(d.payments_restored).toBeLessThan(r.invariants!.stats.payments_in_db); // stopped at the target
    // The runbook's end: the restored cluster is the writer, a standby streams from it, payments go on.
    expect(d.swap).toBeDefined();
    expect(d.swap!.check.ok).toBe(true);
    expect(d.swap!.standby_rebuilt_ms).toBeGreaterThan(d.swap!.swap_ms);
    expect(d.swap!.continued.sent).toBeGreaterThan(1_000);
    expect(d.swap!.continued.error_rate).toBeLessThan(0.01);
    expect(d.swap!.check.stats.acknowledged).toBeGreaterThan(d.acknowledged_before_target); // the new payments are in it
    expect(r.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['restore_promoted', 'writer_swapped', 'standby_rebuilt']));
    expect(r.checks.filter((c) => c.group === 'restore_drill').map((c) => c.pass)).toEqual([true, true, true]);
  }, 180_000);

  it('the as-of-target history makes the checker fail when the cluster holds payments sent after the target', async () => {
    const h = await startHarness({ customers: 2 });
    try {
      const history: HistoryRecord[] = [];
      for (let i = 0; i < 6; i++) {
        const sent_ms = i * 10;
        const rec = await sendPayment(h, { from: 0, to: 1, amount: 1 });
        history.push({ seq: i, op: 'payment', intended_ms: sent_ms, sent_ms, done_ms: sent_ms + 5, latency_ms: 5, status: rec.status, outcome: rec.outcome, ...(rec.payment_id ? { payment_id: rec.payment_id } : {}), meta: rec.meta! });
      }
      // The live database has all six; a "restore" to t=30 ms must not.
      const report = await checkLedger(h.pool, historyAsOf(history, 30));
      expect(report.violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['5 refused payment applied']));
      expect((await checkLedger(h.pool, historyAsOf(history, 1_000))).ok).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
