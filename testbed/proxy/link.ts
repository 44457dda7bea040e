import type net from 'node:net';
import type { NamedToxic } from './toxics.js';

/**
 * One direction of one proxied connection. With no toxics, chunks are written straight through
 * with backpressure; with toxics, each chunk gets a delivery time and order is preserved.
 */
export class Link {
  private lastDelivery_ms = 0;
  private bytes = 0;
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
    let delay_ms = 0;
    let pieces: Buffer[] = [chunk];
    for (const { toxic } of toxics) {
      switch (toxic.type) {
        case 'timeout': return; // blackholed: the bytes vanish
        case 'reset_peer': return;
        case 'limit_data':
          this.bytes += chunk.length;
          if (this.bytes > toxic.bytes) { this.onClose('close'); return; }
          break;
        case 'latency':
          delay_ms += toxic.latency_ms + (toxic.jitter_ms ? (Math.random() * 2 - 1) * toxic.jitter_ms : 0);
          break;
        case 'bandwidth':
          delay_ms += (chunk.length * 8) / toxic.rate_kbps; // kbit/s == bit/ms
          break;
        case 'slicer':
          pieces = slice(pieces, toxic.average_size_bytes, toxic.size_variation_bytes);
          delay_ms += (pieces.length * toxic.delay_us) / 1000;
          break;
        case 'slow_close':
          break;
      }
    }
    const now = performance.now();
    const at = Math.max(now + Math.max(0, delay_ms), this.lastDelivery_ms);
    this.lastDelivery_ms = at;
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

function slice(pieces: Buffer[], average: number, variation: number): Buffer[] {
  const out: Buffer[] = [];
  for (const p of pieces) {
    let i = 0;
    while (i < p.length) {
      const size = Math.max(1, Math.round(average + (Math.random() * 2 - 1) * variation));
      out.push(p.subarray(i, i + size));
      i += size;
    }
  }
  return out;
}
