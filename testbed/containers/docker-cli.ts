import { TestbedError } from '../local/errors.js';
import { run } from './host-command.js';

const DOCKER_TIMEOUT_MS_DEFAULT = 60_000;

/** Runs the docker CLI; a failure says which command and what the engine answered. */
export function docker(args: string[], o: { timeout_ms?: number; env?: Record<string, string> } = {}): Promise<string> {
  return run('docker', args, { timeout_ms: o.timeout_ms ?? DOCKER_TIMEOUT_MS_DEFAULT, ...(o.env ? { env: o.env } : {}), missing_hint: 'npm run containers:setup installs the engine and its CLI' });
}

/**
 * The engine's ID of an image (the sha256 of its config): what `docker image inspect` prints, and
 * what a report vouches for. Never taken from the environment: only an image the engine holds has one.
 */
export async function imageId(ref: string): Promise<string> {
  const id = await docker(['image', 'inspect', '--format', '{{.Id}}', ref]).catch((err: Error) => {
    throw new TestbedError(`no image "${ref}" in the local Docker engine (${err.message.split('\n')[0]})`, 'npm run image builds the service image (README, Containers)');
  });
  if (!/^sha256:[0-9a-f]{64}$/.test(id)) throw new TestbedError(`docker image inspect ${ref}: unexpected ID "${id}"`);
  return id;
}

/** The registry digests the engine knows for an image (repo@sha256:...): empty until pushed or pulled. */
export async function imageRepoDigests(ref: string): Promise<string[]> {
  const out = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
  return (JSON.parse(out || '[]') as string[] | null) ?? [];
}
