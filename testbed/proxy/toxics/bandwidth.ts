import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({ type: z.literal('bandwidth'), rate_kbps: z.number().int().min(1).max(10_000_000) });
export type BandwidthToxic = z.infer<typeof schema>;

/** The link carries at most `rate_kbps` kilobits per second. Toxiproxy's `rate` is in KB/s. */
export const bandwidth: ToxicKind<BandwidthToxic> = {
  type: 'bandwidth', schema,
  wire: { rate: { ours: 'rate_kbps', factor: 8 } },
  onChunk(t, e) { e.delay_ms += (e.pieces.reduce((n, p) => n + p.length, 0) * 8) / t.rate_kbps; }, // kbit/s == bit/ms
};
