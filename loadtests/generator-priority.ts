import os from 'node:os';
import { runnerNice } from '../testbed/local/normal-priority.js';
import { readAutogroup, setAutogroupNice } from './session-autogroup.js';

/**
 * How far the generator's thread is raised above the system under test. In production the
 * clients are other machines; here they share two cores with the service, the ALB and Postgres.
 * At equal priority the scheduler gives the generator a fair share only, and past capacity the
 * answers wait in it: measured 2026-12-02, at 2x a 1,630/s knee the tasks posted 1,250-1,650
 * payments/s while the generator read 25-900 ok/s, and its own lag counted as the system's latency.
 * Raised, the generator still spends its CPU (the bench reports it), but it reads each answer when
 * it arrives. Linux weighs a nice -10 thread ~9x a nice 0 one, but with autogroups on only against
 * the threads of its own session: the session's autogroup is raised too (session-autogroup.ts).
 */
export const GENERATOR_NICE_RAISE = 10;

export interface GeneratorPriority {
  /** The generator thread's nice value during the load; undefined when it could not be raised. */
  nice: number | undefined;
  /**
   * The runner session's autogroup nice during the load (session-autogroup.ts): without raising it
   * too, the thread's nice only counts against the runner's own threads. Undefined where the kernel
   * has no autogroups (then the thread's nice is enough) or it could not be raised (see reason).
   */
  autogroup_nice: number | undefined;
  reason?: string;
  restore(): void;
}

/** Loads running at once (a scenario may run a probe beside its main load): the last one restores. */
let holders = 0;
/** The autogroup nice before the first holder raised it; undefined when it was not raised. */
let autogroupBefore: number | undefined;
let autogroupNote: string | undefined;

/** The session's autogroup nice while it is raised (by this runner or another in the session). */
function raisedAutogroup(): number | undefined {
  const group = readAutogroup().nice;
  return group !== undefined && group <= os.getPriority(0) ? group : undefined;
}

/**
 * Raises the session's autogroup to the raised thread's nice. The autogroup is shared by every
 * process of the session, and runners in one session (vitest's workers) raise and restore it at
 * once: raising relative to what was read stacked up (one worker read another's -10, set -20 and
 * restored -10 after the first had restored 0: the session stayed raised after the suite,
 * measured). So the target is absolute, and only a process that found the group at a lower
 * priority owns the raise and restores it; one that finds it already raised leaves it to its owner
 * (whose restore may then end the raise before that load ends: a lapse, never a stuck session).
 */
function raiseAutogroup(target: number): void {
  const group = readAutogroup();
  autogroupBefore = undefined;
  autogroupNote = group.reason;
  if (group.nice === undefined || group.nice <= target) return;
  try {
    setAutogroupNice(target);
    autogroupBefore = group.nice;
  } catch (err) {
    autogroupNote = `the session's autogroup could not be raised (${(err as { code?: string }).code ?? (err as Error).message}): the generator shares the CPU equally with each process of the testbed`;
  }
}

/**
 * Raises the calling thread (Node's main thread, where the generator's event loop runs; nice is
 * per thread on Linux, so the libuv pool and running children keep theirs). Needs root or
 * CAP_SYS_NICE; without it the load runs at equal priority and says why.
 */
export function raiseGeneratorPriority(): GeneratorPriority {
  if (holders === 0) {
    const before = os.getPriority(0);
    try {
      os.setPriority(0, Math.max(-20, before - GENERATOR_NICE_RAISE));
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      return { nice: undefined, autogroup_nice: undefined, reason: `the generator's priority could not be raised (${code}; needs root or CAP_SYS_NICE): it shares the CPU equally with the system under test`, restore: () => {} };
    }
    runnerNice.remember(before);
    raiseAutogroup(os.getPriority(0));
  }
  holders++;
  let restored = false;
  return {
    nice: os.getPriority(0),
    autogroup_nice: raisedAutogroup(),
    ...(autogroupNote ? { reason: autogroupNote } : {}),
    restore: () => {
      if (restored) return;
      restored = true;
      if (--holders > 0) return;
      os.setPriority(0, runnerNice.get()); // lowering one's own priority is always allowed
      if (autogroupBefore !== undefined) setAutogroupNice(autogroupBefore);
      autogroupBefore = undefined;
    },
  };
}
