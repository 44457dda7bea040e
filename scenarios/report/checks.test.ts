import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../chaos/history-checker.js';
import { checksOf, reasonsOf, type Judged } from './checks.js';
import { toJUnit } from './junit.js';
import type { RunReport } from './run-report.js';

const ledger = (ok: boolean): CheckReport => ({
  ok, violations: ok ? [] : [{ rule: 6, message: '3 acknowledged payments missing', payments: [] }],
  stats: { acknowledged_lost: ok ? 0 : 3 },
} as unknown as CheckReport);

const gate = (pass: boolean) => ({ name: 'latency_p99_ms < 200', metric: 'latency_p99_ms', op: '<' as const, threshold: 200, measured: pass ? 90 : 900, pass });

function junitOf(j: Judged): { xml: string; reasons: string[] } {
  const checks = checksOf(j);
  const reasons = reasonsOf(checks);
  const r = { scenario: 's', started_at: '2026-11-26T00:00:00.000Z', finished_at: '2026-11-26T00:00:01.000Z', checks } as unknown as RunReport;
  return { xml: toJUnit([r]), reasons };
}

describe('checks: one list for the verdict and JUnit', () => {
  it('a failed gate is one reason and one <failure> with the measured value', () => {
    const { xml, reasons } = junitOf({ gates: [gate(false)], timeline: [] });
    expect(reasons).toEqual(['gate failed: latency_p99_ms < 200 (measured 900)']);
    expect(xml).toMatch(/<testsuite name="s" tests="1" failures="1" errors="0"/);
    expect(xml).toContain('<failure message="gate failed: latency_p99_ms &lt; 200 (measured 900)"/>');
  });

  it('expected violations (az-loss-async) pass in both: the checker caught the loss', () => {
    const caught = junitOf({ gates: [gate(true)], timeline: [], invariants: ledger(false), expect_violations: true });
    expect(caught.reasons).toEqual([]);
    expect(caught.xml).toMatch(/failures="0" errors="0"/);
    const missed = junitOf({ gates: [gate(true)], timeline: [], invariants: ledger(true), expect_violations: true });
    expect(missed.reasons).toEqual(['the checker was expected to report violations here and reported none']);
    expect(missed.xml).toMatch(/failures="1"/);
  });

  it('failed timeline steps and restore checks get test cases; skipped steps do not', () => {
    const { xml, reasons } = junitOf({
      gates: [], invariants: ledger(true), restore_drill: { check: ledger(false) },
      timeline: [
        { at_s: 5, kind: 'failover_db', started_ms: 5000, ended_ms: 5200, ok: false, error: 'no standby' },
        { at_s: 9, kind: 'failover_cache', started_ms: 9000, ended_ms: 9000, ok: true, skipped: true },
      ],
    });
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toBe('timeline step failover_db failed: no standby');
    expect(reasons[1]).toMatch(/^restored cluster: /);
    expect(xml).toContain('classname="s.timeline" name="failover_db at 5s"><failure');
    expect(xml).not.toContain('failover_cache');
    expect(xml).toMatch(/tests="3" failures="2"/);
  });

  it('an interrupted or broken run is an <error>, not a failure', () => {
    const { xml, reasons } = junitOf({ gates: [gate(true)], timeline: [], interrupted: 'interrupted by the user during the load' });
    expect(reasons).toEqual(['interrupted by the user during the load']);
    expect(xml).toMatch(/failures="0" errors="1"/);
    expect(xml).toContain('<error message="interrupted by the user during the load"/>');
  });
});
