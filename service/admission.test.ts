import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Admission, QueueDelay } from './admission.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('QueueDelay (CoDel-style standing queue)', () => {
  it('a burst that drains does not stand; a queue whose shortest wait exceeds the target does', async () => {
    let oldest = 0;
    const q = new QueueDelay(50, 20, () => oldest);
    q.observe(80); q.observe(3); // one long wait, one short: the minimum is what counts
    await sleep(30);
    expect(q.stands()).toBe(false);
    q.observe(80); q.observe(60);
    oldest = 70;
    await sleep(30);
    expect(q.stands()).toBe(true);
    // The queue drains within the window: new work is admitted at once, not after the window.
    oldest = 0;
    expect(q.stands()).toBe(false);
    oldest = 70;
    expect(q.stands()).toBe(true);
    // Nothing left the queue for a whole window: the oldest item's age decides.
    oldest = 10;
    await sleep(30);
    expect(q.stands()).toBe(false);
  });

  it('target 0 turns it off', async () => {
    const q = new QueueDelay(0, 10, () => 1_000);
    q.observe(1_000);
    await sleep(20);
    expect(q.stands()).toBe(false);
  });
});

describe('Admission', () => {
  it('refuses beyond the in-flight bound and while the queue stands, at once, never probes', async () => {
    let stands = false;
    const release: (() => void)[] = [];
    const admission = new Admission({ inflight_max: 2 }, () => stands);
    let refused = 0;
    const server = http.createServer(admission.wrap((req, res) => {
      if (req.url === '/health') { res.end('ok'); return; }
      release.push(() => res.end('done'));
    }, () => { refused++; }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const held = [fetch(url + '/a'), fetch(url + '/b')];
      while (admission.inFlight < 2) await sleep(5);
      const third = await fetch(url + '/c');
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toBe('1');
      expect(await third.json()).toMatchObject({ code: 'overloaded' });
      expect((await fetch(url + '/health')).status).toBe(200);
      for (const r of release.splice(0)) r();
      await Promise.all(held);
      stands = true;
      expect((await fetch(url + '/d')).status).toBe(503);
      stands = false;
      const ok = fetch(url + '/e');
      while (release.length === 0) await sleep(5);
      release.shift()!();
      expect((await ok).status).toBe(200);
      expect(refused).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
