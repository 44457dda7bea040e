import { execFile } from 'node:child_process';
import { TestbedError } from '../local/errors.js';

const OUTPUT_BYTES_MAX = 64 * 1024 * 1024;

/** A host command for setup (apt-get, debootstrap, tar); a failure says which and how it ended. */
export function run(cmd: string, args: string[], o: { timeout_ms?: number; env?: Record<string, string>; cwd?: string; missing_hint?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: o.timeout_ms ?? 60_000, maxBuffer: OUTPUT_BYTES_MAX, env: { ...process.env, ...o.env }, ...(o.cwd ? { cwd: o.cwd } : {}) }, (err, stdout, stderr) => {
      if (!err) { resolve(stdout.trim()); return; }
      const said = (stderr || stdout || err.message).trim().split('\n').slice(-8).join('\n');
      const missing = (err as { code?: unknown }).code === 'ENOENT';
      reject(new TestbedError(missing ? `${cmd}: not installed` : `${cmd} ${args.slice(0, 2).join(' ')} failed: ${said}`, missing ? o.missing_hint : undefined));
    });
  });
}
