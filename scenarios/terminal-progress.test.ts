import { describe, expect, it } from 'vitest';
import { progressLine } from './phases/load.js';
import { terminalProgress } from './terminal-progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (s: string) => { writes.push(s); return true; } } as unknown as NodeJS.WriteStream };
}

describe('progress output', () => {
  it('on a terminal the load status is one line updated in place; lines that stay clear it first', () => {
    const { writes, stream } = fakeStream(true);
    const p = terminalProgress(stream);
    p.status('[s] 1/75s ETA 74s');
    p.status('[s] 2/75s ETA 73s');
    p.line('[s] t=2.1s instance_killed {}');
    p.status('[s] 3/75s ETA 72s');
    expect(writes).toEqual([
      '[s] 1/75s ETA 74s',
      '\r\x1b[K', '[s] 2/75s ETA 73s',
      '\r\x1b[K', '[s] t=2.1s instance_killed {}\n',
      '[s] 3/75s ETA 72s',
    ]);
  });

  it('in a log (not a terminal) every status is its own line, so CI keeps the per-second detail', () => {
    const { writes, stream } = fakeStream(false);
    const p = terminalProgress(stream);
    p.status('a');
    p.line('b');
    p.status('c');
    expect(writes).toEqual(['a\n', 'b\n', 'c\n']);
  });

  it('a status line longer than the terminal is cut to its width', () => {
    const { writes, stream } = fakeStream(true);
    terminalProgress(stream).status('x'.repeat(200));
    expect(writes[0]).toHaveLength(59);
  });

  it('the status says elapsed/total and the time left', () => {
    const line = progressLine('baseline', { t_s: 30.2, phase: 'measure', inflight: 12, last_s: { sent: 1000, ok: 998, errors: 2, p99_ms: 87.25 } }, 75);
    expect(line).toBe('[baseline]  30/75s ETA 45s measure sent/s=1000 ok/s=998 err/s=2 p99=87.3ms inflight=12');
  });
});
