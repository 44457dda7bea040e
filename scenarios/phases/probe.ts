import { evaluateGates, type GateResult } from '../../loadtests/gates.js';
import { runOpenModel, type HistoryRecord, type LoadRequest } from '../../loadtests/open-model.js';
import type { Testbed } from '../../testbed/testbed.js';
import type { Scenario } from '../scenario.js';

// Sequence numbers (and so idempotency keys) of each probe, apart from the main load's.
export const SEQ_OFFSET = { before: 1e9, after: 1.1e9, knee_search: 1.2e9, after_restore: 1.3e9 } as const;

/** Chaos Toolkit's steady-state hypothesis: a short probe (1 s unmeasured) judged by its own gates. */
export async function probe(tb: Testbed, s: Scenario, next: (seq: number) => LoadRequest, phase: 'before' | 'after', say: (l: string) => void): Promise<{ gates: GateResult[]; history: HistoryRecord[] }> {
  const ss = s.steady_state!;
  say(`[${s.name}] steady-state probe (${phase}): ${ss.probe_s}s at ${ss.rate_per_s}/s`);
  const r = await runOpenModel({
    target: tb.url, stages: [{ duration_s: 1, rate_per_s: ss.rate_per_s }, { duration_s: ss.probe_s, rate_per_s: ss.rate_per_s }],
    measure_from_s: 1, next: (i) => next(SEQ_OFFSET[phase] + i),
  });
  // The ledger check must know about every payment the probe made.
  return { gates: evaluateGates(r, ss.gates), history: r.history };
}
