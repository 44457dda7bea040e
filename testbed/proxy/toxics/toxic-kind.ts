import type { z } from 'zod';

/** What a toxic does to one chunk on one link: delay it, cut it, drop it or close the connection. */
export interface ChunkEffect { delay_ms: number; pieces: Buffer[]; verdict: 'pass' | 'drop' | 'close' }

/** A connection as a toxic sees it. */
export interface ToxicConnection {
  reset(): void;
  close(): void;
  /** Bytes accepted but not yet delivered are lost (a blackhole swallows what was in flight). */
  discardPending(): void;
  /** Runs `fn` after `ms` unless the connection has ended by then. */
  after(ms: number, fn: () => void): void;
}

/**
 * One toxic type, Toxiproxy's shape: its attributes (ours carry units in their names; `wire` maps
 * them to Toxiproxy's names), and what it does to bytes, to connections and to a half-close.
 */
export interface ToxicKind<T extends { type: string }> {
  readonly type: T['type'];
  readonly schema: z.ZodType<T, unknown>;
  /** Toxiproxy attribute name -> ours, with the factor from Toxiproxy's unit to ours. */
  readonly wire: Record<string, { ours: string; factor?: number }>;
  /** `bytes`: what this link has carried, this chunk included, since the toxic met it. */
  onChunk?(t: T, effect: ChunkEffect, bytes: number): void;
  onConnection?(t: T, conn: ToxicConnection, isNew: boolean): void;
  /** Delay before passing a half-close (FIN) on. */
  closeDelay_ms?(t: T): number;
}
