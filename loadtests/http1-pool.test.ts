import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pool } from './http1-pool.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of closers.splice(0).reverse()) await c(); });

async function httpServer(handler: http.RequestListener): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = http.createServer(handler);
  server.on('connection', () => { connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

/** A server that answers every request's bytes with `reply(requestText)` written as given, in pieces. */
async function rawServer(reply: (socket: net.Socket, request: string) => void): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); let buf = ''; s.on('data', (d) => { buf += d.toString('latin1'); if (buf.includes('\r\n\r\n')) { const r = buf; buf = ''; reply(s, r); } }); s.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pool(url: string, o: Partial<ConstructorParameters<typeof Http1Pool>[1]> = {}): Http1Pool {
  const p = new Http1Pool(url, { timeout_ms: 2_000, ...o });
  closers.push(() => p.close());
  return p;
}

describe('Http1Pool (the generator\'s HTTP/1.1 client)', () => {
  it('sends method, path, headers and body as given and reads status, headers and body', async () => {
    const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
    const s = await httpServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { seen.push({ method: req.method, url: req.url, headers: req.headers, body }); res.setHeader('Idempotent-Replayed', 'true'); res.statusCode = 201; res.end('{"id":"p-1","note":"é"}'); });
    });
    const r = await pool(s.url).request({ method: 'POST', path: '/v1/payments?x=1', headers: { 'idempotency-key': 'k1', 'content-type': 'application/json' }, body: '{"amount_minor":"5","memo":"ü"}' });
    expect(r.statusCode).toBe(201);
    expect(r.headers['idempotent-replayed']).toBe('true');
    expect(r.body).toBe('{"id":"p-1","note":"é"}');
    expect(seen).toEqual([expect.objectContaining({ method: 'POST', url: '/v1/payments?x=1', body: '{"amount_minor":"5","memo":"ü"}' })]);
    expect(seen[0]!.headers).toMatchObject({ 'idempotency-key': 'k1', 'content-length': String(Buffer.byteLength('{"amount_minor":"5","memo":"ü"}')), host: new URL(s.url).host });
  });

  it('keeps connections alive: sequential requests reuse one, n at once open n and no more than connections_max', async () => {
    const s = await httpServer((_req, res) => setTimeout(() => res.end('ok'), 20));
    const p = pool(s.url, { connections_max: 8 });
    for (let i = 0; i < 5; i++) expect((await p.request({ method: 'GET', path: '/' })).body).toBe('ok');
    expect(s.connections()).toBe(1);
    const answers = await Promise.all(Array.from({ length: 20 }, () => p.request({ method: 'GET', path: '/' })));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(s.connections()).toBe(8); // 20 at once, 8 connections: the rest waited for one
    expect(p.connections).toBe(8);
  });

  it('reads chunked bodies, bodies split across packets, and bodies ended by the connection\'s close', async () => {
    const url = await rawServer((sock, req) => {
      if (req.startsWith('GET /chunked')) {
        sock.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        setTimeout(() => sock.write('6\r\n world\r\n0\r\n\r\n'), 20);
      } else if (req.startsWith('GET /split')) {
        sock.write('HTTP/1.1 503 Service Unavailable\r\nContent-Le');
        setTimeout(() => sock.write('ngth: 10\r\n\r\n01234'), 20);
        setTimeout(() => sock.write('56789'), 40);
      } else {
        sock.end('HTTP/1.0 200 OK\r\n\r\nuntil close');
      }
    });
    const p = pool(url);
    expect(await p.request({ method: 'GET', path: '/chunked' })).toMatchObject({ statusCode: 200, body: 'hello world' });
    expect(await p.request({ method: 'GET', path: '/split' })).toMatchObject({ statusCode: 503, body: '0123456789' });
    expect(await p.request({ method: 'GET', path: '/close' })).toMatchObject({ statusCode: 200, body: 'until close' });
    expect(await p.request({ method: 'GET', path: '/chunked' })).toMatchObject({ body: 'hello world' }); // on a new connection
    // A request waiting for the one connection that a close-delimited answer ends gets a new one.
    const one = pool(url, { connections_max: 1 });
    const both = await Promise.all([one.request({ method: 'GET', path: '/close' }), one.request({ method: 'GET', path: '/close' })]);
    expect(both.map((r) => r.body)).toEqual(['until close', 'until close']);
  });

  it('reads header names case-folded, joins repeats, takes prototype names as plain headers, and refuses a line with no colon', async () => {
    const url = await rawServer((sock, req) => {
      if (req.startsWith('GET /bad')) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nno colon here\r\n\r\n');
      else sock.write('HTTP/1.1 201 Created\r\nSet-Cookie: a=1\r\nCONTENT-length: 2\r\nset-cookie:  b=2 \r\nconstructor: c\r\n__proto__: p\r\n\r\nok');
    });
    const r = await pool(url).request({ method: 'GET', path: '/good' });
    expect(r).toMatchObject({ statusCode: 201, body: 'ok' });
    expect({ ...r.headers }).toEqual({ 'set-cookie': 'a=1, b=2', 'content-length': '2', constructor: 'c', ['__proto__']: 'p' });
    await expect(pool(url).request({ method: 'GET', path: '/bad' })).rejects.toMatchObject({ code: 'HTTP1_BAD_RESPONSE', message: expect.stringMatching(/malformed header line: "no colon here"/) });
  });

  it('opens a new connection after the server said Connection: close', async () => {
    const s = await httpServer((_req, res) => { res.setHeader('connection', 'close'); res.end('bye'); });
    const p = pool(s.url);
    expect((await p.request({ method: 'GET', path: '/' })).body).toBe('bye');
    expect((await p.request({ method: 'GET', path: '/' })).body).toBe('bye');
    expect(s.connections()).toBe(2);
  });

  it('times out a request with no whole answer, with a code the generator counts as a timeout, and frees its connection', async () => {
    const s = await httpServer((req, res) => { if (req.url === '/slow') return; res.end('ok'); });
    const p = pool(s.url, { timeout_ms: 300, connections_max: 1 });
    const t0 = performance.now();
    await expect(p.request({ method: 'GET', path: '/slow' })).rejects.toMatchObject({ code: 'HTTP1_TIMEOUT' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect((await p.request({ method: 'GET', path: '/fast' })).body).toBe('ok');
  });

  it('rejects with the socket\'s error code on a refused connection or a reset mid-response, and on garbage', async () => {
    const gone = await httpServer(() => {});
    const port = new URL(gone.url).port;
    await closers.pop()!();
    await expect(pool(`http://127.0.0.1:${port}`).request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const url = await rawServer((sock, req) => {
      if (req.startsWith('GET /reset')) { sock.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial'); setTimeout(() => sock.resetAndDestroy(), 20); }
      else sock.write('SSH-2.0-OpenSSH\r\n\r\n');
    });
    await expect(pool(url).request({ method: 'GET', path: '/reset' })).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|HTTP1_SOCKET_CLOSED/) });
    await expect(pool(url).request({ method: 'GET', path: '/garbage' })).rejects.toMatchObject({ code: 'HTTP1_BAD_RESPONSE', message: expect.stringMatching(/not an HTTP\/1.x status line/) });
  });

  it('refuses what it cannot do, saying what was expected', async () => {
    expect(() => new Http1Pool('https://example.com', { timeout_ms: 1 })).toThrow(/plain http only, got https:/);
    expect(() => new Http1Pool('http://127.0.0.1:1', { timeout_ms: 0 })).toThrow(/timeout_ms must be > 0, got 0/);
    expect(() => new Http1Pool('http://127.0.0.1:1', { timeout_ms: 1, connections_max: 0 })).toThrow(/connections_max must be an integer >= 1, got 0/);
    const p = new Http1Pool('http://127.0.0.1:1', { timeout_ms: 1 });
    await p.close();
    await expect(p.request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'HTTP1_POOL_CLOSED' });
  });
});
