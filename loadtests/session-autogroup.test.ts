import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { autogroupScheduling, parseAutogroup, readAutogroup } from './session-autogroup.js';

const initAutogroup = (() => { try { return readFileSync('/proc/1/autogroup', 'utf8'); } catch { return undefined; } })();
const autogroupsOn = autogroupScheduling() === 'on';

describe('session autogroup', () => {
  it('reads a session\'s autogroup and its nice value', () => {
    expect(parseAutogroup('/autogroup-85 nice -10\n')).toEqual({ id: '/autogroup-85', nice: -10 });
  });

  it('takes an empty file for a session in the root task group, not an error (CI runs in PID 1\'s session)', () => {
    expect(parseAutogroup('')).toBeUndefined();
  });

  it('rejects a file it does not understand, naming it', () => {
    expect(() => parseAutogroup('garbage\n', '/proc/7/autogroup')).toThrow('unexpected /proc/7/autogroup: "garbage\\n"');
  });

  // On machines whose init's session has no autogroup (this kind's, and its CI): what CI's runner saw.
  it.runIf(autogroupsOn && initAutogroup === '')('says why there is nothing to raise for a session in the root task group', () => {
    const group = readAutogroup(1);
    expect(group.nice).toBeUndefined();
    expect(group.reason).toMatch(/root task group/);
  });
});
