import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startCpuWindow, treeCpu_ms } from './process-cpu.js';

const BUSY_MS = 400;

describe('CPU per operation from /proc', () => {
  it('counts a busy child and its exited children, not an idle one', async () => {
    // A parent that spins, and starts (and reaps) a grandchild that spins too.
    const spin = `const e = Date.now() + ${BUSY_MS}; while (Date.now() < e);`;
    const busy = spawn(process.execPath, ['-e', `require('child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(spin)}]); ${spin}; setTimeout(() => {}, 5000)`]);
    const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']);
    try {
      const window = await startCpuWindow({ busy: busy.pid!, idle: idle.pid! });
      await new Promise((r) => setTimeout(r, 2 * BUSY_MS + 600));
      const cost = await window.stop(10);
      const by = Object.fromEntries(cost.by_process.map((p) => [p.name, p.cpu_ms]));
      expect(by.busy).toBeGreaterThan(1.5 * BUSY_MS * 0.8); // both spins, in 10 ms ticks, on a shared machine
      expect(by.idle).toBeLessThan(BUSY_MS / 2);
      expect(cost.total_cpu_ms_per_op).toBeCloseTo(cost.by_process.reduce((t, p) => t + p.cpu_ms, 0) / 10, 0);
      expect((await treeCpu_ms({ gone: 2 ** 22 + 1 })).gone).toBe(0); // no such process: nothing, no throw
    } finally {
      busy.kill('SIGKILL'); idle.kill('SIGKILL');
    }
  });

  it('refuses a window of no operations', async () => {
    const window = await startCpuWindow({});
    await expect(window.stop(0)).rejects.toThrow(/ops must be positive/);
  });
});
