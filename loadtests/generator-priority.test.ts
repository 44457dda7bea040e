import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../testbed/local/managed-process.js';
import { makeRunDir } from '../testbed/local/temp-dir.js';
import { statFieldsIn } from '../testbed/proc-tree.js';
import { waitFor } from '../testbed/local/wait-for.js';
import { GENERATOR_NICE_RAISE, raiseGeneratorPriority } from './generator-priority.js';
import { autogroupOf, autogroupScheduling } from './session-autogroup.js';

/** Field 19 of /proc/<pid>/stat: the nice value of the process's main thread. */
const niceOf = (pid: number) => Number(statFieldsIn(readFileSync(`/proc/${pid}/stat`, 'utf8'))[16]);
/** Until the child runs `sleep`: before that exec it is still the fork (at the parent's nice), and `nice -n` has not yet run. */
async function execed(pid: number): Promise<number> {
  await waitFor(`pid ${pid} running sleep`, async () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 2_000, 10);
  return pid;
}
/** Autogroups on: a new session (inOwnSession) gets one even where this runner's session has none (CI). */
const autogroups = autogroupScheduling() === 'on';

/**
 * Runs raise/restore steps in runner processes of a new session (its autogroup starts at nice 0):
 * step "a raise" makes runner a raise; each step answers the session's autogroup nice after it.
 */
async function inOwnSession(steps: string[]): Promise<{ autogroup: number; reported?: number }[]> {
  const runner = `import { raiseGeneratorPriority } from ${JSON.stringify(new URL('./generator-priority.ts', import.meta.url).pathname)};
    import { readAutogroup } from ${JSON.stringify(new URL('./session-autogroup.ts', import.meta.url).pathname)};
    let p; process.stdin.setEncoding('utf8'); let buf = '';
    process.stdin.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\\n')) >= 0) { const cmd = buf.slice(0, i); buf = buf.slice(i + 1);
      if (cmd === 'raise') p = raiseGeneratorPriority(); if (cmd === 'restore') p.restore();
      process.stdout.write(JSON.stringify({ autogroup: readAutogroup().nice, ...(cmd === 'check' ? { reported: p.autogroup_nice } : {}) }) + '\\n'); } });`;
  const leader = `const { spawn } = require('node:child_process'); const readline = require('node:readline');
    const runners = {}; const out = [];
    const get = (n) => runners[n] ??= (() => { const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ${JSON.stringify(runner)}], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = readline.createInterface({ input: c.stdout }); const waiting = []; lines.on('line', (l) => waiting.shift()(JSON.parse(l))); return { c, ask: (cmd) => new Promise((r) => { waiting.push(r); c.stdin.write(cmd + '\\n'); }) }; })();
    (async () => { for (const step of ${JSON.stringify(steps)}) { const [name, cmd] = step.includes(' ') ? step.split(' ') : ['a', step]; out.push(await get(name).ask(cmd)); }
      for (const r of Object.values(runners)) r.c.kill(); console.log(JSON.stringify(out)); })();`;
  const child = spawn(process.execPath, ['-e', leader], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(0);
  return JSON.parse(stdout) as { autogroup: number; reported?: number }[];
}
const canRaise = (() => { try { os.setPriority(0, os.getPriority(0) - 1); os.setPriority(0, os.getPriority(0) + 1); return true; } catch { return false; } })();

describe('generator priority', () => {
  const started: { stop(): Promise<void> }[] = [];
  afterEach(async () => { for (const p of started.splice(0)) await p.stop(); });

  it.runIf(canRaise)('raises the generator thread, and the testbed still starts its processes at the runner\'s priority', async () => {
    const before = os.getPriority(0);
    const priority = raiseGeneratorPriority();
    try {
      expect(priority.nice).toBe(Math.max(-20, before - GENERATOR_NICE_RAISE));
      expect(os.getPriority(0)).toBe(priority.nice);
      const runDir = await makeRunDir();
      const managed = new ManagedProcess({ name: 'sleeper', command: 'sleep', args: ['30'], runDir, logFile: path.join(runDir, 'sleeper.log'), stop_timeout_ms: 1_000 });
      started.push({ stop: async () => { await managed.stop(); await rm(runDir, { recursive: true, force: true }); } });
      await managed.start();
      expect(niceOf(await execed(managed.pid!))).toBe(before);
      // What the wrapper is for: a plain spawn from the raised thread inherits its priority.
      const plain = spawn('sleep', ['30'], { stdio: 'ignore' });
      started.push({ stop: async () => { plain.kill('SIGKILL'); } });
      expect(niceOf(await execed(plain.pid!))).toBe(priority.nice);
    } finally {
      priority.restore();
    }
    expect(os.getPriority(0)).toBe(before);
  });

  it.runIf(canRaise && autogroups)('raises the session\'s autogroup too, which a detached testbed process is outside of', async () => {
    // In a session of its own: vitest's other workers share this one and raise it too.
    const steps = await inOwnSession(['raise', 'check', 'restore']);
    expect(steps).toEqual([{ autogroup: -GENERATOR_NICE_RAISE }, { autogroup: -GENERATOR_NICE_RAISE, reported: -GENERATOR_NICE_RAISE }, { autogroup: 0 }]);
    const runDir = await makeRunDir();
    const managed = new ManagedProcess({ name: 'sleeper', command: 'sleep', args: ['30'], runDir, logFile: path.join(runDir, 'sleeper.log'), stop_timeout_ms: 1_000 });
    started.push({ stop: async () => { await managed.stop(); await rm(runDir, { recursive: true, force: true }); } });
    await managed.start();
    // Its own session, so its own autogroup at the default weight: the scheduler shares the CPU
    // between it and the runner's group before any thread's nice value counts.
    expect(autogroupOf(managed.pid!)?.id).toBeDefined();
    expect(autogroupOf(managed.pid!)?.id).not.toBe(autogroupOf(process.pid)?.id);
    expect(autogroupOf(managed.pid!)?.nice).toBe(0);
  });

  it.runIf(canRaise && autogroups)('two runners in one session neither stack the raise nor leave it behind', async () => {
    // a raises, b finds it raised, a restores (a lapse for b), b restores nothing: the session ends at 0.
    const steps = await inOwnSession(['a raise', 'b raise', 'a restore', 'b restore']);
    expect(steps.map((x) => x.autogroup)).toEqual([-GENERATOR_NICE_RAISE, -GENERATOR_NICE_RAISE, 0, 0]);
  });

  it.runIf(canRaise)('stays raised while any load holds it, and restores once', () => {
    const before = os.getPriority(0);
    const a = raiseGeneratorPriority();
    const b = raiseGeneratorPriority();
    expect(b.nice).toBe(a.nice);
    a.restore();
    a.restore();
    expect(os.getPriority(0)).toBe(a.nice);
    b.restore();
    expect(os.getPriority(0)).toBe(before);
  });

  it.runIf(!canRaise)('says why when it cannot raise the priority (not root, no CAP_SYS_NICE)', () => {
    const p = raiseGeneratorPriority();
    expect(p.nice).toBeUndefined();
    expect(p.reason).toMatch(/could not be raised/);
  });
});
