import { appendFile, chown, mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { TestbedError } from './errors.js';
import { freePort } from './free-port.js';
import { hostLauncher, type Launcher } from './launcher.js';
import type { ManagedProcess } from './managed-process.js';
import { azOfName, type Az } from '../topology.js';
import type { StartedPostgres } from '../started-nodes.js';

const READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 25;

export interface PostgresOptions {
  name: string;
  runDir: string;
  /** Extra server settings (-c name=value). */
  settings?: Record<string, string | number>;
  /** Where its processes run: here (default) or in a container (the containers provider). */
  launcher?: Launcher;
}

/** A Postgres server in its own data directory on a free port (local binaries, or its image's in a container). */
export class PostgresProcess implements StartedPostgres {
  readonly dataDir: string;
  readonly socketDir: string;
  readonly host = '127.0.0.1';
  port = 0;
  private proc: ManagedProcess | undefined;
  private readonly launcher: Launcher;
  private readonly bin: string;
  private readonly runAs: { uid: number; gid: number } | undefined;

  constructor(readonly options: PostgresOptions) {
    this.dataDir = path.join(options.runDir, options.name, 'data');
    this.socketDir = path.join(options.runDir, options.name);
    this.launcher = options.launcher ?? hostLauncher;
    ({ binDir: this.bin, runAs: this.runAs } = this.launcher.postgres());
  }

  get process(): ManagedProcess | undefined { return this.proc; }
  get name(): string { return this.options.name; }
  /** Zone from the name's suffix: postgres-a runs in AZ a. */
  get az(): Az | 'regional' { return azOfName(this.options.name); }

  connectionConfig(database = 'postgres'): pg.ClientConfig {
    return { host: '127.0.0.1', port: this.port, user: 'postgres', password: 'local', database };
  }

  /** initdb, configure for replication, start. */
  async init(): Promise<this> {
    await this.prepareDir();
    await this.exec('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions']);
    await appendFile(path.join(this.dataDir, 'pg_hba.conf'), 'host replication postgres 127.0.0.1/32 trust\n');
    return this;
  }

  /** Makes this server a streaming standby of `primary` with pg_basebackup. */
  async initStandbyOf(primary: { port: number }, applicationName: string): Promise<this> {
    await this.prepareDir();
    await this.exec('pg_basebackup', ['-D', this.dataDir, '-h', '127.0.0.1', '-p', String(primary.port),
      '-U', 'postgres', '-X', 'stream', '-R', '--checkpoint=fast', '-d', `application_name=${applicationName}`]);
    return this;
  }

  async start(): Promise<this> {
    this.port = this.port || (await freePort());
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1', port: this.port, unix_socket_directories: this.socketDir,
      max_connections: 300, shared_buffers: '256MB', wal_level: 'replica', max_wal_senders: 10,
      hot_standby: 'on', logging_collector: 'off', log_min_messages: 'warning',
      // Zero-filling each new 16 MB WAL segment stalled every commit for ~200 ms every ~6 s at
      // 1,000 TPS here (measured). Aurora's storage has no such segments; fsync stays on.
      wal_init_zero: 'off',
      // Full-page images guard against a page torn by an OS crash or power loss halfway through its
      // write. The testbed's crashes kill processes (the kernel's page cache keeps every write
      // whole), and Aurora's storage writes no page images either. With them, every page first
      // touched after a checkpoint went into the WAL whole (random uuid keys touch many): after a
      // failover's end-of-recovery checkpoint the new writer committed ~600 payments/s for 20 s
      // instead of 1,000 on the slow-disk machine (measured).
      full_page_writes: 'off',
      // Autovacuum sleeps 20 ms, not 2, per cost_limit of work: the testbed's writer shares a core with
      // the tasks, where Aurora's has its own. At the default, each minute's insert vacuum and analyze
      // of the four ledger tables took 0.17-0.22 s of CPU within ~1 s, the writer's CPU that second
      // rose by 170-220 ms, and it was the second over p99 200 ms after overload's drop (the minute
      // falls at the same point of every run). At 20 ms the same work took ~2.5 s and the writer
      // rose by 45-85 ms a second (postgres log and CPU series, 2 runs each, slow EPYC, 2026-12-04;
      // a cost limit of 100 as well spread it over 5 s without a lower peak, 1 run).
      autovacuum_vacuum_cost_delay: 20,
      // Post-mortems: a latency hump can be matched against vacuums and checkpoints in the log.
      log_autovacuum_min_duration: 0, log_checkpoints: 'on', log_line_prefix: "'%m [%p] '",
      ...this.options.settings,
    };
    const args = ['-D', this.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    this.proc = this.launcher.server({
      name: this.options.name, command: path.join(this.bin, 'postgres'), args, runDir: this.options.runDir,
      logFile: path.join(this.options.runDir, `${this.options.name}.log`), cwd: this.socketDir,
      ...(this.runAs ?? {}),
      // SIGINT is Postgres' "fast shutdown": abort transactions, checkpoint, exit.
      stop_timeout_ms: 15_000,
    });
    await this.proc.start();
    await this.waitReady();
    return this;
  }

  async stop(): Promise<void> { await this.proc?.stop('SIGINT'); }

  /**
   * A crash of the whole server: SIGKILL to the postmaster's process group (it runs in its own),
   * so every backend dies at once, as on a host failure. Nothing is flushed or checkpointed.
   */
  async crash(): Promise<void> {
    const pid = this.proc?.pid;
    if (pid === undefined || !this.proc!.running) throw new TestbedError(`postgres ${this.options.name} is not running`);
    try { process.kill(-pid, 'SIGKILL'); } catch { /* raced with its own exit */ }
    await this.proc!.waitExit();
    // Backends reparented to init after the postmaster died are gone too: they were in its group.
  }

  /** A directory the server process may write (as the postgres user when we run as root). */
  async makeOwnedDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (this.runAs) await chown(dir, this.runAs.uid, this.runAs.gid);
  }

  /** pg_basebackup of this running server into `dir` (plain format, WAL included). */
  async baseBackup(dir: string): Promise<void> {
    await this.makeOwnedDir(dir);
    await this.exec('pg_basebackup', ['-D', dir, '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
  }

  /**
   * Prepares this (not yet started) server as a point-in-time restore of `backupDir` replaying
   * archived WAL up to `targetTime`, then promoting.
   */
  async initFromBackup(backupDir: string, archiveDir: string, targetTime: string): Promise<this> {
    await this.prepareDir();
    await this.exec('cp', ['-a', `${backupDir}/.`, this.dataDir], true);
    await this.exec('rm', ['-f', path.join(this.dataDir, 'standby.signal'), path.join(this.dataDir, 'postmaster.pid')], true);
    await this.exec('sh', ['-c', `printf "%s\n" "restore_command = 'cp ${archiveDir}/%f %p'" "recovery_target_time = '${targetTime}'" "recovery_target_action = 'promote'" "synchronous_standby_names = ''" "archive_mode = 'off'" >> ${path.join(this.dataDir, 'postgresql.auto.conf')} && touch ${path.join(this.dataDir, 'recovery.signal')}`], true);
    return this;
  }

  /** Promotes a standby to primary. Returns once it accepts writes. */
  async promote(): Promise<void> {
    const c = new pg.Client(this.connectionConfig());
    await c.connect();
    try {
      await c.query('select pg_promote(true, 30)');
    } finally {
      await c.end();
    }
  }

  async createDatabase(name: string): Promise<void> {
    const c = new pg.Client(this.connectionConfig());
    await c.connect();
    try { await c.query(`create database ${pg.escapeIdentifier(name)}`); } finally { await c.end(); }
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!this.proc!.running) {
        await this.proc!.waitExit();
        throw new TestbedError(`${this.options.name} exited during start (code ${this.proc!.exitCode})${await this.proc!.logTail()}`);
      }
      const c = new pg.Client({ ...this.connectionConfig(), connectionTimeoutMillis: 1_000 });
      try {
        await c.connect();
        await c.query('select 1');
        await c.end();
        return;
      } catch {
        await c.end().catch(() => {});
        if (Date.now() > deadline) throw new TestbedError(`${this.options.name} not ready after ${READY_TIMEOUT_MS} ms${await this.proc!.logTail()}`);
        await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    }
  }

  async prepareDir() {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (this.runAs) {
      await chown(this.options.runDir, this.runAs.uid, this.runAs.gid);
      await chown(this.socketDir, this.runAs.uid, this.runAs.gid);
      await chown(this.dataDir, this.runAs.uid, this.runAs.gid);
    }
  }

  private async exec(tool: string, args: string[], systemTool = false) {
    try {
      await this.launcher.tool(systemTool ? tool : path.join(this.bin, tool), args, { ...(this.runAs ?? {}), cwd: this.socketDir, env: { PGAPPNAME: 'testbed' } });
    } catch (err) {
      throw new TestbedError(`${tool} failed for ${this.options.name}: ${(err as Error).message}`);
    }
  }
}

