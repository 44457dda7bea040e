import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./healthcheck.sh', import.meta.url));

/** Runs the image's probe against PORT; resolves its exit code and how long it took. */
function probe(port: number): Promise<{ code: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { env: { PATH: process.env.PATH, PORT: String(port) }, timeout: 10_000 }, (err) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, ms: performance.now() - t0 });
    });
  });
}

describe('the container liveness probe (service/healthcheck.sh)', () => {
  const servers: http.Server[] = [];
  afterEach(async () => { for (const s of servers.splice(0)) { s.closeAllConnections(); await new Promise((r) => s.close(r)); } });
  async function serve(handler: http.RequestListener): Promise<{ port: number; paths: string[] }> {
    const paths: string[] = [];
    const server = http.createServer((req, res) => { paths.push(req.url ?? ''); handler(req, res); });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, paths };
  }

  it('passes on 200 from GET /health', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    expect((await probe(s.port)).code).toBe(0);
    expect(s.paths).toEqual(['/health']);
  });

  it('fails on any other status, a refused connection, or a server that does not answer in 2 s', async () => {
    const unhealthy = await serve((_req, res) => { res.statusCode = 503; res.end(); });
    expect((await probe(unhealthy.port)).code).toBe(1);
    const noContent = await serve((_req, res) => { res.statusCode = 204; res.end(); }); // 2xx, but not 200
    expect((await probe(noContent.port)).code).toBe(1);
    const gone = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r)); // nothing listens on its port now
    expect((await probe(gone.port)).code).toBe(1);
    const silent = await serve(() => { /* never answers */ });
    const slow = await probe(silent.port);
    expect(slow.code).toBe(1);
    expect(slow.ms).toBeGreaterThanOrEqual(1_900);
  });
});
