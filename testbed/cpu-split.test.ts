import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { allowedCpus, CpuSplit, parseCpuList, processTrees } from './cpu-split.js';

describe('parseCpuList', () => {
  it('reads the kernel\'s list format', () => {
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0-3,5\n')).toEqual([0, 1, 2, 3, 5]);
    expect(parseCpuList('4,0-1,1')).toEqual([0, 1, 4]);
  });
  it('refuses what is not a list, saying what was expected', () => {
    expect(() => parseCpuList('')).toThrow(/not a CPU list: "" \(expected e.g. "0-3,5"\)/);
    expect(() => parseCpuList('1-x')).toThrow(/not a CPU list/);
    expect(() => parseCpuList('3-1')).toThrow(/range 3-1 is empty/);
    expect(() => parseCpuList('0-9000')).toThrow(/past CPU 8191/);
  });
});

const linux = process.platform === 'linux';
const cpus = linux ? (await allowedCpus('self')).length : 0;

describe.runIf(linux)('CpuSplit (real processes, taskset)', () => {
  const started: ChildProcess[] = [];
  afterEach(() => { for (const c of started.splice(0)) c.kill('SIGKILL'); });

  /** A shell with a child of its own: a tree like a postmaster and its backends. */
  async function tree(): Promise<{ root: number; child: number }> {
    const sh = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(sh);
    const child = await new Promise<number>((resolve) => sh.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    return { root: sh.pid!, child };
  }

  it.runIf(cpus >= 2)('moves the system\'s trees (descendants too) off the generator\'s CPUs and puts everything back', async () => {
    const before = await allowedCpus('self');
    const t = await tree();
    expect((await processTrees([t.root])).sort()).toEqual([t.root, t.child].sort());
    const split = await CpuSplit.apply({ generator_cpus: 1, system_roots: [t.root] });
    try {
      expect(split.report).toEqual({ applied: true, generator_cpus: before.slice(-1), system_cpus: before.slice(0, -1), system_processes: 2 });
      expect(await allowedCpus('self')).toEqual(before.slice(-1));
      expect(await allowedCpus(t.root)).toEqual(before.slice(0, -1));
      expect(await allowedCpus(t.child)).toEqual(before.slice(0, -1));
    } finally {
      await split.restore();
    }
    expect(await allowedCpus('self')).toEqual(before);
    expect(await allowedCpus(t.child)).toEqual(before);
  });

  it('does not split a machine with too few CPUs for both sides, and says why', async () => {
    const t = await tree();
    const split = await CpuSplit.apply({ generator_cpus: cpus, system_roots: [t.root] });
    expect(split.report).toMatchObject({ applied: false, system_processes: 0, reason: `a split needs ${cpus + 1} CPUs (${cpus} for the generator, 1 or more for the system); this process may use ${cpus}` });
    expect(await allowedCpus(t.root)).toEqual(await allowedCpus('self'));
  });

  it('refuses a generator share that is not a whole CPU, and its own process among the system\'s', async () => {
    await expect(CpuSplit.apply({ generator_cpus: 0.5, system_roots: [] })).rejects.toThrow(/generator_cpus must be an integer >= 1, got 0.5/);
    if (cpus >= 2) await expect(CpuSplit.apply({ generator_cpus: 1, system_roots: [process.pid] })).rejects.toThrow(/generator's own process is among the system's roots/);
    expect((await allowedCpus('self')).length).toBe(cpus);
  });
});
