import net from 'node:net';
import { Link } from './link.js';
import { kindOf, type NamedToxic } from './toxics.js';
import type { ToxicConnection } from './toxics/toxic-kind.js';

export interface Upstream { host: string; port: number }

export interface ProxyInfo {
  name: string; listen_port: number; upstream: string; enabled: boolean;
  toxics: NamedToxic[]; connections_active: number; connections_total: number; connections_refused: number;
}

// `active`: the toxics that apply to this connection; each toxic is rolled once per connection
// against its toxicity (Toxiproxy's per-connection probability).
interface Conn { client: net.Socket; server: net.Socket; up: Link; down: Link; born_ms: number; active: Set<string> }

const NO_TOXICS: NamedToxic[] = [];

/** One TCP listener forwarding to an upstream, with Toxiproxy-style faults on its links. */
export class Proxy {
  private server: net.Server | undefined;
  private readonly conns = new Set<Conn>();
  private readonly toxics: NamedToxic[] = [];
  private total = 0;
  private refused = 0;
  private enabled = true;

  constructor(readonly name: string, public listenPort: number, private upstream: Upstream) {}

  async listen(): Promise<void> {
    this.server = net.createServer({ noDelay: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (this.server.address() as net.AddressInfo).port;
  }

  info(): ProxyInfo {
    return {
      name: this.name, listen_port: this.listenPort, upstream: `${this.upstream.host}:${this.upstream.port}`,
      enabled: this.enabled, toxics: [...this.toxics], connections_active: this.conns.size,
      connections_total: this.total, connections_refused: this.refused,
    };
  }

  /** Points new connections at another upstream (a failover); existing ones are reset if asked. */
  repoint(upstream: Upstream, resetExisting: boolean) {
    this.upstream = upstream;
    if (resetExisting) for (const c of this.conns) this.drop(c, 'reset');
  }

  /** Toxiproxy's "down": existing connections are cut, new ones refused. */
  async setEnabled(enabled: boolean) {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    if (!enabled) {
      for (const c of this.conns) this.drop(c, 'reset');
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    } else {
      await this.listen();
    }
  }

  addToxic(t: NamedToxic) {
    if (this.toxics.some((x) => x.name === t.name)) throw new Error(`toxic ${t.name} already exists on ${this.name}`);
    this.toxics.push(t);
    for (const c of this.conns) this.meet(c, t, false);
  }

  /** Toxiproxy's toxic update: new attributes or toxicity, rolled again on every open connection. */
  updateToxic(t: NamedToxic): boolean {
    const i = this.toxics.findIndex((x) => x.name === t.name);
    if (i < 0) return false;
    this.toxics[i] = t;
    for (const c of this.conns) this.meet(c, t, false);
    return true;
  }

  removeToxic(name: string): boolean {
    const i = this.toxics.findIndex((t) => t.name === name);
    if (i < 0) return false;
    this.toxics.splice(i, 1);
    return true;
  }

  clearToxics() { this.toxics.length = 0; }

  async close() {
    for (const c of this.conns) this.drop(c, 'reset');
    if (this.enabled && this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private toxicsFor(conn: Conn, direction: 'upstream' | 'downstream'): () => NamedToxic[] {
    return () => (this.toxics.length === 0 ? NO_TOXICS
      : this.toxics.filter((t) => (t.direction === 'both' || t.direction === direction) && conn.active.has(t.name)));
  }

  private accept(client: net.Socket) {
    if (!this.enabled) { client.destroy(); return; }
    this.total++;
    const server = net.connect({ ...this.upstream, noDelay: true });
    const conn = { client, server, born_ms: performance.now(), active: new Set<string>() } as Conn;
    conn.up = new Link(client, server, this.toxicsFor(conn, 'upstream'), (how) => this.drop(conn, how));
    conn.down = new Link(server, client, this.toxicsFor(conn, 'downstream'), (how) => this.drop(conn, how));
    this.conns.add(conn);
    server.on('error', () => { if (server.connecting) this.refused++; this.drop(conn, 'reset'); });
    client.on('error', () => this.drop(conn, 'reset'));
    server.on('end', () => this.endSide(conn, client, conn.down));
    client.on('end', () => this.endSide(conn, server, conn.up));
    server.on('close', () => this.drop(conn, 'close'));
    client.on('close', () => this.drop(conn, 'close'));
    for (const t of this.toxics) this.meet(conn, t, true);
  }

  /** A toxic meets a connection: rolled against its toxicity, then its connection-level effect. */
  private meet(conn: Conn, t: NamedToxic, isNew: boolean) {
    if (Math.random() >= t.toxicity) { conn.active.delete(t.name); return; }
    conn.active.add(t.name);
    kindOf(t.toxic).onConnection?.(t.toxic, this.toxicConnection(conn), isNew);
  }

  private toxicConnection(conn: Conn): ToxicConnection {
    return {
      reset: () => this.drop(conn, 'reset'),
      close: () => this.drop(conn, 'close'),
      discardPending: () => { conn.up.dispose(); conn.down.dispose(); },
      after: (ms, fn) => {
        const timer = setTimeout(fn, ms);
        conn.client.once('close', () => clearTimeout(timer));
      },
    };
  }

  private endSide(conn: Conn, other: net.Socket, link: Link) {
    const closeDelay_ms = Math.max(0, ...this.toxics.filter((t) => conn.active.has(t.name)).map((t) => kindOf(t.toxic).closeDelay_ms?.(t.toxic) ?? 0));
    const delay = closeDelay_ms + link.pending_ms();
    if (delay > 0) setTimeout(() => other.end(), delay); else other.end();
    // Both halves ended: the connection is done.
    if (conn.client.readableEnded && conn.server.readableEnded) setTimeout(() => this.drop(conn, 'close'), delay);
  }

  private drop(conn: Conn, how: 'reset' | 'close') {
    if (!this.conns.delete(conn)) return;
    conn.up.dispose();
    conn.down.dispose();
    for (const s of [conn.client, conn.server]) {
      if (how === 'reset' && typeof s.resetAndDestroy === 'function' && !s.destroyed && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
