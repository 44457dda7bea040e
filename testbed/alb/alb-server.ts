// The ALB emulator process: an HTTP listener that forwards to a target group, with ALB's
// status codes (502 target failed, 503 no targets, 504 target too slow) and a control API.
import http from 'node:http';
import { albConfigSchema, type AlbStats } from './alb-config.js';
import { TargetGroup } from './target-group.js';

const config = albConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const log = (o: object) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');
const group = new TargetGroup(config, log);
const byStatus: Record<string, number> = {};
let requests = 0;
const BODY_BYTES_MAX = 1_048_576;
// Hop-by-hop headers are the proxy's own business (RFC 9110 section 7.6.1).
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

function reply(res: http.ServerResponse, status: number, text: string) {
  byStatus[status] = (byStatus[status] ?? 0) + 1;
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain', server: 'awselb-emulator' }).end(`${status} ${text}\n`);
  else res.destroy();
}

const front = http.createServer(async (req, res) => {
  requests++;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) { size += (c as Buffer).length; if (size > BODY_BYTES_MAX) return reply(res, 413, 'Request Entity Too Large'); chunks.push(c as Buffer); }
  const target = group.pick();
  if (!target) return reply(res, 503, 'Service Temporarily Unavailable');
  target.requests++;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  try {
    const up = await target.pool.request({
      path: req.url ?? '/', method: req.method as 'GET', headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await up.body.arrayBuffer());
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
    out['x-testbed-target'] = target.id; // emulator-only: lets tests see where a request went
    byStatus[up.statusCode] = (byStatus[up.statusCode] ?? 0) + 1;
    if (up.statusCode >= 500) target.errors_5xx++;
    res.writeHead(up.statusCode, out).end(body);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    target.errors_5xx++;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') reply(res, 504, 'Gateway Time-out');
    else reply(res, 502, 'Bad Gateway');
  }
});
front.keepAliveTimeout = config.idle_timeout_ms;

const control = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const parts = new URL(req.url ?? '/', 'http://x').pathname.split('/').filter(Boolean);
  const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  try {
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) as { id?: string; url?: string; az?: string } : {};
    if (parts[0] === 'targets' && req.method === 'GET') return send(200, group.list());
    if (parts[0] === 'targets' && req.method === 'POST') {
      if (!body.id || !body.url || !body.az) return send(400, { error: 'id, url and az are required' });
      return send(200, group.register(body.id, body.url, body.az));
    }
    if (parts[0] === 'targets' && req.method === 'DELETE' && parts[1]) return send(200, group.deregister(decodeURIComponent(parts[1])));
    if (parts[0] === 'stats') return send(200, { requests, by_status: byStatus, targets: group.list() } satisfies AlbStats);
    return send(404, { error: 'unknown path' });
  } catch (err) {
    return send(400, { error: (err as Error).message });
  }
});

front.listen(config.listen_port, '127.0.0.1', () => {
  control.listen(config.control_port, '127.0.0.1', () => {
    log({ msg: 'alb listening', port: (front.address() as { port: number }).port, control_port: (control.address() as { port: number }).port });
  });
});
process.on('SIGTERM', async () => {
  await group.close();
  front.close();
  control.close();
  front.closeAllConnections();
  setTimeout(() => process.exit(0), 100).unref();
});
