import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../testbed/local/managed-process.js';
import { makeRunDir } from '../testbed/local/temp-dir.js';
import { GENERATOR_NICE_RAISE, raiseGeneratorPriority } from './generator-priority.js';
import { readAutogroup } from './session-autogroup.js';

/** Field 19 of /proc/<pid>/stat: the nice value of the process's main thread. */
const niceOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
/** /proc/<pid>/autogroup: "/autogroup-<id> nice <n>". */
const autogroupOf = (pid: number) => { const [, id, nice] = /^(\S+) nice (-?\d+)/.exec(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))!; return { id, nice: Number(nice) }; };
const autogroups = readAutogroup().nice !== undefined;
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
      expect(niceOf(managed.pid!)).toBe(before);
      // What the wrapper is for: a plain spawn from the raised thread inherits its priority.
      const plain = spawn('sleep', ['30'], { stdio: 'ignore' });
      started.push({ stop: async () => { plain.kill('SIGKILL'); } });
      expect(niceOf(plain.pid!)).toBe(priority.nice);
    } finally {
      priority.restore();
    }
    expect(os.getPriority(0)).toBe(before);
  });

  it.runIf(canRaise && autogroups)('raises the session\'s autogroup too, which a detached testbed process is outside of', async () => {
    const before = readAutogroup().nice!;
    const priority = raiseGeneratorPriority();
    try {
      expect(priority.autogroup_nice).toBe(Math.max(-20, before - GENERATOR_NICE_RAISE));
      expect(autogroupOf(process.pid).nice).toBe(priority.autogroup_nice);
      const runDir = await makeRunDir();
      const managed = new ManagedProcess({ name: 'sleeper', command: 'sleep', args: ['30'], runDir, logFile: path.join(runDir, 'sleeper.log'), stop_timeout_ms: 1_000 });
      started.push({ stop: async () => { await managed.stop(); await rm(runDir, { recursive: true, force: true }); } });
      await managed.start();
      // Its own session, so its own autogroup at the default weight: the scheduler shares the CPU
      // between it and the runner's group before any thread's nice value counts.
      expect(autogroupOf(managed.pid!).id).not.toBe(autogroupOf(process.pid).id);
      expect(autogroupOf(managed.pid!).nice).toBe(0);
    } finally {
      priority.restore();
    }
    expect(readAutogroup().nice).toBe(before);
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
