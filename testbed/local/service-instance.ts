import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { serviceBuild } from './service-build.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

export interface ServiceInstanceOptions {
  name: string; runDir: string; env: Record<string, string>; az?: string;
  /** Extra node flags, e.g. --cpu-prof for profiling a load run. */
  node_args?: string[];
}

/** What the testbed does to a task's process: crash it, pause it, stop it, find its CPU time. */
export interface TaskProcess {
  readonly pid: number | undefined;
  readonly running: boolean;
  signal(sig: NodeJS.Signals): void;
}

/** An ECS task of the payment service: a child process (ServiceInstance) or a container (ServiceContainer). */
export interface Task {
  readonly url: string;
  readonly process: TaskProcess | undefined;
  start(): Promise<this>;
  /** ECS stop: SIGTERM, the service drains and exits (SIGKILL after the stop timeout). */
  stop(): Promise<void>;
  /** Teardown: gone at once, nothing drained. */
  kill(): Promise<void>;
}

/** One payment service task: the compiled server, as the image runs it, as a child process on a free port. */
export class ServiceInstance implements Task {
  port = 0;
  private proc: ManagedProcess | undefined;
  constructor(readonly options: ServiceInstanceOptions) {}

  get process(): ManagedProcess | undefined { return this.proc; }
  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<this> {
    this.port = await freePort();
    const { entry } = await serviceBuild();
    this.proc = new ManagedProcess({
      name: this.options.name, command: process.execPath,
      args: [...(this.options.node_args ?? []), entry],
      runDir: this.options.runDir, logFile: path.join(this.options.runDir, `${this.options.name}.log`),
      cwd: repoRoot, env: { ...this.options.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stop_timeout_ms: 35_000,
    });
    await this.proc.start();
    await this.proc.waitReady(async () => (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(500) })).ok, READY_TIMEOUT_MS, 50);
    return this;
  }

  /** SIGTERM: the service drains (finishes in-flight, refuses new) and exits. */
  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  async kill(): Promise<void> { await this.proc?.stop('SIGKILL'); }
}
