import type { RunReport } from './run-report.js';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** JUnit XML: one testsuite per scenario, one testcase per gate, invariant and steady-state probe. */
export function toJUnit(reports: RunReport[]): string {
  const suites = reports.map((r) => {
    const cases: string[] = [];
    const time = ((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000).toFixed(3);
    for (const g of r.gates) {
      const body = g.pass ? '' : `<failure message="${esc(`${g.name}: measured ${g.measured}`)}">${esc(`measured ${g.measured}, required ${g.op} ${g.threshold}${g.baseline !== undefined ? `, baseline ${g.baseline} (${g.delta_pct}%)` : ''}`)}</failure>`;
      cases.push(`<testcase classname="${esc(r.scenario)}.gates" name="${esc(g.name)}">${body}</testcase>`);
    }
    for (const phase of ['before', 'after'] as const) {
      for (const g of r.steady_state?.[phase] ?? []) {
        const body = g.pass ? '' : `<failure message="${esc(`steady state ${phase}: ${g.name}: measured ${g.measured}`)}"/>`;
        cases.push(`<testcase classname="${esc(r.scenario)}.steady_state_${phase}" name="${esc(g.name)}">${body}</testcase>`);
      }
    }
    if (r.invariants) {
      const v = r.invariants.violations;
      const body = v.length === 0 ? '' : `<failure message="${esc(`${v.length} ledger violation(s)`)}">${esc(v.map((x) => `rule ${x.rule}: ${x.message}`).join('\n'))}</failure>`;
      cases.push(`<testcase classname="${esc(r.scenario)}.invariants" name="ledger rules 1-5">${body}</testcase>`);
    }
    if (r.error) cases.push(`<testcase classname="${esc(r.scenario)}" name="run"><error message="${esc(r.error)}"/></testcase>`);
    const failures = (r.gates.filter((g) => !g.pass).length) + (r.invariants && !r.invariants.ok ? 1 : 0)
      + ['before', 'after'].reduce((n, p) => n + (r.steady_state?.[p as 'before' | 'after'].filter((g) => !g.pass).length ?? 0), 0);
    return `  <testsuite name="${esc(r.scenario)}" tests="${cases.length}" failures="${failures}" errors="${r.error ? 1 : 0}" time="${time}" timestamp="${r.started_at}">\n    ${cases.join('\n    ')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="testbed">\n${suites.join('\n')}\n</testsuites>\n`;
}
