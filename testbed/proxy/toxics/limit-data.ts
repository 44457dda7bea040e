import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({ type: z.literal('limit_data'), bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export type LimitDataToxic = z.infer<typeof schema>;

/** The connection closes once more than `bytes` have passed on the link. */
export const limitData: ToxicKind<LimitDataToxic> = {
  type: 'limit_data', schema,
  wire: { bytes: { ours: 'bytes' } },
  onChunk(t, e, bytes) { if (bytes > t.bytes) e.verdict = 'close'; },
};
