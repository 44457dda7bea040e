import type { RunReport } from './run-report.js';

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** JUnit XML: one testsuite per scenario, one testcase per check (the same checks as the verdict). */
export function toJUnit(reports: RunReport[]): string {
  const suites = reports.map((r) => {
    const time = ((Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000).toFixed(3);
    const cases = r.checks.map((c) => {
      const body = c.pass ? '' : c.kind === 'error' ? `<error message="${esc(c.reason ?? c.name)}"/>` : `<failure message="${esc(c.reason ?? c.name)}"/>`;
      return `<testcase classname="${esc(`${r.scenario}.${c.group}`)}" name="${esc(c.name)}">${body}</testcase>`;
    });
    const failures = r.checks.filter((c) => !c.pass && c.kind !== 'error').length;
    const errors = r.checks.filter((c) => !c.pass && c.kind === 'error').length;
    return `  <testsuite name="${esc(r.scenario)}" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${time}" timestamp="${r.started_at}">\n    ${cases.join('\n    ')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="testbed">\n${suites.join('\n')}\n</testsuites>\n`;
}
