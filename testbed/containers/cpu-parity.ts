import { readFile, writeFile } from 'node:fs/promises';

const CPU_ROOT_V1 = '/sys/fs/cgroup/cpu';

/**
 * Schedules a container's processes as the host schedules the testbed's own (cgroup v1, cpu
 * controller only). Under Docker's /docker group all containers together weigh as much as ONE
 * host thread against every generator, HAProxy and proxy thread: at smoke's 100/s, task p99 was
 * 172-867 ms in containers against 30-80 ms as processes (3 runs each, alternating). On ECS a task
 * has its own vCPUs; on one machine, parity with the local provider is what keeps numbers comparable.
 * Children forked later (Postgres backends) inherit the group. Memory, pids and the rest stay the
 * container's. A no-op on cgroup v2 or where the group cannot be written (returns false).
 */
export async function scheduleLikeHost(pid: number): Promise<boolean> {
  const line = (await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '')).split('\n').find((l) => /^\d+:cpu(,[a-z]+)*:/.test(l));
  if (!line) return false;
  const group = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  if (group === '/') return true;
  // Twice: a process forked while the first pass ran is caught by the second.
  for (let pass = 0; pass < 2; pass++) {
    const procs = (await readFile(`${CPU_ROOT_V1}${group}/cgroup.procs`, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    for (const p of procs) await writeFile(`${CPU_ROOT_V1}/cgroup.procs`, p).catch(() => {});
  }
  return true;
}
