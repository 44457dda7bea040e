import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { albConfigSchema } from './alb-config.js';
import { AlbEmulator } from './alb.js';

// The ALB's bounded queue, on the real HAProxy data plane with a real slow target.
const limits = { target_requests_max: 2, queue_requests_max: 3, queue_timeout_ms: 1_000 };

let dir: string;
let alb: AlbEmulator;
let server: http.Server;
const seen = { started: 0, concurrent: 0, concurrent_max: 0, delay_ms: 400 };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/health') { res.writeHead(200).end(); return; }
    seen.started++; seen.concurrent++; seen.concurrent_max = Math.max(seen.concurrent_max, seen.concurrent);
    setTimeout(() => { seen.concurrent--; res.writeHead(200).end('ok'); }, seen.delay_ms);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  dir = await mkdtemp(path.join(os.tmpdir(), 'alb-queue-test-'));
  alb = await new AlbEmulator({ runDir: dir, config: {
    health: { interval_ms: 100, timeout_ms: 80, healthy_threshold: 1, unhealthy_threshold: 2 }, ...limits,
  } }).start();
  await alb.register('t-1', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'a');
  await alb.waitForState('t-1', 'healthy');
});
afterAll(async () => {
  await alb?.stop();
  server?.closeAllConnections(); server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function send(signal?: AbortSignal): Promise<{ status: number; ms: number; refused: string | null }> {
  const t0 = performance.now();
  const res = await fetch(alb.url + '/pay', { signal: signal ?? AbortSignal.timeout(5_000) });
  await res.text();
  return { status: res.status, ms: performance.now() - t0, refused: res.headers.get('x-testbed-alb') };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reset(delay_ms: number) { Object.assign(seen, { started: 0, concurrent_max: 0, delay_ms }); }

describe('ALB emulator: bounded queue in front of the targets', () => {
  it('forwards at most target_requests_max at once, queues up to queue_requests_max, refuses the rest at once', async () => {
    reset(400);
    const inFlight = [send(), send()];
    await sleep(100);
    const queued = [send(), send(), send()];
    await sleep(100);
    const refused = await Promise.all([send(), send(), send(), send()]);
    expect(refused.map((r) => [r.status, r.refused])).toEqual(Array(4).fill([503, 'queue-full']));
    // Refused without waiting for a slot (the target takes 400 ms).
    expect(Math.max(...refused.map((r) => r.ms))).toBeLessThan(250);
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    const served = await Promise.all(queued);
    expect(served.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(Math.min(...served.map((r) => r.ms))).toBeGreaterThanOrEqual(500); // waited for a slot, then 400 ms
    expect(seen.concurrent_max).toBe(2);
    expect(seen.started).toBe(5);
  });

  it('answers 502 to a request that waited queue_timeout_ms for a slot, without sending it', async () => {
    reset(1_500);
    const inFlight = [send(), send()];
    await sleep(100);
    const timedOut = await send();
    expect(timedOut.status).toBe(502);
    expect(timedOut.ms).toBeGreaterThanOrEqual(950);
    expect(timedOut.ms).toBeLessThan(1_400);
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    expect(seen.started).toBe(2);
  });

  it('refuses a queue of 0 at configuration: HAProxy would then refuse every request', () => {
    expect(albConfigSchema.safeParse({ listen_port: 0, control_port: 0, queue_requests_max: 0 }).success).toBe(false);
    expect(albConfigSchema.safeParse({ listen_port: 0, control_port: 0, queue_requests_max: 1 }).success).toBe(true);
  });

  it('drops a queued request whose client went away: the target never starts it', async () => {
    reset(400);
    const inFlight = [send(), send()];
    await sleep(100);
    await expect(send(AbortSignal.timeout(100))).rejects.toThrow();
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200]);
    expect((await send()).status).toBe(200);
    expect(seen.started).toBe(3);
  });
});
