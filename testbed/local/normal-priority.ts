import os from 'node:os';

/**
 * A child inherits the nice value of the thread that starts it. The load generator raises its
 * own thread's priority (see loadtests/generator-priority.ts), and the testbed starts processes
 * from that same thread while a load runs (a task relaunched after an AZ comes back, a promoted
 * writer): without this they would run ahead of their peers. Starting them through `nice` puts
 * them back where the runner was before the load began.
 */
export function atNormalPriority(command: string, args: string[]): { command: string; args: string[] } {
  const raisedBy = nice - os.getPriority(0);
  if (raisedBy <= 0) return { command, args };
  return { command: 'nice', args: ['-n', String(raisedBy), command, ...args] };
}

/** The runner's own nice value before a load raised it (a user may start it under `nice`). */
let nice = os.getPriority(0);

/** The generator reads it before it raises its thread, and puts its thread back to it after. */
export const runnerNice = {
  get: (): number => nice,
  remember: (value: number): void => { nice = value; },
};
