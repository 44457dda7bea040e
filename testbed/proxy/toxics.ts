import { z } from 'zod';

// Toxiproxy's toxic set, with its attribute names turned into unit-suffixed ones.
export const toxicSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), latency_ms: z.number().int().min(0).max(600_000), jitter_ms: z.number().int().min(0).max(600_000).default(0) }),
  z.object({ type: z.literal('bandwidth'), rate_kbps: z.number().int().min(1).max(10_000_000) }),
  z.object({ type: z.literal('slow_close'), delay_ms: z.number().int().min(0).max(600_000) }),
  // Blackhole: data is dropped; after timeout_ms (0 = never) the connection is closed.
  z.object({ type: z.literal('timeout'), timeout_ms: z.number().int().min(0).max(3_600_000) }),
  z.object({ type: z.literal('reset_peer'), timeout_ms: z.number().int().min(0).max(3_600_000).default(0) }),
  z.object({ type: z.literal('slicer'), average_size_bytes: z.number().int().min(1).max(1_048_576), size_variation_bytes: z.number().int().min(0).max(1_048_576).default(0), delay_us: z.number().int().min(0).max(10_000_000).default(0) }),
  z.object({ type: z.literal('limit_data'), bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
]);

export const directionSchema = z.enum(['upstream', 'downstream', 'both']);

export const toxicRequestSchema = z.object({
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/).optional(),
  direction: directionSchema.default('both'),
  toxic: toxicSchema,
});

export type Toxic = z.infer<typeof toxicSchema>;
export type ToxicDirection = z.infer<typeof directionSchema>;
export interface NamedToxic { name: string; direction: ToxicDirection; toxic: Toxic }
