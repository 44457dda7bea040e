import { readdir, readFile } from 'node:fs/promises';
import { childrenOf, sumOverTrees } from './proc-tree.js';

/**
 * Memory of the given processes and all their descendants (Postgres backends included), in bytes.
 * Proportional set size: shared memory (Postgres shared_buffers) is split among its sharers
 * instead of being counted once per backend, as summing RSS would.
 */
export async function treePss_bytes(rootPids: number[]): Promise<number> {
  const parentOf = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const rollup = await readFile(`/proc/${name}/smaps_rollup`, 'utf8').catch(() => '');
    const kb = Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? /^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    rss.set(Number(name), kb * 1024);
    parentOf.set(Number(name), ppid);
  }
  return sumOverTrees(rootPids, childrenOf(parentOf), (pid) => rss.get(pid) ?? 0);
}

/** Peak resident memory (VmHWM) of one process, in bytes. */
export async function peakRss_bytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
}
