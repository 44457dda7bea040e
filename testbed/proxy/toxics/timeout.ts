import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({ type: z.literal('timeout'), timeout_ms: z.number().int().min(0).max(3_600_000) });
export type TimeoutToxic = z.infer<typeof schema>;

/** Blackhole: data is dropped, also what was in flight; after `timeout_ms` (0 = never) the connection closes. */
export const timeout: ToxicKind<TimeoutToxic> = {
  type: 'timeout', schema,
  wire: { timeout: { ours: 'timeout_ms' } },
  onChunk(_t, e) { e.verdict = 'drop'; },
  onConnection(t, conn, isNew) {
    if (!isNew) conn.discardPending();
    if (t.timeout_ms > 0) conn.after(t.timeout_ms, () => conn.close());
  },
};
