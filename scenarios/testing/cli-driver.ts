// Drives the testbed CLI as a user would, for the CLI's tests (cli.test.ts, cli-reaping.test.ts).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { statFieldsOf } from '../../testbed/proc-tree.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const cli = path.join(import.meta.dirname, '..', 'cli.ts');
const dirs: string[] = [];

/** A temp dir removed by `removeTempDirs` (call it in afterAll). */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'cli-test-'));
  dirs.push(d);
  return d;
}

/** A dir (a kept run dir) to remove with the temp dirs. */
export function removeLater(dir: string) { dirs.push(dir); }

export async function removeTempDirs(): Promise<void> {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
}

export async function testbed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', require.resolve('tsx'), cli, ...args], { maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Field 5 of /proc/<pid>/stat: the process group. */
export const processGroupOf = async (pid: number) => Number((await statFieldsOf(pid))[2]);

// By environment marker, or by working directory: Redis and Postgres overwrite their environment
// block with their process title (a Redis pair once outlived its run unseen by the marker alone).
export const aliveWithRunDir = async (dir: string) => {
  const { stdout } = await run('sh', ['-c', `{ grep -l -a "TESTBED_RUN_DIR=${dir}" /proc/[0-9]*/environ; for p in /proc/[0-9]*; do case "$(readlink $p/cwd)" in ${dir}|${dir}/*) echo $p;; esac; done; } 2>/dev/null || true`]);
  return [...new Set(stdout.split('\n').filter(Boolean).map((l) => l.split('/')[2]))];
};

export const LONG_RUN = 'name: long-run\ndescription: long enough to interrupt\ntopology: { seed: { customers: 50 } }\nload:\n  stages: [{ duration_s: 120, rate_per_s: 50 }]\n  warmup_s: 1\n  mix: { payment: 1, replay: 0, balance: 0, summary: 0 }\ninvariants: [ledger]\n';

/** Starts `testbed run --file` and resolves once the load measures; the run dir is read off its progress. */
export async function startAndWaitForLoad(file: string, out: string, extraArgs: string[] = []) {
  // A session of its own, as a terminal gives a user's runner: a runner killed with -9 mid-load
  // cannot restore its session's raised autogroup (loadtests/generator-priority.ts), and in the
  // suite's session that raise outlived the suite (nice -10 after a green .ci/run, measured).
  const child = spawn(process.execPath, ['--import', require.resolve('tsx'), cli, 'run', '--file', file, '--out', out, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (/measure sent\/s=/.test(stderr)) resolve(); });
    child.once('exit', () => reject(new Error(`the run ended before its load: ${stderr}`)));
  });
  return { child, exited, runDir: /run dir (\S+)\)/.exec(stderr)![1]! };
}
