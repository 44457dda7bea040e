import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { TestbedError } from '../local/errors.js';
import { dockerEngineAnswers } from '../docker-engine.js';
import { run } from './host-command.js';

const DOCKERD_LOG = '/var/log/dockerd-testbed.log';
const DOCKERD_READY_MS = 30_000;

/** A Docker engine that answers: installs docker.io from Debian if absent, starts dockerd if not running. */
export async function ensureEngine(say: (line: string) => void): Promise<void> {
  if (await dockerEngineAnswers()) { say('docker engine: answering'); return; }
  if (process.getuid?.() !== 0) throw new TestbedError('installing and starting the Docker engine needs root', 'run it as root (sudo npm run containers:setup), or start dockerd yourself');
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
    say('docker engine: installing docker.io from Debian (apt-get)');
    await run('apt-get', ['update', '-qq'], { timeout_ms: 300_000 });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker.io'], { timeout_ms: 600_000, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  }
  say(`docker engine: starting dockerd (log: ${DOCKERD_LOG})`);
  const log = openSync(DOCKERD_LOG, 'a');
  // Detached: the engine outlives this setup, as a system service would.
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  closeSync(log);
  const deadline = Date.now() + DOCKERD_READY_MS;
  while (!(await dockerEngineAnswers())) {
    if (Date.now() > deadline) {
      const tail = await run('tail', ['-n', '5', DOCKERD_LOG]).catch(() => '');
      throw new TestbedError(`dockerd did not answer within ${DOCKERD_READY_MS / 1000} s; its log ends:\n${tail}`, 'the engine needs root and cgroups (mount | grep cgroup)');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  say('docker engine: answering');
}
