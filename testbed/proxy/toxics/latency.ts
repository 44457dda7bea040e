import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({ type: z.literal('latency'), latency_ms: z.number().int().min(0).max(600_000), jitter_ms: z.number().int().min(0).max(600_000).default(0) });
export type LatencyToxic = z.infer<typeof schema>;

/** Every chunk is delivered `latency_ms` (+- `jitter_ms`) later; order is kept. */
export const latency: ToxicKind<LatencyToxic> = {
  type: 'latency', schema,
  wire: { latency: { ours: 'latency_ms' }, jitter: { ours: 'jitter_ms' } },
  onChunk(t, e) { e.delay_ms += t.latency_ms + (t.jitter_ms ? (Math.random() * 2 - 1) * t.jitter_ms : 0); },
};
