import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const TEMP_PREFIX = 'testbed-';
const OWNER_FILE = 'owner.pid';
const PIDS_FILE = 'children.pids';

export async function makeRunDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX));
  await writeFile(path.join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

export async function recordChildPid(dir: string, pid: number) {
  await writeFile(path.join(dir, PIDS_FILE), `${pid}\n`, { flag: 'a' });
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** The pid of the process that made a run dir; 0 when the dir or its owner file is gone. */
export async function runOwner(dir: string): Promise<number> {
  return Number(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => '0')) || 0;
}

/** Guards against pid reuse: only a process started with this run's TESTBED_RUN_DIR is ours. */
async function startedBy(pid: number, dir: string): Promise<boolean> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  if (environ.split('\0').includes(`TESTBED_RUN_DIR=${dir}`)) return true;
  // Redis and Postgres rewrite their process title over the environment block, marker included
  // (a Redis pair outlived its run that way): their working directory is in the run dir.
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
  return cwd === dir || cwd.startsWith(dir + path.sep);
}

/** Every live process of a run: started with its marker or working inside its directory. */
export async function runProcesses(dir: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => p !== process.pid);
  const ours = await Promise.all(pids.map(async (pid) => ((await startedBy(pid, dir)) ? pid : 0)));
  return ours.filter((p) => p > 0);
}

/** Kills the children and removes the directories of runs whose owner died without cleaning up. */
export async function reapStale(): Promise<{ dirs: number; processes: number }> {
  let dirs = 0, processes = 0;
  for (const name of await readdir(os.tmpdir())) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = await runOwner(dir);
    if (owner > 0 && alive(owner)) continue;
    // Recorded children and whatever they started (backends, forks): one scan finds them all by
    // marker or cwd, which also guards against a recorded pid reused by someone else.
    for (const pid of await runProcesses(dir)) {
      try { process.kill(pid, 'SIGKILL'); processes++; } catch { /* raced */ }
    }
    await rm(dir, { recursive: true, force: true });
    dirs++;
  }
  return { dirs, processes };
}
