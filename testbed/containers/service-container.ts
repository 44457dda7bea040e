import path from 'node:path';
import { freePort } from '../local/free-port.js';
import type { ServiceInstanceOptions, Task, TaskProcess } from '../local/service-instance.js';
import { ContainerProcess } from './container-process.js';

const READY_TIMEOUT_MS = 30_000;
/** As the ECS task definition's stopTimeout: SIGTERM, drain, then SIGKILL. */
const STOP_TIMEOUT_MS = 35_000;

export interface ServiceContainerOptions extends ServiceInstanceOptions {
  /** The image to run, and its ID as the engine resolved it when the run began. */
  image: string; image_id: string;
}

/**
 * One payment service task as a container of the service image: the artifact that ships, run by
 * its own CMD with the environment contract infra/ gives it (host networking: it reaches its AZ's
 * fault proxies on 127.0.0.1 as a process task does).
 */
export class ServiceContainer implements Task {
  port = 0;
  private proc: ContainerProcess | undefined;

  constructor(readonly options: ServiceContainerOptions) {}

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  get process(): TaskProcess | undefined { return this.proc; }
  get containerName(): string | undefined { return this.proc?.containerName; }

  async start(): Promise<this> {
    const o = this.options;
    this.port = await freePort();
    this.proc = new ContainerProcess({
      name: o.name, command: '', args: [], runDir: o.runDir, logFile: path.join(o.runDir, `${o.name}.log`),
      env: { ...o.env, PORT: String(this.port), HOST: '127.0.0.1' }, stop_timeout_ms: STOP_TIMEOUT_MS,
    }, { image: o.image, expect_image_id: o.image_id, image_cmd: true, az: o.az ?? 'regional', role: 'service-task' });
    await this.proc.start();
    await this.proc.waitReady(async () => (await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(500) })).ok, READY_TIMEOUT_MS, 50);
    return this;
  }

  /** ECS stop: SIGTERM, the service drains and exits, SIGKILL after the stop timeout. */
  async stop(): Promise<void> { await this.proc?.stop('SIGTERM'); }

  async kill(): Promise<void> { await this.proc?.stop('SIGKILL'); }
}
