import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlbEmulator } from './alb.js';

// Real HAProxy data plane, real Node control plane, real HTTP targets on sockets.
interface Target { url: string; healthy: boolean; delay_ms: number; hits: number; close(): Promise<void> }

async function target(): Promise<Target> {
  const t = { healthy: true, delay_ms: 0, hits: 0 } as Target;
  const server = http.createServer((req, res) => {
    if (req.url === '/health') { res.writeHead(t.healthy ? 200 : 500).end(); return; }
    t.hits++;
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), t.delay_ms);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return t;
}

let dir: string;
let alb: AlbEmulator;
const targets: Target[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'alb-test-'));
  alb = await new AlbEmulator({ runDir: dir, config: {
    health: { interval_ms: 100, timeout_ms: 80, healthy_threshold: 2, unhealthy_threshold: 2 },
    deregistration_delay_ms: 300, idle_timeout_ms: 500,
  } }).start();
});
afterAll(async () => { await alb?.stop(); for (const t of targets) await t.close(); await rm(dir, { recursive: true, force: true }); });

const get = async () => {
  const res = await fetch(alb.url + '/x', { signal: AbortSignal.timeout(5_000) });
  await res.text();
  return { status: res.status, target: res.headers.get('x-testbed-target') };
};

describe('ALB emulator (HAProxy data plane)', () => {
  it('answers 503 while no target is registered', async () => {
    expect((await get()).status).toBe(503);
  });

  it('routes round robin over healthy targets and names the target', async () => {
    targets.push(await target(), await target());
    await alb.register('a-1', targets[0]!.url, 'a');
    await alb.register('b-1', targets[1]!.url, 'b');
    await Promise.all([alb.waitForState('a-1', 'healthy'), alb.waitForState('b-1', 'healthy')]);
    const seen = await Promise.all(Array.from({ length: 10 }, get));
    expect(seen.every((s) => s.status === 200)).toBe(true);
    expect(new Set(seen.map((s) => s.target))).toEqual(new Set(['a-1', 'b-1']));
    expect((await alb.stats()).requests).toBeGreaterThanOrEqual(10);
  });

  it('answers 504 when a target is slower than the idle timeout', async () => {
    targets[0]!.delay_ms = 1_000; targets[1]!.delay_ms = 1_000;
    expect((await get()).status).toBe(504);
    targets[0]!.delay_ms = 0; targets[1]!.delay_ms = 0;
  });

  it('fails open when every target is unhealthy: requests still reach them', async () => {
    targets[0]!.healthy = false; targets[1]!.healthy = false;
    await Promise.all([alb.waitForState('a-1', 'unhealthy'), alb.waitForState('b-1', 'unhealthy')]);
    expect((await get()).status).toBe(200);
    targets[0]!.healthy = true; targets[1]!.healthy = true;
    await Promise.all([alb.waitForState('a-1', 'healthy'), alb.waitForState('b-1', 'healthy')]);
  });

  it('stops sending to an unhealthy target while another is healthy', async () => {
    targets[1]!.healthy = false;
    await alb.waitForState('b-1', 'unhealthy');
    const seen = await Promise.all(Array.from({ length: 6 }, get));
    expect(new Set(seen.map((s) => s.target))).toEqual(new Set(['a-1']));
    targets[1]!.healthy = true;
    await alb.waitForState('b-1', 'healthy');
  });

  it('deregistration drains the target, then removes it after the delay', async () => {
    await alb.deregister('b-1');
    const hits = targets[1]!.hits;
    const seen = await Promise.all(Array.from({ length: 6 }, get));
    expect(new Set(seen.map((s) => s.target))).toEqual(new Set(['a-1']));
    expect(targets[1]!.hits).toBe(hits);
    await alb.waitForState('b-1', 'removed', 5_000);
  });

  it('answers 502 when the target refuses the connection before health checks notice', async () => {
    await targets[0]!.close();
    const first = await get();
    expect(first.status).toBe(502);
  });
});

describe('ALB emulator slow start', () => {
  it('a new target gets a growing share: few requests at first, an even share after the slow start', async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'alb-slow-'));
    const slow = await new AlbEmulator({ runDir: d, config: { health: { interval_ms: 100, timeout_ms: 80, healthy_threshold: 1, unhealthy_threshold: 2 }, slow_start_ms: 2_000 } }).start();
    const [old, fresh] = [await target(), await target()];
    const share = async () => {
      const before = fresh.hits;
      for (let i = 0; i < 40; i++) await (await fetch(slow.url + '/x')).text();
      return (fresh.hits - before) / 40;
    };
    try {
      await slow.register('old', old.url, 'a');
      await slow.waitForState('old', 'healthy');
      await new Promise((r) => setTimeout(r, 2_100)); // the first target is past its own slow start
      await slow.register('new', fresh.url, 'b');
      await slow.waitForState('new', 'healthy');
      const early = await share();
      await new Promise((r) => setTimeout(r, 2_100));
      const late = await share();
      expect(early).toBeLessThan(0.35);
      expect(late).toBeGreaterThan(0.4);
    } finally {
      await slow.stop(); await old.close(); await fresh.close(); await rm(d, { recursive: true, force: true });
    }
  });
});

describe('ALB emulator weighted target groups (blue/green)', () => {
  it('splits requests by the listener weights, and each group fails open on its own', async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'alb-weights-'));
    const lb = await new AlbEmulator({ runDir: d, config: { health: { interval_ms: 100, timeout_ms: 80, healthy_threshold: 1, unhealthy_threshold: 1 } } }).start();
    const [blue, green1, green2] = [await target(), await target(), await target()];
    const served = async (n: number) => {
      const by = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const res = await fetch(lb.url + '/x');
        await res.text();
        const t = res.headers.get('x-testbed-target') ?? String(res.status);
        by.set(t, (by.get(t) ?? 0) + 1);
      }
      return by;
    };
    try {
      await lb.register('blue-1', blue.url, 'a');
      await lb.register('green-1', green1.url, 'a', 'green');
      await lb.register('green-2', green2.url, 'b', 'green');
      await Promise.all(['blue-1', 'green-1', 'green-2'].map((id) => lb.waitForState(id, 'healthy')));
      // Registered but not in the forward action: no traffic (the replacement task set, before the shift).
      expect(await served(20)).toEqual(new Map([['blue-1', 20]]));

      await lb.setWeights({ blue: 90, green: 10 });
      const tenth = await served(200);
      const greenShare = ((tenth.get('green-1') ?? 0) + (tenth.get('green-2') ?? 0)) / 200;
      expect(greenShare).toBeGreaterThan(0.05);
      expect(greenShare).toBeLessThan(0.15);
      expect(Math.abs((tenth.get('green-1') ?? 0) - (tenth.get('green-2') ?? 0))).toBeLessThanOrEqual(2);

      await lb.setWeights({ blue: 0, green: 100 });
      expect([...(await served(20)).keys()].sort()).toEqual(['green-1', 'green-2']);
      // Every green target unhealthy: the green group fails open to them; blue, at weight 0, gets nothing.
      green1.healthy = false; green2.healthy = false;
      await Promise.all([lb.waitForState('green-1', 'unhealthy'), lb.waitForState('green-2', 'unhealthy')]);
      expect([...(await served(10)).keys()].sort()).toEqual(['green-1', 'green-2']);
      expect((await lb.stats()).weights).toEqual({ blue: 0, green: 100 });
      await expect(lb.setWeights({ blue: 0, green: 0 })).rejects.toThrow(/at least one target group needs a weight above 0/);
      await expect(lb.setWeights({ blue: 1000 })).rejects.toThrow(/integer 0..999/);
    } finally {
      await lb.stop(); await blue.close(); await green1.close(); await green2.close(); await rm(d, { recursive: true, force: true });
    }
  });
});
