import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({ type: z.literal('slow_close'), delay_ms: z.number().int().min(0).max(600_000) });
export type SlowCloseToxic = z.infer<typeof schema>;

/** A half-close (FIN) is passed on `delay_ms` late. */
export const slowClose: ToxicKind<SlowCloseToxic> = {
  type: 'slow_close', schema,
  wire: { delay: { ours: 'delay_ms' } },
  closeDelay_ms: (t) => t.delay_ms,
};
