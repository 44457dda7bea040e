import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.js';

describe('EventLog.addAt', () => {
  it('puts an event recorded elsewhere at its place on the run clock, between the ones around it', async () => {
    const log = new EventLog();
    log.add('first');
    await new Promise((r) => setTimeout(r, 60));
    const middle_epoch_ms = Date.now() - 30;
    log.add('last');
    log.addAt('elsewhere', { n: 1 }, middle_epoch_ms);
    expect(log.events.map((e) => e.kind)).toEqual(['first', 'elsewhere', 'last']);
    const [first, elsewhere, last] = log.events;
    expect(elsewhere!.t_ms).toBeGreaterThanOrEqual(first!.t_ms);
    expect(last!.t_ms - elsewhere!.t_ms).toBeGreaterThanOrEqual(25);
    expect(last!.t_ms - elsewhere!.t_ms).toBeLessThanOrEqual(40);
  });
});
