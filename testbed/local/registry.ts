// Every child process the testbed starts is registered here, so it is killed when this process
// ends for any reason we can observe: normal exit, an uncaught error, SIGINT/SIGTERM/SIGHUP.
// (SIGKILL of the parent cannot be observed; `reapStale` in temp-dir.ts cleans up after that.)
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
let hooked = false;

export function killAll() {
  for (const child of live) {
    try { if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
  for (const fn of cleanups) { try { fn(); } catch { /* best effort: the next run's reap is the backstop */ } }
  cleanups.clear();
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // A program that handles the signal itself (the CLI: report, then tear down) owns the
      // shutdown; it calls killAll when it gives up waiting.
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.off(signal, onSignal);
      // Re-raise with default behaviour so the exit status says how we ended.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

export function track(child: ChildProcess) {
  hook();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export function liveChildren(): number { return live.size; }

/**
 * A synchronous last resort run when this process ends (as `killAll`): for what killing a child
 * does not stop, e.g. a container whose `docker run` client is killed. Returns the unregister call.
 */
export function onExitCleanup(fn: () => void): () => void {
  hook();
  cleanups.add(fn);
  return () => { cleanups.delete(fn); };
}
