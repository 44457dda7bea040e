import net from 'node:net';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { azOfName, type Az } from '../topology.js';
import type { StartedRedis } from '../started-nodes.js';
import { hostLauncher, type Launcher } from './launcher.js';
import type { ManagedProcess } from './managed-process.js';
import { waitFor } from './wait-for.js';

const READY_TIMEOUT_MS = 10_000;

export interface RedisOptions {
  name: string; runDir: string; replicaOf?: RedisProcess;
  /** Redis AUTH, as ElastiCache's auth token: clients (and a replica, to its primary) must present it. */
  password?: string;
  /** Where it runs: here (default) or in a container (the containers provider). */
  launcher?: Launcher;
}

/** redis-server from PATH on a free port; nothing persisted (like ElastiCache without backups). */
export class RedisProcess implements StartedRedis {
  readonly host = '127.0.0.1';
  port = 0;
  private proc: ManagedProcess | undefined;
  constructor(readonly options: RedisOptions) {}

  get process(): ManagedProcess | undefined { return this.proc; }
  get url(): string { return `redis://127.0.0.1:${this.port}`; }
  get name(): string { return this.options.name; }
  get az(): Az | 'regional' { return azOfName(this.options.name); }

  async start(): Promise<this> {
    const launcher = this.options.launcher ?? hostLauncher;
    const bin = launcher.redisServer();
    this.port = this.port || (await freePort());
    const dir = path.join(this.options.runDir, this.options.name);
    await mkdir(dir, { recursive: true });
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--protected-mode', 'no',
      // Without it a replica's first sync waits 5 s for more replicas to batch with.
      '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
    if (this.options.replicaOf) args.push('--replicaof', '127.0.0.1', String(this.options.replicaOf.port));
    if (this.options.password) args.push('--requirepass', this.options.password, '--masterauth', this.options.password);
    this.proc = launcher.server({
      name: this.options.name, command: bin, args, runDir: this.options.runDir,
      logFile: path.join(this.options.runDir, `${this.options.name}.log`),
    });
    await this.proc.start();
    await this.proc.waitReady(() => this.ping(), READY_TIMEOUT_MS);
    if (this.options.replicaOf) await waitFor(`redis replica ${this.options.name} sync`, () => this.replicaInSync(), READY_TIMEOUT_MS);
    return this;
  }

  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  /** Promotes a replica (ElastiCache failover): REPLICAOF NO ONE. */
  async promote(): Promise<void> { await this.command(['REPLICAOF', 'NO', 'ONE']); }

  async command(args: string[]): Promise<unknown> {
    const r = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: true, ...(this.options.password ? { password: this.options.password } : {}) });
    try {
      await r.connect();
      return await r.call(args[0]!, ...args.slice(1));
    } finally {
      r.disconnect();
    }
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.connect(this.port, '127.0.0.1');
      s.setTimeout(500, () => { s.destroy(); resolve(false); });
      s.on('error', () => resolve(false));
      s.on('connect', () => s.write(`${this.options.password ? `AUTH ${this.options.password}\r\n` : ''}PING\r\n`));
      let got = '';
      s.on('data', (d) => { got += d.toString(); if (got.includes('\r\n') && (!this.options.password || got.split('\r\n').length > 2)) { s.destroy(); resolve(got.includes('+PONG')); } });
    });
  }

  private async replicaInSync(): Promise<boolean> {
    const info = String(await this.command(['INFO', 'replication']));
    return /master_link_status:up/.test(info);
  }
}
