import { z } from 'zod';
import type { ToxicKind } from './toxic-kind.js';

export const schema = z.strictObject({ type: z.literal('reset_peer'), timeout_ms: z.number().int().min(0).max(3_600_000).default(0) });
export type ResetPeerToxic = z.infer<typeof schema>;

/** Data is dropped and the connection is reset (RST) after `timeout_ms`. */
export const resetPeer: ToxicKind<ResetPeerToxic> = {
  type: 'reset_peer', schema,
  wire: { timeout: { ours: 'timeout_ms' } },
  onChunk(_t, e) { e.verdict = 'drop'; },
  onConnection(t, conn) { conn.after(t.timeout_ms, () => conn.reset()); },
};
