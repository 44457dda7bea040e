import type net from 'node:net';
import { kindOf, type NamedToxic } from './toxics.js';
import type { ChunkEffect } from './toxics/toxic-kind.js';

/**
 * One direction of one proxied connection. With no toxics, chunks are written straight through
 * with backpressure; with toxics, each toxic (see toxics/) shapes the chunk, which gets a delivery
 * time; order is preserved.
 */
export class Link {
  private lastDelivery_ms = 0;
  /** Bytes this link carried while each toxic was on it (limit_data counts from when it was added). */
  private readonly bytesUnder = new Map<string, number>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly toxics: () => NamedToxic[],
    private readonly onClose: (how: 'reset' | 'close') => void,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    dst.on('drain', () => src.resume());
  }

  private onData(chunk: Buffer) {
    const toxics = this.toxics();
    if (toxics.length === 0 && this.timers.size === 0) { this.write(chunk); return; }
    const effect: ChunkEffect = { delay_ms: 0, pieces: [chunk], verdict: 'pass' };
    for (const { name, toxic } of toxics) {
      const bytes = (this.bytesUnder.get(name) ?? 0) + chunk.length;
      this.bytesUnder.set(name, bytes);
      kindOf(toxic).onChunk?.(toxic, effect, bytes);
      if (effect.verdict !== 'pass') break;
    }
    if (effect.verdict === 'drop') return;
    if (effect.verdict === 'close') { this.onClose('close'); return; }
    const now = performance.now();
    const at = Math.max(now + Math.max(0, effect.delay_ms), this.lastDelivery_ms);
    this.lastDelivery_ms = at;
    const pieces = effect.pieces;
    const timer = setTimeout(() => { this.timers.delete(timer); for (const p of pieces) this.write(p); }, at - now);
    this.timers.add(timer);
  }

  private write(chunk: Buffer) {
    if (this.dst.destroyed) return;
    if (!this.dst.write(chunk)) this.src.pause();
  }

  /** Milliseconds until everything already accepted has been delivered. */
  pending_ms(): number { return Math.max(0, this.lastDelivery_ms - performance.now()); }

  dispose() { for (const t of this.timers) clearTimeout(t); this.timers.clear(); }
}
