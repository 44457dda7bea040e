import http from 'node:http';
import { TestbedError } from './local/errors.js';

const PING_TIMEOUT_MS = 1_500;

/** Whether a Docker engine answers its ping at DOCKER_HOST (the local socket by default). */
export async function dockerEngineAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const target = host.startsWith('unix://') ? { socketPath: host.slice('unix://'.length) } : (() => {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    return { host: u.hostname, port: Number(u.port || 2375) };
  })();
  const ok = await new Promise<boolean>((resolve) => {
    const req = http.get({ ...target, path: '/_ping', timeout: PING_TIMEOUT_MS }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.on('error', () => resolve(false));
  });
  return ok;
}

/** Fails fast, with what to do instead, when no Docker engine answers (the containers provider needs one). */
export async function assertDockerEngine(): Promise<void> {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (!(await dockerEngineAnswers())) {
    throw new TestbedError(`the containers provider needs a Docker engine, and none answered at ${host}`,
      'npm run containers:setup installs and starts one (as root); or use --provider local (the default: embedded processes, no Docker), or --provider external with endpoint URLs');
  }
}
