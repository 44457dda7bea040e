import { childrenOf, readStatFields, sumOverTrees } from './proc-tree.js';

// /proc/<pid>/stat and /proc/stat count CPU time in clock ticks; Linux on x86-64 and arm64 fixes USER_HZ at 100.
export const TICK_MS = 10;

interface StatRow { ppid: number; self_ticks: number; reaped_ticks: number }

/** One pass over /proc: every process's parent and CPU time (own, and of children it reaped). */
async function readProcStats(): Promise<Map<number, StatRow>> {
  const rows = new Map<number, StatRow>();
  for (const [pid, f] of await readStatFields()) {
    if (f.length < 15) continue;
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    rows.set(pid, { ppid: Number(f[1]), self_ticks: Number(f[11]) + Number(f[12]), reaped_ticks: Number(f[13]) + Number(f[14]) });
  }
  return rows;
}

/**
 * CPU time of each named process tree, in ms. A tree's time is its live members' own time plus
 * what they reaped from exited children, so a Postgres backend that came and went still counts.
 */
export async function treeCpu_ms(roots: Record<string, number>): Promise<Record<string, number>> {
  const rows = await readProcStats();
  const children = childrenOf(new Map([...rows].map(([pid, r]) => [pid, r.ppid])));
  const ticksOf = (pid: number) => { const r = rows.get(pid); return r ? r.self_ticks + r.reaped_ticks : 0; };
  return Object.fromEntries(Object.entries(roots).map(([name, root]) => [name, sumOverTrees([root], children, ticksOf) * TICK_MS]));
}

export interface CpuShare { name: string; cpu_ms: number; cpu_ms_per_op: number; cores: number }
export interface CpuCost { window_s: number; ops: number; total_cpu_ms_per_op: number; total_cores: number; by_process: CpuShare[] }

/** Starts a measurement window over named process trees; `stop(ops)` returns CPU per operation. */
export async function startCpuWindow(roots: Record<string, number>): Promise<{ stop(ops: number): Promise<CpuCost> }> {
  const before = await treeCpu_ms(roots);
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  return {
    async stop(ops: number): Promise<CpuCost> {
      if (!(ops > 0)) throw new Error(`cpu window: ops must be positive, got ${ops}`);
      const after = await treeCpu_ms(roots);
      const self = process.cpuUsage(selfBefore);
      const window_s = (performance.now() - t0) / 1000;
      const share = (name: string, cpu_ms: number): CpuShare => ({
        name, cpu_ms: Math.round(cpu_ms), cpu_ms_per_op: round3(cpu_ms / ops), cores: round3(cpu_ms / 1000 / window_s),
      });
      // This process (the load generator) is measured precisely, not in 10 ms ticks.
      const by_process = [
        share('load-generator (this process)', (self.user + self.system) / 1000),
        ...Object.keys(roots).map((n) => share(n, Math.max(0, (after[n] ?? 0) - (before[n] ?? 0)))),
      ];
      const total = by_process.reduce((t, p) => t + p.cpu_ms, 0);
      return { window_s: round3(window_s), ops, total_cpu_ms_per_op: round3(total / ops), total_cores: round3(total / 1000 / window_s), by_process };
    },
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
