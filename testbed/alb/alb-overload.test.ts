import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlbEmulator } from './alb.js';
import { CUT_QUEUE_MIN, type OverloadState } from './overload-detector.js';

// The queue cut under sustained overload, on the real HAProxy data plane with a real slow target:
// 4 requests at once, 100 ms each, so the group serves ~40/s. 150/s offered for 1.5 s is ~3.75x that.
const TARGET_DELAY_MS = 100;
const limits = { target_requests_max: 4, queue_requests_max: 200, queue_timeout_ms: 10_000 };
const OFFER_PER_S = 150;
const OFFER_MS = 1_500;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => { await cleanup?.(); cleanup = undefined; });

async function albWithSlowTarget(overload_queue_wait_ms: number): Promise<AlbEmulator> {
  const server = http.createServer((req, res) => {
    if (req.url === '/health') { res.writeHead(200).end(); return; }
    setTimeout(() => res.writeHead(200).end('ok'), TARGET_DELAY_MS);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'alb-overload-test-'));
  const alb = await new AlbEmulator({ runDir: dir, config: {
    health: { interval_ms: 100, timeout_ms: 80, healthy_threshold: 1, unhealthy_threshold: 2 }, ...limits, overload_queue_wait_ms,
  } }).start();
  cleanup = async () => { await alb.stop(); server.closeAllConnections(); server.close(); await rm(dir, { recursive: true, force: true }); };
  await alb.register('t-1', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'a');
  await alb.waitForState('t-1', 'healthy');
  return alb;
}

/** Offers OFFER_PER_S for OFFER_MS; returns how many were refused queue-full and how fast, and the ALB's judgement at the end of the offer. */
async function offer(alb: AlbEmulator): Promise<{ refused: number; refused_ms_max: number; served: number; admission: OverloadState }> {
  const sends: Promise<{ refused: boolean; ms: number }>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < (OFFER_PER_S * OFFER_MS) / 1000; i++) {
    while (performance.now() - t0 < (i * 1000) / OFFER_PER_S) await new Promise((r) => setTimeout(r, 2));
    const sent = performance.now();
    sends.push(fetch(alb.url + '/pay', { signal: AbortSignal.timeout(15_000) }).then(async (res) => {
      await res.text();
      return { refused: res.headers.get('x-testbed-alb') === 'queue-full', ms: performance.now() - sent };
    }));
  }
  const { admission } = await alb.stats();
  const all = await Promise.all(sends);
  const refused = all.filter((r) => r.refused);
  return { refused: refused.length, refused_ms_max: Math.max(0, ...refused.map((r) => r.ms)), served: all.length - refused.length, admission };
}

describe('ALB emulator: the queue is cut under sustained overload', () => {
  it('refuses the excess at once once the offered load exceeds what the group serves, and says so in its stats', async () => {
    const alb = await albWithSlowTarget(100);
    const r = await offer(alb);
    // Cut to CUT_QUEUE_MIN (40/s x 100 ms is only 4): the excess is refused, not queued for seconds.
    expect(r.admission).toMatchObject({ overloaded: true, queue_requests_max: CUT_QUEUE_MIN });
    expect(r.refused).toBeGreaterThan(100);
    expect(r.refused_ms_max).toBeLessThan(250);
    expect(r.served).toBeLessThan(limits.queue_requests_max);
    // The cut is on record for the report, with the wall-clock time it was decided.
    const { admission_changes } = await alb.stats();
    expect(admission_changes[0]).toMatchObject({ overloaded: true, reason: 'arrivals', queue_requests_max: CUT_QUEUE_MIN });
    expect(Date.parse(admission_changes[0]!.at)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('with overload_queue_wait_ms 0 the whole queue_requests_max is used: nothing refused, the excess waits', async () => {
    const alb = await albWithSlowTarget(0);
    const r = await offer(alb);
    expect(r.refused).toBe(0);
    expect(r.admission).toMatchObject({ overloaded: false, queue_requests_max: limits.queue_requests_max });
  });
});
