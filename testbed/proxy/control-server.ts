// The fault proxy process: TCP proxies plus a small JSON control API (after Toxiproxy's).
// Runs as its own child process so proxying never competes with the load generator's event loop.
import http from 'node:http';
import { z } from 'zod';
import { Proxy } from './proxy.js';
import { toxicRequestSchema } from './toxics.js';

const BODY_BYTES_MAX = 65_536;
const proxies = new Map<string, Proxy>();
let toxicSeq = 0;

const upstreamSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const createSchema = z.object({ name: z.string().regex(/^[a-z0-9@_.-]{1,64}$/), listen_port: z.number().int().min(0).max(65535).default(0), upstream: upstreamSchema });

class HttpError extends Error { constructor(readonly status: number, message: string) { super(message); } }

function get(name: string): Proxy {
  const p = proxies.get(name);
  if (!p) throw new HttpError(404, `no proxy named ${name}`);
  return p;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

async function route(method: string, parts: string[], body: unknown): Promise<unknown> {
  if (parts[0] !== 'proxies') throw new HttpError(404, 'unknown path');
  if (parts.length === 1 && method === 'GET') return [...proxies.values()].map((p) => p.info());
  if (parts.length === 1 && method === 'POST') {
    const req = parse(createSchema, body);
    if (proxies.has(req.name)) throw new HttpError(409, `proxy ${req.name} exists`);
    const p = new Proxy(req.name, req.listen_port, req.upstream);
    await p.listen();
    proxies.set(req.name, p);
    return p.info();
  }
  const p = get(decodeURIComponent(parts[1]!));
  const [, , what, toxicName] = parts;
  if (what === undefined && method === 'GET') return p.info();
  if (what === 'upstream' && method === 'POST') {
    const req = parse(upstreamSchema.extend({ reset_existing: z.boolean().default(true) }), body);
    p.repoint({ host: req.host, port: req.port }, req.reset_existing);
    return p.info();
  }
  if (what === 'enabled' && method === 'POST') {
    await p.setEnabled(parse(z.object({ enabled: z.boolean() }), body).enabled);
    return p.info();
  }
  if (what === 'toxics' && method === 'POST') {
    const req = parse(toxicRequestSchema, body);
    p.addToxic({ name: req.name ?? `${req.toxic.type}_${++toxicSeq}`, direction: req.direction, toxic: req.toxic });
    return p.info();
  }
  if (what === 'toxics' && method === 'DELETE') {
    if (toxicName === undefined) p.clearToxics();
    else if (!p.removeToxic(toxicName)) throw new HttpError(404, `no toxic ${toxicName} on ${p.name}`);
    return p.info();
  }
  throw new HttpError(404, `no route ${method} /${parts.join('/')}`);
}

const server = http.createServer(async (req, res) => {
  let size = 0;
  const chunks: Buffer[] = [];
  try {
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > BODY_BYTES_MAX) throw new HttpError(413, 'body too large');
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString();
    let body: unknown = {};
    if (text) { try { body = JSON.parse(text); } catch { throw new HttpError(400, 'body is not JSON'); } }
    const parts = new URL(req.url ?? '/', 'http://x').pathname.split('/').filter(Boolean);
    const out = await route(req.method ?? 'GET', parts, body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  } catch (err) {
    const status = err instanceof HttpError ? err.status : 500;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
  }
});

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ msg: 'fault proxy control listening', port: (server.address() as { port: number }).port }) + '\n');
});
process.on('SIGTERM', async () => {
  await Promise.allSettled([...proxies.values()].map((p) => p.close()));
  server.close(() => process.exit(0));
});
