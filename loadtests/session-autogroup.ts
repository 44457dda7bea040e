import { readFileSync, writeFileSync } from 'node:fs';

const AUTOGROUP_FILE = '/proc/self/autogroup';
const ENABLED_FILE = '/proc/sys/kernel/sched_autogroup_enabled';

/**
 * Linux's autogroups: with `sched_autogroup_enabled` = 1 the scheduler first shares the CPU between
 * sessions, and only then between the threads of a session by their nice values. The testbed starts
 * its processes detached (each its own session, so it can kill their process groups), so a thread's
 * nice value weighs nothing against them: measured 2026-12-03 at 2x the overload knee, the
 * generator thread at nice -10 still waited 0.4-0.5 s of every second to run (schedstat) and got
 * ~0.5 of a core; with the session's autogroup at -10 it waited 0.11-0.15 s.
 */
export interface Autogroup {
  /** The session's autogroup nice value, or undefined where there is none to raise (see `reason`). */
  nice: number | undefined;
  reason?: string;
}

/**
 * Parses /proc/<pid>/autogroup ("/autogroup-<id> nice <n>"). The kernel prints nothing for a
 * session in the root task group rather than an autogroup of its own: a child of init that never
 * called setsid (seen in CI, where the job runs in PID 1's session), or one whose autogroup could
 * not be made. That is undefined here, not an error.
 */
export function parseAutogroup(text: string, file = 'autogroup'): { id: string; nice: number } | undefined {
  if (text.trim() === '') return undefined;
  const m = /^(\S+)\s+nice\s+(-?\d+)/.exec(text);
  if (!m) throw new Error(`unexpected ${file}: ${JSON.stringify(text)}`);
  return { id: m[1]!, nice: Number(m[2]) };
}

/** A process's autogroup; undefined when its session is in the root task group (parseAutogroup). */
export function autogroupOf(pid: number | 'self'): { id: string; nice: number } | undefined {
  const file = `/proc/${pid}/autogroup`;
  return parseAutogroup(readFileSync(file, 'utf8'), file);
}

/** Whether the kernel schedules by autogroup: 'absent' where it has no autogroups at all. */
export function autogroupScheduling(): 'on' | 'off' | 'absent' {
  try {
    return readFileSync(ENABLED_FILE, 'utf8').trim() === '1' ? 'on' : 'off'; // present exactly where the kernel has autogroups
  } catch {
    return 'absent';
  }
}

/** A session's autogroup nice (this runner's by default), or why there is none to raise. */
export function readAutogroup(pid: number | 'self' = 'self'): Autogroup {
  const scheduling = autogroupScheduling();
  if (scheduling === 'absent') return { nice: undefined, reason: 'no autogroup scheduling in this kernel' };
  if (scheduling === 'off') return { nice: undefined, reason: 'autogroup scheduling is off: thread nice values weigh across the machine' };
  const group = autogroupOf(pid);
  // In the root task group each thread is weighed by its nice against each autogroup as a whole,
  // so the raised thread already outweighs a detached testbed process: nothing to raise, nothing lost.
  if (group === undefined) return { nice: undefined, reason: 'the runner\'s session is in the root task group, not an autogroup: its raised thread weighs directly against each testbed process\'s autogroup' };
  return { nice: group.nice };
}

/** Sets the session's autogroup nice (lowering it needs root or CAP_SYS_NICE; the error says so). */
export function setAutogroupNice(nice: number): void {
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new Error(`autogroup nice must be an integer in -20..19, got ${nice}`);
  writeFileSync(AUTOGROUP_FILE, String(nice));
}
