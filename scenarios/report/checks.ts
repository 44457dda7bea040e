// Every judgement of a run as one list: the verdict's reasons and the JUnit test cases are both
// read from it, so a run can never pass while its JUnit shows a failure (or the other way round).
import { formatViolations, type CheckReport } from '../../chaos/history-checker.js';
import type { StepResult } from '../../chaos/timeline.js';
import type { GateResult } from '../../loadtests/gates.js';

/** The services reconnect to the swapped-in writer on their own: a few failures at the switch, no more. */
const SWAP_ERROR_RATE_MAX = 0.01;

export interface Check {
  /** JUnit classname suffix: gates, steady_state_before, timeline, invariants, restore_drill, run. */
  group: string;
  name: string;
  pass: boolean;
  /** Why it failed, as the verdict states it. */
  reason?: string;
  /** 'error': the run itself could not finish (JUnit <error>); otherwise a failed check (<failure>). */
  kind?: 'error';
}

export interface Judged {
  gates: GateResult[];
  steady_state?: { before: GateResult[]; after: GateResult[] };
  timeline: StepResult[];
  invariants?: CheckReport;
  /** The scenario expects the checker to report violations (a demonstration of detection). */
  expect_violations?: boolean;
  restore_drill?: { check: CheckReport; swap?: { check: CheckReport; continued: { error_rate: number } } };
  error?: string;
  interrupted?: string;
}

export function checksOf(j: Judged): Check[] {
  const checks: Check[] = j.gates.map((g) => ({ group: 'gates', name: g.name, pass: g.pass, ...(g.pass ? {} : { reason: `gate failed: ${g.name} (measured ${g.measured})` }) }));
  for (const phase of ['before', 'after'] as const) {
    for (const g of j.steady_state?.[phase] ?? []) {
      checks.push({ group: `steady_state_${phase}`, name: g.name, pass: g.pass, ...(g.pass ? {} : { reason: `steady state not met ${phase} the experiment: ${g.name} (measured ${g.measured})` }) });
    }
  }
  for (const t of j.timeline.filter((x) => !x.skipped)) {
    checks.push({ group: 'timeline', name: `${t.label ?? t.kind} at ${t.at_s}s`, pass: t.ok, ...(t.ok ? {} : { reason: `timeline step ${t.kind} failed: ${t.error}` }) });
  }
  if (j.invariants) checks.push(invariantCheck(j.invariants, j.expect_violations ?? false));
  if (j.restore_drill) {
    const c = j.restore_drill.check;
    checks.push({ group: 'restore_drill', name: 'ledger rules 1-5 on the restored cluster', pass: c.ok, ...(c.ok ? {} : { reason: `restored cluster: ${formatViolations(c)}` }) });
    const swap = j.restore_drill.swap;
    if (swap) {
      checks.push({ group: 'restore_drill', name: 'ledger on the restored cluster as the writer, after more payments', pass: swap.check.ok, ...(swap.check.ok ? {} : { reason: `restored cluster as the writer: ${formatViolations(swap.check)}` }) });
      const ok = swap.continued.error_rate < SWAP_ERROR_RATE_MAX;
      checks.push({ group: 'restore_drill', name: `payments against the restored writer: errors < ${SWAP_ERROR_RATE_MAX * 100}%`, pass: ok, ...(ok ? {} : { reason: `payments against the restored writer failed: error rate ${swap.continued.error_rate}` }) });
    }
  }
  if (j.error) checks.push({ group: 'run', name: 'run', pass: false, reason: `run failed: ${j.error}`, kind: 'error' });
  if (j.interrupted) checks.push({ group: 'run', name: 'run', pass: false, reason: j.interrupted, kind: 'error' });
  return checks;
}

function invariantCheck(r: CheckReport, expectViolations: boolean): Check {
  if (expectViolations) {
    return { group: 'invariants', name: 'the checker reports the expected violations', pass: !r.ok, ...(r.ok ? { reason: 'the checker was expected to report violations here and reported none' } : {}) };
  }
  return { group: 'invariants', name: 'ledger rules 1-5', pass: r.ok, ...(r.ok ? {} : { reason: formatViolations(r) }) };
}

export const reasonsOf = (checks: Check[]): string[] => checks.filter((c) => !c.pass).map((c) => c.reason ?? c.name);
