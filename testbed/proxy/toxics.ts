// The toxic registry: one file per toxic in toxics/, Toxiproxy's set. Our attribute names carry
// units (latency_ms); on the wire (the control API) they are Toxiproxy's (latency), so existing
// Toxiproxy clients drive the fault proxy unchanged.
import { z } from 'zod';
import { bandwidth, schema as bandwidthSchema } from './toxics/bandwidth.js';
import { latency, schema as latencySchema } from './toxics/latency.js';
import { limitData, schema as limitDataSchema } from './toxics/limit-data.js';
import { resetPeer, schema as resetPeerSchema } from './toxics/reset-peer.js';
import { slicer, schema as slicerSchema } from './toxics/slicer.js';
import { slowClose, schema as slowCloseSchema } from './toxics/slow-close.js';
import type { ToxicKind } from './toxics/toxic-kind.js';
import { timeout, schema as timeoutSchema } from './toxics/timeout.js';

export const toxicSchema = z.discriminatedUnion('type', [latencySchema, bandwidthSchema, slowCloseSchema, timeoutSchema, resetPeerSchema, slicerSchema, limitDataSchema]);
export type Toxic = z.infer<typeof toxicSchema>;

const KINDS = new Map<string, ToxicKind<Toxic>>(
  ([latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData] as unknown as ToxicKind<Toxic>[]).map((k) => [k.type, k]),
);
export const TOXIC_TYPES = [...KINDS.keys()];

export function kindOf(t: Toxic): ToxicKind<Toxic> { return KINDS.get(t.type)!; }

/** Toxiproxy's streams; `both` is our extension (one toxic on both directions). */
export const directionSchema = z.enum(['upstream', 'downstream', 'both']);
export type ToxicDirection = z.infer<typeof directionSchema>;
const toxicName = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'letters, digits, _ . and -, at most 64');

export interface NamedToxic { name: string; direction: ToxicDirection; toxicity: number; toxic: Toxic }

/** A toxic as Toxiproxy's HTTP API carries it. */
export const wireToxicSchema = z.object({
  name: toxicName.optional(),
  type: z.string(),
  stream: directionSchema.default('downstream'),
  toxicity: z.number().min(0).max(1).default(1),
  attributes: z.record(z.string(), z.number()).default({}),
});
export type WireToxic = z.output<typeof wireToxicSchema>;

export class ToxicError extends Error {}

/** Toxiproxy's JSON -> ours: names and units mapped, unknown types and attributes refused by name. */
export function fromWire(w: WireToxic): NamedToxic {
  const kind = KINDS.get(w.type);
  if (!kind) throw new ToxicError(`unknown toxic type "${w.type}"; known: ${TOXIC_TYPES.join(', ')}`);
  const attributes: Record<string, unknown> = { type: w.type };
  for (const [k, v] of Object.entries(w.attributes)) {
    const m = kind.wire[k];
    if (!m) throw new ToxicError(`toxic ${w.type} has no attribute "${k}"; it has ${Object.keys(kind.wire).join(', ')}`);
    attributes[m.ours] = Math.round(v * (m.factor ?? 1));
  }
  const parsed = kind.schema.safeParse(attributes);
  if (!parsed.success) throw new ToxicError(`toxic ${w.type}: ${parsed.error.issues.map((i) => `${wireName(kind, String(i.path[0] ?? ''))}: ${i.message}`).join('; ')}`);
  return { name: w.name ?? `${w.type}_${w.stream}`, direction: w.stream, toxicity: w.toxicity, toxic: parsed.data };
}

export function toWire(t: NamedToxic): Required<WireToxic> {
  const kind = kindOf(t.toxic);
  const ours = t.toxic as unknown as Record<string, number>;
  const attributes = Object.fromEntries(Object.entries(kind.wire).map(([wire, m]) => [wire, ours[m.ours]! / (m.factor ?? 1)]));
  return { name: t.name, type: t.toxic.type, stream: t.direction, toxicity: t.toxicity, attributes };
}

function wireName(kind: ToxicKind<Toxic>, ours: string): string {
  return Object.entries(kind.wire).find(([, m]) => m.ours === ours)?.[0] ?? ours;
}
