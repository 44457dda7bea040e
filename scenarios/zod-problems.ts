import type { z } from 'zod';

/** One line per zod issue, naming the field (`load.stages[0].rate_per_s`) and what was wrong. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? pathOf(i.path) : '(top level)'}: ${i.message}`);
}

function pathOf(p: PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}
