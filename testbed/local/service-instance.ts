import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { ManagedProcess, type ProcessSpec } from './managed-process.js';
import { serviceBuild } from './service-build.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

/** A task's process other than the compiled build as a child (a container of the service image). */
export interface TaskLaunch {
  /** Given the task's name, log, environment and stop timeout; runs the image's own command. */
  process(spec: Omit<ProcessSpec, 'command' | 'args'>): ManagedProcess;
  ready_timeout_ms: number;
}

export interface ServiceInstanceOptions {
  name: string; runDir: string; env: Record<string, string>; az?: string;
  /** Extra node flags, e.g. --cpu-prof for profiling a load run. */
  node_args?: string[];
  /** Run the task another way (testbed/containers/service-container.ts); the compiled build by default. */
  launch?: TaskLaunch;
}

/** One payment service task on a free port: the compiled server as a child process, as the image runs it, or the image itself. */
export class ServiceInstance {
  port = 0;
  private proc: ManagedProcess | undefined;
  constructor(readonly options: ServiceInstanceOptions) {}

  get process(): ManagedProcess | undefined { return this.proc; }
  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<this> {
    const { name, runDir, launch } = this.options;
    this.port = await freePort();
    const spec = {
      name, runDir, logFile: path.join(runDir, `${name}.log`),
      env: { ...this.options.env, PORT: String(this.port), HOST: '127.0.0.1' }, stop_timeout_ms: 35_000,
    };
    this.proc = launch ? launch.process(spec)
      : new ManagedProcess({ ...spec, command: process.execPath, args: [...(this.options.node_args ?? []), (await serviceBuild()).entry], cwd: repoRoot });
    await this.proc.start();
    await this.proc.waitReady(async () => (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(500) })).ok, launch?.ready_timeout_ms ?? READY_TIMEOUT_MS, 50);
    return this;
  }

  /** ECS stop, SIGTERM: the service drains (finishes in-flight, refuses new) and exits (SIGKILL after the stop timeout). */
  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  /** Teardown: gone at once, nothing drained. */
  async kill(): Promise<void> { await this.proc?.stop('SIGKILL'); }
}
