// The fault proxy's control API driven by an unmodified Toxiproxy client (toxiproxy-node-client):
// what a team's existing Toxiproxy code does must work against the testbed.
import net from 'node:net';
import { rm } from 'node:fs/promises';
import { Toxiproxy, type Latency } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunDir } from '../local/temp-dir.js';
import { FaultProxy } from './fault-proxy.js';

let fp: FaultProxy;
let runDir: string;
let client: Toxiproxy;
let echoPort: number;
const echo = net.createServer((s) => { s.on('error', () => {}); s.on('data', (d) => s.write(d)); });

function roundTrip_ms(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const s = net.connect(port, '127.0.0.1', () => s.write('ping'));
    s.once('data', () => { s.destroy(); resolve(performance.now() - start); });
    s.once('error', reject);
  });
}

beforeAll(async () => {
  runDir = await makeRunDir();
  fp = await new FaultProxy({ runDir }).start();
  client = new Toxiproxy(`http://127.0.0.1:${fp.controlPort}`);
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
});
afterAll(async () => { await fp?.stop(); echo.close(); await rm(runDir, { recursive: true, force: true }); });

describe('Toxiproxy wire compatibility (toxiproxy-node-client 4)', () => {
  it('creates, lists, gets, disables and re-enables a proxy', async () => {
    const proxy = await client.createProxy({ name: 'pg', listen: 'localhost:0', upstream: `127.0.0.1:${echoPort}` });
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(proxy.upstream).toBe(`127.0.0.1:${echoPort}`);
    const port = Number(proxy.listen.split(':')[1]);
    expect(await roundTrip_ms(port)).toBeLessThan(100);
    const all = await client.getAll();
    expect(Object.keys(all)).toContain('pg');
    const off = await proxy.update({ ...proxy.toJson(), enabled: false });
    expect(off.enabled).toBe(false);
    await expect(roundTrip_ms(port)).rejects.toThrow(/ECONNREFUSED/);
    await off.update({ ...off.toJson(), enabled: true });
    expect((await client.get('pg')).enabled).toBe(true);
    expect(await roundTrip_ms(port)).toBeLessThan(100);
  });

  it('adds, reads, updates and removes a latency toxic on one stream', async () => {
    const proxy = await client.get('pg');
    const port = Number(proxy.listen.split(':')[1]);
    const toxic = await proxy.addToxic<Latency>({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 150, jitter: 0 } });
    expect(toxic.toJson()).toEqual({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 150, jitter: 0 } });
    const slowed = await roundTrip_ms(port);
    expect(slowed).toBeGreaterThanOrEqual(145);
    expect(slowed).toBeLessThan(290); // downstream only, not both ways
    const read = await proxy.getToxic<Latency>('slow');
    expect(read.attributes.latency).toBe(150);
    const faster = await read.update({ ...read.toJson(), attributes: { latency: 20, jitter: 0 } });
    expect(faster.attributes).toEqual({ latency: 20, jitter: 0 });
    expect(await roundTrip_ms(port)).toBeLessThan(145);
    await faster.remove();
    await expect(proxy.getToxic('slow')).rejects.toThrow(/404/);
  });

  it('reset removes every toxic and enables every proxy; populate creates or updates; version answers', async () => {
    const proxy = await client.get('pg');
    await proxy.addToxic({ name: 'cut', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
    await proxy.update({ ...proxy.toJson(), enabled: false });
    await client.reset();
    const after = await client.get('pg');
    expect(after.enabled).toBe(true);
    expect(await roundTrip_ms(Number(after.listen.split(':')[1]))).toBeLessThan(100);
    const populated = await client.populate([{ name: 'pg', listen: after.listen, upstream: `127.0.0.1:${echoPort}` }, { name: 'redis', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` }]);
    expect(Object.keys(populated).sort()).toEqual(['pg', 'redis']);
    expect(await client.getVersion()).toMatch(/^2\./);
    await populated.redis!.remove();
    await expect(client.get('redis')).rejects.toThrow(/404/);
  });

  it('refuses what Toxiproxy would, with a status and a reason', async () => {
    const proxy = await client.get('pg');
    await expect(proxy.addToxic({ name: 'x', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency_ms: 5 } } as never)).rejects.toThrow(/400/);
    await expect(client.createProxy({ name: 'pg', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` })).rejects.toThrow(/409/);
    const raw = await fetch(`http://127.0.0.1:${fp.controlPort}/proxies/pg/toxics`, { method: 'POST', body: JSON.stringify({ type: 'latency', attributes: { latency_ms: 5 } }) });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: 'toxic latency has no attribute "latency_ms"; it has latency, jitter', status: 400 });
  });
});
