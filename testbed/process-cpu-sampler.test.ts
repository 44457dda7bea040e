import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CPU_SERIES_PREFIX, GENERATOR_SERIES, MACHINE_SERIES, OTHER_SERIES, ProcessCpuSampler } from './process-cpu-sampler.js';

const SPIN_MS = 1_200;

describe('CPU per process per second', () => {
  it('charges a spinning process its CPU, an idle one none, and skips the interval in which a name changed pid', async () => {
    const spin = spawn(process.execPath, ['-e', `const e = Date.now() + ${SPIN_MS}; while (Date.now() < e); setTimeout(() => {}, 5000)`]);
    const idle = spawn('sleep', ['5']);
    const other = spawn('sleep', ['5']);
    let swapped = false;
    try {
      const sampler = new ProcessCpuSampler(() => [
        { name: 'spin', pid: spin.pid }, { name: 'idle', pid: idle.pid },
        { name: 'swapped', pid: swapped ? other.pid : idle.pid }, { name: 'not started', pid: undefined },
      ], 200).start(performance.now());
      await new Promise((r) => setTimeout(r, 700));
      swapped = true;
      await new Promise((r) => setTimeout(r, 500));
      const series = new Map((await sampler.stop()).map((s) => [s.name, s.points]));
      const total = (name: string) => (series.get(CPU_SERIES_PREFIX + name) ?? []).reduce((t, [, v]) => t + v * 0.2, 0);
      // The spinner burns a core for SPIN_MS; on a shared machine it gets at least a third of one.
      expect(total('spin')).toBeGreaterThan(SPIN_MS / 3);
      expect(total('idle')).toBeLessThan(50);
      // 'swapped' changed pid once: one interval fewer than 'idle', not a jump of one process's lifetime CPU.
      expect(series.get(CPU_SERIES_PREFIX + 'swapped')!.length).toBe(series.get(CPU_SERIES_PREFIX + 'idle')!.length - 1);
      expect(series.has(CPU_SERIES_PREFIX + 'not started')).toBe(false);
      // The machine's busy time holds the spinner's; the generator (this process) and the rest are there.
      const machine = series.get(MACHINE_SERIES)!, spinPts = series.get(CPU_SERIES_PREFIX + 'spin')!;
      expect(machine.reduce((t, [, v]) => t + v, 0)).toBeGreaterThanOrEqual(0.9 * spinPts.reduce((t, [, v]) => t + v, 0));
      expect(series.get(GENERATOR_SERIES)!.length).toBe(machine.length);
      expect(series.get(OTHER_SERIES)!.every(([, v]) => v >= 0)).toBe(true);
    } finally {
      for (const c of [spin, idle, other]) c.kill('SIGKILL');
    }
  });

  it('refuses an interval too short to mean anything in 10 ms ticks', () => {
    expect(() => new ProcessCpuSampler(() => [], 10)).toThrow(/interval_ms must be >= 100/);
  });
});
