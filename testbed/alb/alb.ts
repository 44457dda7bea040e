import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdir, writeFile } from 'node:fs/promises';
import { haproxyBinary } from '../local/binaries.js';
import { freePort } from '../local/free-port.js';
import { ManagedProcess } from '../local/managed-process.js';
import { waitFor } from '../local/wait-for.js';
import { albConfigSchema, type AlbConfigInput, type AlbStats, type TargetInfo } from './alb-config.js';
import { ERROR_502, haproxyFiles, NO_TARGETS_KEY, QUEUE_MAX_KEY, renderHaproxyConfig } from './haproxy-config.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The ALB emulator: HAProxy carries the requests (data plane, ~0.05 ms of CPU per request against
 * ~0.3-0.6 ms for a Node proxy, measured); a Node process keeps the ALB's target group semantics
 * (health checks, thresholds, deregistration delay, fail-open) and drives HAProxy. Both are children.
 */
export class AlbEmulator {
  private proc: ManagedProcess | undefined;
  private dataPlane: ManagedProcess | undefined;
  port = 0;
  controlPort = 0;
  constructor(readonly options: { runDir: string; config?: Partial<AlbConfigInput> }) {}

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  get process(): ManagedProcess | undefined { return this.proc; }
  get dataPlaneProcess(): ManagedProcess | undefined { return this.dataPlane; }

  async start(): Promise<this> {
    const haproxy = haproxyBinary();
    this.port = await freePort();
    this.controlPort = await freePort();
    const config = albConfigSchema.parse({ ...this.options.config, listen_port: this.port, control_port: this.controlPort });
    const dir = path.join(this.options.runDir, 'alb');
    await mkdir(dir, { recursive: true });
    const files = haproxyFiles(dir);
    await Promise.all([
      writeFile(files.config, renderHaproxyConfig({ ...config, files, listen_port: this.port })),
      // No target yet: the frontend answers 503 until the control plane routes to one.
      writeFile(files.targetsMap, `${NO_TARGETS_KEY} 1\n`), writeFile(files.error502, ERROR_502),
      writeFile(files.admissionMap, `${QUEUE_MAX_KEY} ${config.queue_requests_max}\n`),
    ]);
    this.dataPlane = new ManagedProcess({
      name: 'alb-haproxy', command: haproxy, args: ['-db', '-f', files.config],
      runDir: this.options.runDir, logFile: path.join(this.options.runDir, 'alb-haproxy.log'),
    });
    await this.dataPlane.start();
    this.proc = new ManagedProcess({
      name: 'alb', command: process.execPath,
      args: ['--import', require.resolve('tsx'), path.join(here, 'alb-server.ts'), JSON.stringify(config), dir],
      runDir: this.options.runDir, logFile: path.join(this.options.runDir, 'alb.log'),
    });
    await this.proc.start();
    // HAProxy and the control plane: whichever dies during start is named, with its log's end.
    let dataPlaneDied = false;
    await this.proc.waitReady(async () => {
      if (!this.dataPlane!.running) dataPlaneDied = true;
      return dataPlaneDied || (await fetch(this.control('/stats'))).ok;
    }, 15_000, 50);
    if (dataPlaneDied) await this.dataPlane.waitReady(async () => true, 0); // throws, naming haproxy
    return this;
  }

  async stop(): Promise<void> {
    await this.proc?.stop('SIGTERM');
    await this.dataPlane?.stop('SIGTERM');
  }

  register(id: string, url: string, az: string, group?: string): Promise<TargetInfo> { return this.call('POST', '/targets', { id, url, az, ...(group ? { group } : {}) }); }
  /** The listener's weighted forward action (target group -> 0..999); resolves once HAProxy applies it. */
  setWeights(weights: Record<string, number>): Promise<Record<string, number>> { return this.call('PUT', '/weights', weights); }
  deregister(id: string): Promise<TargetInfo> { return this.call('DELETE', `/targets/${encodeURIComponent(id)}`); }
  targets(): Promise<TargetInfo[]> { return this.call('GET', '/targets'); }
  stats(): Promise<AlbStats> { return this.call('GET', '/stats'); }

  /** Resolves once the target reaches `state` (or throws after timeout_ms). */
  async waitForState(id: string, state: TargetInfo['state'] | 'removed', timeout_ms = 15_000): Promise<void> {
    await waitFor(`target ${id} ${state}`, async () => {
      const t = (await this.targets()).find((x) => x.id === id);
      return state === 'removed' ? t === undefined : t?.state === state;
    }, timeout_ms, 25);
  }

  private control(p: string) { return `http://127.0.0.1:${this.controlPort}${p}`; }

  private async call<T>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(this.control(p), { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const out = await res.json() as T & { error?: string };
    if (!res.ok) throw new Error(`ALB ${method} ${p}: ${out.error ?? res.status}`);
    return out;
  }
}
