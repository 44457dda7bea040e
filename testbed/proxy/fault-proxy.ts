import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../local/free-port.js';
import { ManagedProcess } from '../local/managed-process.js';
import { waitFor } from '../local/wait-for.js';
import type { ProxyInfo, Upstream } from './proxy.js';
import type { Toxic, ToxicDirection } from './toxics.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** The fault proxy child process and a typed client for its control API. */
export class FaultProxy {
  private proc: ManagedProcess | undefined;
  controlPort = 0;
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
    await waitFor('fault proxy control API', async () => (await fetch(this.url('/proxies'))).ok, 15_000, 50);
    return this;
  }

  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  create(name: string, upstream: Upstream, listen_port = 0): Promise<ProxyInfo> {
    return this.call('POST', '/proxies', { name, upstream, listen_port });
  }
  list(): Promise<ProxyInfo[]> { return this.call('GET', '/proxies'); }
  get(name: string): Promise<ProxyInfo> { return this.call('GET', `/proxies/${encodeURIComponent(name)}`); }
  repoint(name: string, upstream: Upstream, reset_existing = true): Promise<ProxyInfo> {
    return this.call('POST', `/proxies/${encodeURIComponent(name)}/upstream`, { ...upstream, reset_existing });
  }
  setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    return this.call('POST', `/proxies/${encodeURIComponent(name)}/enabled`, { enabled });
  }
  addToxic(proxy: string, toxic: Toxic, o: { name?: string; direction?: ToxicDirection } = {}): Promise<ProxyInfo> {
    return this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, { ...o, toxic });
  }
  removeToxic(proxy: string, name?: string): Promise<ProxyInfo> {
    return this.call('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics${name ? `/${encodeURIComponent(name)}` : ''}`);
  }

  private url(p: string) { return `http://127.0.0.1:${this.controlPort}${p}`; }

  private async call<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(this.url(p), {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const out = await res.json() as T & { error?: string };
    if (!res.ok) throw new Error(`fault proxy ${method} ${p}: ${out.error ?? res.status}`);
    return out;
  }
}
