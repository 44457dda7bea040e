import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { childrenOf, readStatFields, treeMembers } from './proc-tree.js';

const run = promisify(execFile);

/** A CPU list longer than this is not one this tool made or can use (Linux caps CPUs at 8,192). */
const CPUS_MAX = 8_192;
/** Passes over the trees: a process forked while one pass ran is caught by the next. */
const PIN_PASSES = 2;

/** What a split did, for the report: which CPUs each side had, or why there was no split. */
export interface CpuSplitReport {
  applied: boolean;
  generator_cpus: number[];
  system_cpus: number[];
  /** Processes of the system under test moved onto `system_cpus` (each with all its threads). */
  system_processes: number;
  reason?: string;
}

/** "0-3,5" (the kernel's Cpus_allowed_list and taskset's format) to [0, 1, 2, 3, 5]. */
export function parseCpuList(text: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`not a CPU list: ${JSON.stringify(text)} (expected e.g. "0-3,5")`);
    const from = Number(m[1]), to = Number(m[2] ?? m[1]);
    if (!(from <= to && to < CPUS_MAX)) throw new Error(`not a CPU list: ${JSON.stringify(text)} (range ${part} is empty or past CPU ${CPUS_MAX - 1})`);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The CPUs a process may run on now. */
export async function allowedCpus(pid: number | 'self'): Promise<number[]> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  if (!line) throw new Error(`/proc/${pid}/status has no Cpus_allowed_list`);
  return parseCpuList(line.slice('Cpus_allowed_list:'.length));
}

/** The roots and every descendant alive now. */
export async function processTrees(roots: number[]): Promise<number[]> {
  const parentOf = new Map([...await readStatFields()].map(([pid, f]) => [pid, Number(f[1])]));
  return treeMembers(roots.filter((r) => parentOf.has(r)), childrenOf(parentOf));
}

/** Every thread of `pid` onto `cpus`; threads and children it makes later inherit them. Why taskset: Node has no affinity call. */
async function pin(pid: number, cpus: number[]): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    await run('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)]);
    return { ok: true };
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') return { ok: false, error: 'taskset is not installed (util-linux)' };
    return { ok: false, error: (err.stderr || err.message).trim().split('\n').at(-1) ?? 'taskset failed' };
  }
}

const alive = (pid: number) => readFile(`/proc/${pid}/stat`, 'utf8').then(() => true, () => false);

/**
 * The load generator on CPUs of its own, the system under test on the rest, as when the clients
 * run on another machine. Co-located, every request offered costs the generator CPU the system
 * needs, so past the knee the system's capacity falls with the load offered. The split holds the
 * generator's process (every thread) and the system's process trees as they are when it is applied:
 * a process the generator's process starts later inherits the generator's CPUs (see the schema's
 * rule against a timeline with a split).
 */
export class CpuSplit {
  private constructor(
    readonly report: CpuSplitReport,
    private readonly generatorBefore: number[],
    private readonly systemBefore: Map<number, number[]>,
  ) {}

  static async apply(o: { generator_cpus: number; system_roots: number[] }): Promise<CpuSplit> {
    if (!(Number.isInteger(o.generator_cpus) && o.generator_cpus >= 1)) throw new Error(`cpu split: generator_cpus must be an integer >= 1, got ${o.generator_cpus}`);
    const none = (reason: string) => new CpuSplit({ applied: false, generator_cpus: [], system_cpus: [], system_processes: 0, reason }, [], new Map());
    if (process.platform !== 'linux') return none(`CPU affinity is set with Linux's taskset; on ${process.platform} the generator shares the CPUs`);
    const allowed = await allowedCpus('self');
    if (allowed.length < o.generator_cpus + 1) return none(`a split needs ${o.generator_cpus + 1} CPUs (${o.generator_cpus} for the generator, 1 or more for the system); this process may use ${allowed.length}`);
    const generator_cpus = allowed.slice(-o.generator_cpus), system_cpus = allowed.slice(0, -o.generator_cpus);
    const systemBefore = new Map<number, number[]>();
    const split = new CpuSplit({ applied: true, generator_cpus, system_cpus, system_processes: 0 }, allowed, systemBefore);
    for (let pass = 0; pass < PIN_PASSES; pass++) {
      const pids = await processTrees(o.system_roots);
      if (pids.includes(process.pid)) {
        await split.restore();
        throw new Error('cpu split: the generator\'s own process is among the system\'s roots or their descendants');
      }
      for (const pid of pids) {
        if (systemBefore.has(pid)) continue;
        const before = await allowedCpus(pid).catch(() => undefined);
        if (!before) continue; // exited meanwhile
        const done = await pin(pid, system_cpus);
        if (!done.ok && (await alive(pid))) {
          await split.restore();
          return none(`could not move pid ${pid} onto CPUs ${system_cpus.join(',')}: ${done.error}`);
        }
        if (done.ok) systemBefore.set(pid, before);
      }
    }
    const self = await pin(process.pid, generator_cpus);
    if (!self.ok) { await split.restore(); return none(`could not move the generator onto CPUs ${generator_cpus.join(',')}: ${self.error}`); }
    split.report.system_processes = systemBefore.size;
    return split;
  }

  /** Every process back on the CPUs it had (a process that exited meanwhile is skipped). */
  async restore(): Promise<void> {
    if (this.generatorBefore.length > 0) await pin(process.pid, this.generatorBefore);
    for (const [pid, cpus] of this.systemBefore) await pin(pid, cpus);
    this.systemBefore.clear();
  }
}
