import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({
  type: z.literal('slicer'), average_size_bytes: z.number().int().min(1).max(1_048_576),
  size_variation_bytes: z.number().int().min(0).max(1_048_576).default(0), delay_us: z.number().int().min(0).max(10_000_000).default(0),
});
export type SlicerToxic = z.infer<typeof schema>;

/** Chunks are cut into pieces of about `average_size_bytes`, each `delay_us` after the last. */
export const slicer: ToxicKind<SlicerToxic> = {
  type: 'slicer', schema,
  wire: { average_size: { ours: 'average_size_bytes' }, size_variation: { ours: 'size_variation_bytes' }, delay: { ours: 'delay_us' } },
  onChunk(t, e) {
    e.pieces = e.pieces.flatMap((p) => slice(p, t.average_size_bytes, t.size_variation_bytes));
    e.delay_ms += (e.pieces.length * t.delay_us) / 1000;
  },
};

function slice(p: Buffer, average: number, variation: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < p.length;) {
    const size = Math.max(1, Math.round(average + (Math.random() * 2 - 1) * variation));
    out.push(p.subarray(i, i + size));
    i += size;
  }
  return out;
}
