import { checkLedger, formatViolations, type CheckReport } from '../../chaos/history-checker.js';
import type { DrillResult, RestoreDrill } from '../../chaos/restore-drill.js';
import type { GateResult } from '../../loadtests/gates.js';
import type { HistoryRecord, LoadRequest } from '../../loadtests/open-model.js';
import type { Testbed } from '../../testbed/testbed.js';
import type { Scenario } from '../scenario.js';
import { probe } from './probe.js';

export interface VerifyContext { tb: Testbed; s: Scenario; next: (seq: number) => LoadRequest; say: (l: string) => void; drill?: RestoreDrill }

export interface Verified { steady_after?: GateResult[]; invariants?: CheckReport; restore_drill?: DrillResult }

/** Phase 4: the steady state again, then the ledger over every request this run made, then the restore drill. */
export async function verify(c: VerifyContext, loadHistory: HistoryRecord[], probeHistory: HistoryRecord[]): Promise<Verified> {
  const { tb, s, next, say, drill } = c;
  const v: Verified = {};
  const all = [...loadHistory, ...probeHistory];
  if (s.steady_state) {
    const after = await probe(tb, s, next, 'after', say);
    v.steady_after = after.gates;
    all.push(...after.history);
  }
  if (s.invariants.includes('ledger')) {
    const pool = tb.writerPool();
    try { v.invariants = await checkLedger(pool, all); } finally { await pool.end(); }
    say(`[${s.name}] ${formatViolations(v.invariants)}`);
  }
  if (drill) {
    say(`[${s.name}] restore drill: restoring the base backup to the marked target in a fresh cluster...`);
    // On the load's clock only: the target was marked on it.
    const d = await drill.restoreAndCheck(loadHistory);
    v.restore_drill = d;
    say(`[${s.name}] restore drill: RTO ${d.rto_ms} ms, RPO ${d.rpo_ms} ms, ${d.payments_restored} payments restored; ${formatViolations(d.check)}`);
  }
  return v;
}
