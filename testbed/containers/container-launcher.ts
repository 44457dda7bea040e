import type { Launcher } from '../local/launcher.js';
import { azOfName } from '../topology.js';
import { ContainerProcess } from './container-process.js';
import { docker } from './docker-cli.js';
import { containerLabels } from './labels.js';

/** Where Debian's postgresql-15 (ours) and the official postgres:15 image both keep the binaries. */
const IMAGE_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
const TOOL_TIMEOUT_MS = 120_000;

export interface ContainerLauncherOptions {
  image: string; runDir: string; role: string;
  /** The image's postgres user (its uid differs from the host's: the official image's is 999). */
  postgresUser?: { uid: number; gid: number };
}

/**
 * A data node's processes as containers of one image: servers as ContainerProcess, tools as
 * `docker run --rm` with the run dir mounted at the same path, so files mean the same on both sides.
 */
export function containerLauncher(o: ContainerLauncherOptions): Launcher {
  return {
    server: (spec) => new ContainerProcess(spec, { image: o.image, az: azOfName(spec.name), role: o.role }),
    tool: async (cmd, args, t) => {
      const env = Object.entries(t.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
      const labels = containerLabels(o.runDir, { az: 'regional', role: `${o.role}-tool` }).flatMap((l) => ['--label', l]);
      await docker(['run', '--rm', ...labels, '--network', 'host', '-v', `${o.runDir}:${o.runDir}`, '-w', t.cwd,
        ...(t.uid === undefined ? [] : ['--user', `${t.uid}:${t.gid ?? t.uid}`]), ...env, '--entrypoint', cmd, o.image, ...args], { timeout_ms: TOOL_TIMEOUT_MS });
    },
    postgres: () => ({ binDir: IMAGE_PG_BIN_DIR, runAs: o.postgresUser }),
    redisServer: () => 'redis-server',
    dynalite: () => ({ command: 'dynalite', args: [] }),
  };
}

/** The uid and gid of a user of an image (as the image's /etc/passwd has them). */
export async function imageUser(image: string, user: string): Promise<{ uid: number; gid: number }> {
  const out = await docker(['run', '--rm', '--entrypoint', 'id', image, user]);
  const uid = Number(/uid=(\d+)/.exec(out)?.[1]), gid = Number(/gid=(\d+)/.exec(out)?.[1]);
  if (!(uid >= 0 && gid >= 0)) throw new Error(`no user ${user} in image ${image}: id said "${out}"`);
  return { uid, gid };
}
