import { checkLedgerOnWriter, formatViolations, type CheckReport } from '../../chaos/history-checker.js';
import type { DrillResult, RestoreDrill } from '../../chaos/restore-drill.js';
import { runOpenModel, type HistoryRecord, type LoadRequest } from '../../loadtests/open-model.js';
import type { Testbed } from '../../testbed/testbed.js';
import type { Scenario } from '../scenario.js';
import { SEQ_OFFSET } from './probe.js';

/** How long payments go on against the restored writer before the last ledger check. */
export const RESTORE_CONTINUE_S = 10;

export interface SwapResult {
  swap_ms: number;
  standby_rebuilt_ms: number | null;
  continued: { sent: number; errors: number; error_rate: number; p99_ms: number; status_counts: Record<string, number>; code_counts: Record<string, number> };
  /** Ledger rules and history on the new writer: before the target as restored, after the swap all. */
  check: CheckReport;
}

/**
 * The restore drill to its end: restore to the target and check it, swap the restored cluster in
 * as the writer (standby rebuilt), keep paying for RESTORE_CONTINUE_S, check the ledger on it.
 */
export async function restoreSwapAndContinue(c: { tb: Testbed; s: Scenario; next: (seq: number) => LoadRequest; say: (l: string) => void }, drill: RestoreDrill, loadHistory: HistoryRecord[]): Promise<DrillResult & { swap?: SwapResult }> {
  const { tb, s, say } = c;
  say(`[${s.name}] restore drill: restoring the base backup to the marked target in a fresh cluster...`);
  try {
    const d = await drill.restoreAndCheck(loadHistory); // on the load's clock: the target was marked on it
    say(`[${s.name}] restore drill: RTO ${d.rto_ms} ms, RPO ${d.rpo_ms} ms, ${d.payments_restored} payments restored; ${formatViolations(d.check)}`);
    if (!d.check.ok) return d; // never swap in a restore that fails its own check
    const { swap_ms, standby_rebuilt_ms } = await drill.swapIn();
    const last = s.load.stages.at(-1)!;
    const rate = 'rate_per_s' in last ? last.rate_per_s : last.to_rate_per_s;
    say(`[${s.name}] restore drill: restored cluster is the writer (swap ${swap_ms} ms, standby rebuilt after ${standby_rebuilt_ms} ms); ${RESTORE_CONTINUE_S} s of payments at ${rate}/s against it`);
    const cont = await runOpenModel({ target: tb.url, stages: [{ duration_s: RESTORE_CONTINUE_S, rate_per_s: rate }], next: (i) => c.next(SEQ_OFFSET.after_restore + i) });
    const check = await checkLedgerOnWriter(tb, [...drill.historyBeforeSwap(loadHistory), ...cont.history]);
    say(`[${s.name}] restore drill: on the new writer after ${cont.sent} more payments (${cont.errors} errors${cont.errors ? `: ${JSON.stringify(cont.code_counts)}` : ''}): ${formatViolations(check)}`);
    return { ...d, swap: { swap_ms, standby_rebuilt_ms, continued: { sent: cont.sent, errors: cont.errors, error_rate: cont.error_rate, p99_ms: cont.latency.p99_ms, status_counts: cont.status_counts, code_counts: cont.code_counts }, check } };
  } finally {
    await drill.discard(); // a restored cluster that was not swapped in
  }
}
