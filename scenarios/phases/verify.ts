import { checkLedgerOnWriter, formatViolations, type CheckReport } from '../../chaos/history-checker.js';
import type { RestoreDrill } from '../../chaos/restore-drill.js';
import type { GateResult } from '../../loadtests/gates.js';
import type { HistoryRecord, LoadRequest } from '../../loadtests/open-model.js';
import type { Testbed } from '../../testbed/testbed.js';
import type { Scenario } from '../scenario.js';
import { probe } from './probe.js';
import { restoreSwapAndContinue } from './restore-swap.js';

export interface VerifyContext { tb: Testbed; s: Scenario; next: (seq: number) => LoadRequest; say: (l: string) => void; drill?: RestoreDrill }

export interface Verified { steady_after?: GateResult[]; invariants?: CheckReport; restore_drill?: Awaited<ReturnType<typeof restoreSwapAndContinue>> }

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
    v.invariants = await checkLedgerOnWriter(tb, all);
    say(`[${s.name}] ${formatViolations(v.invariants)}`);
  }
  if (drill) v.restore_drill = await restoreSwapAndContinue(c, drill, loadHistory);
  return v;
}
