import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** wrk's closed-loop maximum on a URL, as the reference for the generator's own ceiling. */
export async function runWrk(url: string, o: { threads: number; connections: number; duration_s: number }): Promise<{ requests_per_s: number } | { missing: string }> {
  try {
    const { stdout } = await run('wrk', ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.duration_s}s`, url]);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN);
    return { requests_per_s: rps };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { missing: 'wrk not installed: apt-get install -y wrk' };
    throw err;
  }
}
