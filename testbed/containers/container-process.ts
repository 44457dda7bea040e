import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestbedError } from '../local/errors.js';
import { ManagedProcess, type ProcessSpec } from '../local/managed-process.js';
import { onExitCleanup } from '../local/registry.js';
import { docker } from './docker-cli.js';
import { scheduleLikeHost } from './cpu-parity.js';
import { containerLabels } from './labels.js';

const PID_WAIT_MS = 15_000;

export interface ContainerPlacement {
  /** The image to run (a tag or an ID the engine holds). */
  image: string;
  /** For the labels: the zone it runs in, and what it is (postgres, redis, service-task...). */
  az: string; role: string;
  /** Host directories mounted at the same path (the run dir, always). */
  mounts?: string[];
  /** The image ID the container must run (checked once it runs), when the report vouches for it. */
  expect_image_id?: string;
  /** Run the image's own entrypoint and command (the service image) instead of spec.command and args. */
  image_cmd?: boolean;
}

/**
 * A process of the topology run as a container, with the surface of a local one: `docker run`
 * stays attached (its output is the log, its exit the container's), while signals (crash, freeze,
 * stop) go to the container's main process by its host pid, so a SIGKILL is a real crash of it.
 * Host networking, and the run dir mounted at the same path: ports and paths mean what they mean
 * for a local process, so the code that drives Postgres or Redis does not know the difference.
 */
export class ContainerProcess extends ManagedProcess {
  readonly containerName: string;
  private containerPid: number | undefined;
  private unregister: () => void = () => {};

  constructor(spec: ProcessSpec, readonly placement: ContainerPlacement) {
    const name = `${path.basename(spec.runDir)}-${spec.name}`; // the run dir is testbed-XXXXXX
    const { uid, gid, ...host } = spec;
    super({ ...host, command: 'docker', args: runArgs(name, spec, placement, uid === undefined ? undefined : `${uid}:${gid ?? uid}`) });
    this.containerName = name;
  }

  override get pid(): number | undefined { return this.containerPid; }

  override signal(sig: NodeJS.Signals) {
    if (this.running && this.containerPid !== undefined) { try { process.kill(this.containerPid, sig); } catch { /* exited */ } }
  }

  override async start(): Promise<void> {
    this.containerPid = undefined;
    const name = this.containerName;
    // If this process dies before stop(), the container must not outlive it.
    this.unregister = onExitCleanup(() => { execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore', timeout: 10_000 }); });
    await super.start();
    this.containerPid = await this.waitForPid();
    if (process.env.TESTBED_CONTAINER_CPU !== 'docker') await scheduleLikeHost(this.containerPid);
  }

  override async stop(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await super.stop(sig);
    await docker(['rm', '-f', this.containerName]).catch(() => {});
    this.unregister();
  }

  /** The container's main process as the host sees it (and a check of the image it runs). */
  private async waitForPid(): Promise<number> {
    const deadline = Date.now() + PID_WAIT_MS;
    for (;;) {
      const out = await docker(['inspect', '--format', '{{.State.Pid}} {{.Image}}', this.containerName]).catch(() => '');
      const [pid, image] = out.split(' ');
      if (Number(pid) > 0) {
        const want = this.placement.expect_image_id;
        if (want !== undefined && image !== want) throw new TestbedError(`${this.spec.name} runs image ${image}, not ${want}`);
        return Number(pid);
      }
      if (!this.running || Date.now() > deadline) {
        throw new TestbedError(`${this.spec.name}: container ${this.containerName} did not start${await this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function runArgs(name: string, spec: ProcessSpec, p: ContainerPlacement, user: string | undefined): string[] {
  // The run-dir marker lets the reaper find the container's processes after a kill -9 of the runner.
  const env = { ...spec.env, TESTBED_RUN_DIR: spec.runDir };
  const envFile = path.join(spec.runDir, `${spec.name}.env`);
  writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  const mounts = [...new Set([spec.runDir, ...(p.mounts ?? [])])];
  return ['run', '--rm', '--name', name, '--network', 'host', '--sig-proxy=false', '--env-file', envFile,
    ...containerLabels(spec.runDir, { az: p.az, role: p.role }).flatMap((l) => ['--label', l]),
    ...mounts.flatMap((m) => ['-v', `${m}:${m}`]), ...(user ? ['--user', user] : []),
    // The image's own command runs where the image says (its WORKDIR); a binary, where it would locally.
    ...(p.image_cmd ? [p.expect_image_id ?? p.image] : ['-w', spec.cwd ?? spec.runDir, '--entrypoint', spec.command, p.expect_image_id ?? p.image, ...spec.args])];
}
