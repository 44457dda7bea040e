import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestbedError } from '../local/errors.js';
import { freePort } from '../local/free-port.js';
import { ManagedProcess } from '../local/managed-process.js';
import { onExitCleanup } from '../local/registry.js';
import type { ServiceInstanceOptions, Task, TaskProcess } from '../local/service-instance.js';
import { docker } from './docker-cli.js';
import { containerLabels } from './labels.js';

const READY_TIMEOUT_MS = 30_000;
/** As the ECS task definition's stopTimeout: SIGTERM, drain, then SIGKILL. */
const STOP_TIMEOUT_S = 35;
const PID_WAIT_MS = 15_000;

export interface ServiceContainerOptions extends ServiceInstanceOptions {
  /** The image to run, and its ID as the engine resolved it when the run began. */
  image: string; image_id: string;
}

/**
 * One payment service task as a container of the service image: the artifact that ships, with the
 * environment contract infra/ gives it. Host networking, so it reaches the AZ's fault proxies on
 * 127.0.0.1 as a process task does. `docker run` stays attached: its output is the task's log and
 * its exit is the container's. Signals go to the container's main process itself (its host pid).
 */
export class ServiceContainer implements Task {
  port = 0;
  private client: ManagedProcess | undefined;
  private pid: number | undefined;
  private unregister: () => void = () => {};
  readonly containerName: string;

  constructor(readonly options: ServiceContainerOptions) {
    this.containerName = `testbed-${path.basename(options.runDir)}-${options.name}`;
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  get process(): TaskProcess | undefined {
    const client = this.client, pid = this.pid;
    if (!client) return undefined;
    return {
      pid,
      get running() { return client.running; },
      signal(sig) { if (client.running && pid !== undefined) { try { process.kill(pid, sig); } catch { /* exited */ } } },
    };
  }

  async start(): Promise<this> {
    const o = this.options;
    this.port = await freePort();
    const envFile = path.join(o.runDir, `${o.name}.env`);
    // The run-dir marker lets the reaper find the task's process after a kill -9 of the runner.
    const env = { ...o.env, PORT: String(this.port), HOST: '127.0.0.1', TESTBED_RUN_DIR: o.runDir };
    await writeFile(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
    const labels = containerLabels(o.runDir, { az: o.az ?? 'regional', role: 'service-task' });
    this.client = new ManagedProcess({
      name: o.name, command: 'docker', runDir: o.runDir, logFile: path.join(o.runDir, `${o.name}.log`),
      args: ['run', '--rm', '--name', this.containerName, '--network', 'host', '--sig-proxy=false', '--env-file', envFile,
        ...labels.flatMap((l) => ['--label', l]), o.image_id],
      stop_timeout_ms: (STOP_TIMEOUT_S + 5) * 1_000,
    });
    // If this process dies before stop(), the container must not outlive it.
    const name = this.containerName;
    this.unregister = onExitCleanup(() => { execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore', timeout: 10_000 }); });
    await this.client.start();
    this.pid = await this.containerPid();
    await this.client.waitReady(async () => (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(500) })).ok, READY_TIMEOUT_MS, 50);
    return this;
  }

  /** `docker stop`: SIGTERM, the service drains and exits, SIGKILL after the stop timeout. */
  async stop(): Promise<void> {
    if (this.client?.running) await docker(['stop', '-t', String(STOP_TIMEOUT_S), this.containerName], { timeout_ms: (STOP_TIMEOUT_S + 10) * 1_000 }).catch(() => {});
    await this.client?.stop();
    await docker(['rm', '-f', this.containerName]).catch(() => {});
    this.unregister();
  }

  async kill(): Promise<void> {
    await docker(['rm', '-f', this.containerName]).catch(() => {});
    await this.client?.stop('SIGKILL');
    this.unregister();
  }

  /** The container's main process as the host sees it; also checks it runs the image resolved at the start. */
  private async containerPid(): Promise<number> {
    const deadline = Date.now() + PID_WAIT_MS;
    for (;;) {
      const out = await docker(['inspect', '--format', '{{.State.Pid}} {{.Image}}', this.containerName]).catch(() => '');
      const [pid, image] = out.split(' ');
      if (Number(pid) > 0) {
        if (image !== this.options.image_id) throw new TestbedError(`${this.options.name} runs image ${image}, not ${this.options.image_id}`);
        return Number(pid);
      }
      if (!this.client?.running || Date.now() > deadline) {
        throw new TestbedError(`${this.options.name}: container ${this.containerName} did not start${await this.client?.logTail() ?? ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
