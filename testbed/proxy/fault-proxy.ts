import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../local/free-port.js';
import { ManagedProcess } from '../local/managed-process.js';
import type { ProxyInfo, Upstream } from './proxy.js';
import { fromWire, toWire, toxicSchema, type NamedToxic, type Toxic, type ToxicDirection, type WireToxic } from './toxics.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** A proxy as the Toxiproxy-compatible API returns it (with our extensions). */
interface WireProxy { name: string; listen: string; upstream: string; enabled: boolean; toxics: WireToxic[]; listen_port: number; connections_active: number; connections_total: number; connections_refused: number }

const path_ = (name: string) => `/proxies/${encodeURIComponent(name)}`;
const hostPort = (u: Upstream) => `${u.host}:${u.port}`;
const toInfo = (w: WireProxy): ProxyInfo => ({
  name: w.name, listen_port: w.listen_port, upstream: w.upstream, enabled: w.enabled, toxics: w.toxics.map(fromWire),
  connections_active: w.connections_active, connections_total: w.connections_total, connections_refused: w.connections_refused,
});

/** The fault proxy child process and a typed client for its (Toxiproxy-compatible) control API. */
export class FaultProxy {
  private proc: ManagedProcess | undefined;
  controlPort = 0;
  private toxicSeq = 0;
  constructor(readonly options: { runDir: string; name?: string }) {}

  get process(): ManagedProcess | undefined { return this.proc; }

  async start(): Promise<this> {
    this.controlPort = await freePort();
    const name = this.options.name ?? 'fault-proxy';
    this.proc = new ManagedProcess({
      name, command: process.execPath,
      args: ['--import', require.resolve('tsx'), path.join(here, 'control-server.ts'), String(this.controlPort)],
      runDir: this.options.runDir, logFile: path.join(this.options.runDir, `${name}.log`),
    });
    await this.proc.start();
    await this.proc.waitReady(async () => (await fetch(this.url('/proxies'))).ok, 15_000, 50);
    return this;
  }

  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  async create(name: string, upstream: Upstream, listen_port = 0): Promise<ProxyInfo> {
    return toInfo(await this.call<WireProxy>('POST', '/proxies', { name, listen: `127.0.0.1:${listen_port}`, upstream: hostPort(upstream), enabled: true }));
  }
  async list(): Promise<ProxyInfo[]> { return Object.values(await this.call<Record<string, WireProxy>>('GET', '/proxies')).map(toInfo); }
  async get(name: string): Promise<ProxyInfo> { return toInfo(await this.call<WireProxy>('GET', path_(name))); }
  /** A failover: new connections go to `upstream`; existing ones are cut (as Toxiproxy does). */
  async repoint(name: string, upstream: Upstream): Promise<ProxyInfo> {
    return toInfo(await this.call<WireProxy>('POST', path_(name), { upstream: hostPort(upstream) }));
  }
  async setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    return toInfo(await this.call<WireProxy>('POST', path_(name), { enabled }));
  }
  async addToxic(proxy: string, toxic: Toxic, o: { name?: string; direction?: ToxicDirection; toxicity?: number } = {}): Promise<NamedToxic> {
    const parsed = toxicSchema.safeParse(toxic);
    if (!parsed.success) throw new Error(`toxic ${toxic.type}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const t: NamedToxic = { name: o.name ?? `${toxic.type}_${++this.toxicSeq}`, direction: o.direction ?? 'both', toxicity: o.toxicity ?? 1, toxic: parsed.data };
    return fromWire(await this.call<WireToxic>('POST', `${path_(proxy)}/toxics`, toWire(t)));
  }
  /** Removes the named toxic, or every toxic of the proxy. */
  async removeToxic(proxy: string, name?: string): Promise<void> {
    const names = name !== undefined ? [name] : (await this.get(proxy)).toxics.map((t) => t.name);
    for (const n of names) await this.call('DELETE', `${path_(proxy)}/toxics/${encodeURIComponent(n)}`);
  }

  private url(p: string) { return `http://127.0.0.1:${this.controlPort}${p}`; }

  private async call<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url(p), {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    const out = (text ? JSON.parse(text) : undefined) as T & { error?: string };
    if (!res.ok) throw new Error(`fault proxy ${method} ${p}: ${out?.error ?? res.status}`);
    return out;
  }
}
