import net from 'node:net';
import { Link } from './link.js';
import type { NamedToxic } from './toxics.js';

export interface Upstream { host: string; port: number }

export interface ProxyInfo {
  name: string; listen_port: number; upstream: string; enabled: boolean;
  toxics: NamedToxic[]; connections_active: number; connections_total: number; connections_refused: number;
}

interface Conn { client: net.Socket; server: net.Socket; up: Link; down: Link; born_ms: number }

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
    for (const c of this.conns) {
      // A blackhole also loses what was in flight (delayed by a latency toxic): the packets are gone.
      if (t.toxic.type === 'timeout') { c.up.dispose(); c.down.dispose(); }
      this.applyLifecycleToxic(c, t);
    }
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

  private toxicsFor(direction: 'upstream' | 'downstream'): () => NamedToxic[] {
    return () => (this.toxics.length === 0 ? this.toxics : this.toxics.filter((t) => t.direction === 'both' || t.direction === direction));
  }

  private accept(client: net.Socket) {
    if (!this.enabled) { client.destroy(); return; }
    this.total++;
    const server = net.connect({ ...this.upstream, noDelay: true });
    const conn: Conn = {
      client, server, born_ms: performance.now(),
      up: new Link(client, server, this.toxicsFor('upstream'), (how) => this.drop(conn, how)),
      down: new Link(server, client, this.toxicsFor('downstream'), (how) => this.drop(conn, how)),
    };
    this.conns.add(conn);
    server.on('error', () => { if (server.connecting) this.refused++; this.drop(conn, 'reset'); });
    client.on('error', () => this.drop(conn, 'reset'));
    server.on('end', () => this.endSide(conn, client, conn.down));
    client.on('end', () => this.endSide(conn, server, conn.up));
    server.on('close', () => this.drop(conn, 'close'));
    client.on('close', () => this.drop(conn, 'close'));
    for (const t of this.toxics) this.applyLifecycleToxic(conn, t);
  }

  /** Toxics that act on the connection itself rather than on its bytes. */
  private applyLifecycleToxic(conn: Conn, { toxic }: NamedToxic) {
    if (toxic.type === 'reset_peer') {
      const t = setTimeout(() => this.drop(conn, 'reset'), toxic.timeout_ms);
      conn.client.once('close', () => clearTimeout(t));
    } else if (toxic.type === 'timeout' && toxic.timeout_ms > 0) {
      const t = setTimeout(() => this.drop(conn, 'close'), toxic.timeout_ms);
      conn.client.once('close', () => clearTimeout(t));
    }
  }

  private endSide(conn: Conn, other: net.Socket, link: Link) {
    const slow = this.toxics.find((t) => t.toxic.type === 'slow_close');
    const delay = (slow?.toxic.type === 'slow_close' ? slow.toxic.delay_ms : 0) + link.pending_ms();
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
