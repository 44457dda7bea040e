import { describe, expect, it } from 'vitest';
import { statFieldsIn, statFieldsOf } from './proc-tree.js';

describe('/proc/<pid>/stat fields', () => {
  it('are counted after the last ")", so a command name holding ") " does not shift them', () => {
    // pid (comm) state ppid pgrp ...: a name "a) b" once made a split on the first ") " read "b" as the state.
    expect(statFieldsIn('4242 (a) b) S 1 4242 4242 0 -1').slice(0, 3)).toEqual(['S', '1', '4242']);
  });

  it("read this process's own parent and group", async () => {
    const f = await statFieldsOf(process.pid);
    expect(Number(f[1])).toBe(process.ppid);
    expect(Number(f[2])).toBeGreaterThan(0);
    await expect(statFieldsOf(2 ** 22 + 1)).rejects.toThrow(); // past pid_max: no such process
  });
});
