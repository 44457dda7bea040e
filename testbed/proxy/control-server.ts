// The fault proxy process: TCP proxies plus a control API wire-compatible with Toxiproxy 2's HTTP
// API (its JSON shapes, status codes and routes), so Toxiproxy clients drive it unchanged.
// Extensions: stream "both"; listen_port and connection counters on each proxy.
// Runs as its own child process so proxying never competes with the load generator's event loop.
import http from 'node:http';
import { z } from 'zod';
import { Proxy, type Upstream } from './proxy.js';
import { fromWire, toWire, ToxicError, wireToxicSchema } from './toxics.js';

export const TOXIPROXY_COMPATIBLE_VERSION = '2.12.0-testbed';
const BODY_BYTES_MAX = 65_536;
const proxies = new Map<string, Proxy>();

const hostPort = z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port');
const proxyName = z.string().regex(/^[a-zA-Z0-9@_.-]{1,64}$/, 'letters, digits, @ _ . and -, at most 64');
const createSchema = z.object({ name: proxyName, listen: hostPort.default('127.0.0.1:0'), upstream: hostPort, enabled: z.boolean().default(true) });
const updateSchema = z.object({ listen: hostPort.optional(), upstream: hostPort.optional(), enabled: z.boolean().optional() });
const toxicUpdateSchema = z.object({ toxicity: z.number().min(0).max(1).optional(), attributes: z.record(z.string(), z.number()).optional() });

class HttpError extends Error { constructor(readonly status: number, message: string) { super(message); } }

const parseHostPort = (s: string): Upstream => { const i = s.lastIndexOf(':'); return { host: s.slice(0, i), port: Number(s.slice(i + 1)) }; };

function wire(p: Proxy) {
  const i = p.info();
  return { name: i.name, listen: `127.0.0.1:${i.listen_port}`, upstream: i.upstream, enabled: i.enabled, toxics: i.toxics.map(toWire),
    listen_port: i.listen_port, connections_active: i.connections_active, connections_total: i.connections_total, connections_refused: i.connections_refused };
}

function get(name: string): Proxy {
  const p = proxies.get(name);
  if (!p) throw new HttpError(404, 'proxy not found');
  return p;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

async function create(body: unknown): Promise<Proxy> {
  const req = parse(createSchema, body);
  if (proxies.has(req.name)) throw new HttpError(409, 'proxy already exists');
  // Always on loopback: the testbed is one machine; the port is what `listen` names (0: a free one).
  const p = new Proxy(req.name, parseHostPort(req.listen).port, parseHostPort(req.upstream));
  await p.listen();
  proxies.set(req.name, p);
  if (!req.enabled) await p.setEnabled(false);
  return p;
}

async function update(p: Proxy, body: unknown): Promise<Proxy> {
  const req = parse(updateSchema, body);
  if (req.listen && parseHostPort(req.listen).port !== p.listenPort) throw new HttpError(400, 'listen: changing the port of a proxy is not supported; delete and create it');
  // As Toxiproxy: a new upstream restarts the proxy, so existing connections are cut.
  if (req.upstream) p.repoint(parseHostPort(req.upstream), true);
  if (req.enabled !== undefined) await p.setEnabled(req.enabled);
  return p;
}

async function route(method: string, parts: string[], body: unknown): Promise<[number, unknown]> {
  const [root, name, sub, toxicName] = parts;
  if (root === 'version' && method === 'GET') return [200, TOXIPROXY_COMPATIBLE_VERSION];
  if (root === 'reset' && method === 'POST') {
    for (const p of proxies.values()) { p.clearToxics(); await p.setEnabled(true); }
    return [204, undefined];
  }
  if (root === 'populate' && method === 'POST') {
    const list = parse(z.array(z.unknown()).max(1_000), body);
    const out: Proxy[] = [];
    for (const item of list) {
      const req = parse(createSchema, item);
      out.push(proxies.has(req.name) ? await update(get(req.name), { upstream: req.upstream, enabled: req.enabled }) : await create(item));
    }
    return [201, { proxies: out.map(wire) }];
  }
  if (root !== 'proxies') throw new HttpError(404, 'not found');
  if (name === undefined && method === 'GET') return [200, Object.fromEntries([...proxies].map(([n, p]) => [n, wire(p)]))];
  if (name === undefined && method === 'POST') return [201, wire(await create(body))];
  const p = get(decodeURIComponent(name!));
  if (sub === undefined) {
    if (method === 'GET') return [200, wire(p)];
    if (method === 'POST' || method === 'PATCH') return [200, wire(await update(p, body))];
    if (method === 'DELETE') { await p.close(); proxies.delete(p.name); return [204, undefined]; }
  }
  if (sub === 'toxics') return toxicRoute(p, method, toxicName === undefined ? undefined : decodeURIComponent(toxicName), body);
  throw new HttpError(405, `${method} not allowed here`);
}

function toxicRoute(p: Proxy, method: string, toxicName: string | undefined, body: unknown): [number, unknown] {
  const toxics = p.info().toxics;
  if (toxicName === undefined) {
    if (method === 'GET') return [200, toxics.map(toWire)];
    if (method === 'POST') {
      const t = fromWire(parse(wireToxicSchema, body));
      if (toxics.some((x) => x.name === t.name)) throw new HttpError(409, 'toxic already exists');
      p.addToxic(t);
      return [200, toWire(t)];
    }
    throw new HttpError(405, `${method} not allowed here`);
  }
  const current = toxics.find((x) => x.name === toxicName);
  if (!current) throw new HttpError(404, 'toxic not found');
  if (method === 'GET') return [200, toWire(current)];
  if (method === 'DELETE') { p.removeToxic(toxicName); return [204, undefined]; }
  if (method === 'POST' || method === 'PATCH') {
    const req = parse(toxicUpdateSchema, body);
    const w = toWire(current);
    const t = fromWire({ ...w, toxicity: req.toxicity ?? w.toxicity, attributes: { ...w.attributes, ...req.attributes } });
    p.updateToxic(t);
    return [200, toWire(t)];
  }
  throw new HttpError(405, `${method} not allowed here`);
}

const server = http.createServer(async (req, res) => {
  let size = 0;
  const chunks: Buffer[] = [];
  try {
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > BODY_BYTES_MAX) throw new HttpError(413, `body larger than ${BODY_BYTES_MAX} bytes`);
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString();
    let body: unknown = {};
    if (text) { try { body = JSON.parse(text); } catch { throw new HttpError(400, 'bad request body: not JSON'); } }
    const parts = new URL(req.url ?? '/', 'http://x').pathname.split('/').filter(Boolean);
    const [status, out] = await route(req.method ?? 'GET', parts, body);
    if (out === undefined) res.writeHead(status).end();
    else if (typeof out === 'string') res.writeHead(status, { 'content-type': 'text/plain' }).end(out);
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  } catch (err) {
    const status = err instanceof HttpError ? err.status : err instanceof ToxicError ? 400 : 500;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message, status }));
  }
});

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'fault proxy control listening', port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', async () => {
  await Promise.allSettled([...proxies.values()].map((p) => p.close()));
  server.close(() => process.exit(0));
});
