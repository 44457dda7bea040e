import os from 'node:os';

/**
 * A child inherits the nice value of the thread that starts it. The load generator raises its
 * own thread's priority (see loadtests/generator-priority.ts), and the testbed starts processes
 * from that same thread while a load runs (a task relaunched after an AZ comes back, a promoted
 * writer): without this they would run ahead of their peers. Starting them through `nice` puts
 * them back where the runner was before the load began.
 */
export function atNormalPriority(command: string, args: string[]): { command: string; args: string[] } {
  const raisedBy = runnerNice - os.getPriority(0);
  if (raisedBy <= 0) return { command, args };
  return { command: 'nice', args: ['-n', String(raisedBy), command, ...args] };
}

/** The runner's own nice value before a load raised it (a user may start it under `nice`). */
let runnerNice = os.getPriority(0);

/** For the generator: the nice value children should keep, read before it raises its own. */
export function rememberRunnerNice(nice: number): void { runnerNice = nice; }
