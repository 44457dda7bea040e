import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnections } from './connection-warmup.js';
import { loadPool } from './open-model.js';

let server: http.Server;
let connections = 0;
let target = '';
beforeAll(async () => {
  server = http.createServer((_req, res) => { setTimeout(() => res.end('ok'), 20); });
  server.on('connection', () => { connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => { server.closeAllConnections(); server.close(); });

describe('openConnections', () => {
  it('opens n keep-alive connections that the load then reuses', async () => {
    const pool = loadPool(target, { timeout_ms: 5_000 });
    connections = 0;
    expect(await openConnections(pool, 40)).toBe(40);
    expect(connections).toBe(40);
    // 40 requests at once again: no new connection, they were kept.
    await Promise.all(Array.from({ length: 40 }, () => pool.request({ path: '/', method: 'GET' })));
    expect(connections).toBe(40);
    await pool.close();
  });

  it('refuses a count it cannot open', async () => {
    const pool = loadPool(target, { timeout_ms: 5_000 });
    await expect(openConnections(pool, 2_000)).rejects.toThrow(/integer from 0 to 1024, got 2000/);
    await expect(openConnections(pool, 1.5)).rejects.toThrow(/got 1.5/);
    await pool.close();
  });
});
