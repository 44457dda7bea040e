// The ALB emulator's control plane: target registration, health checks with thresholds,
// deregistration delay, fail-open; it drives HAProxy (the data plane, started beside it by
// AlbEmulator) through HAProxy's runtime API. Requests never pass through this Node process.
import http from 'node:http';
import { albConfigSchema, type AlbStats } from './alb-config.js';
import { haproxyFiles } from './haproxy-config.js';
import { HaproxyDataPlane } from './haproxy-data-plane.js';
import { parseGroupWeights } from './listener-weights.js';
import { watchOverload } from './overload-watch.js';
import { TargetGroups } from './target-groups.js';

const config = albConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const dir = process.argv[3];
if (!dir) throw new Error('usage: alb-server <config-json> <haproxy-dir>');
const log = (o: object) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');
const plane = new HaproxyDataPlane(haproxyFiles(dir), log);
// A control call answers once HAProxy routes accordingly: "deregistered" means no new requests.
let applied: Promise<void> = Promise.resolve();
const groups = new TargetGroups(config, log, (r) => { applied = plane.apply(r); });
const CONTROL_BODY_BYTES_MAX = 65_536;
const overload = watchOverload(plane, config, log);

/** Request counts come from HAProxy, which carries the traffic. */
async function refreshCounts(): Promise<Record<string, number>> {
  const { frontend, byTarget } = await plane.stats();
  for (const [id, s] of byTarget) groups.count(id, s);
  return frontend;
}

const control = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) { size += (c as Buffer).length; if (size > CONTROL_BODY_BYTES_MAX) break; chunks.push(c as Buffer); }
  const parts = new URL(req.url ?? '/', 'http://x').pathname.split('/').filter(Boolean);
  const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  try {
    if (size > CONTROL_BODY_BYTES_MAX) return send(413, { error: `body over ${CONTROL_BODY_BYTES_MAX} bytes` });
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) as { id?: string; url?: string; az?: string; group?: string } : {};
    if (parts[0] === 'targets' && req.method === 'GET') { await applied; await refreshCounts(); return send(200, groups.list()); }
    if (parts[0] === 'targets' && req.method === 'POST') {
      if (!body.id || !body.url || !body.az) return send(400, { error: 'id, url and az are required' });
      const info = groups.register(body.id, body.url, body.az, body.group);
      await applied;
      return send(200, info);
    }
    if (parts[0] === 'targets' && req.method === 'DELETE' && parts[1]) {
      const info = groups.deregister(decodeURIComponent(parts[1]));
      await applied;
      return send(200, info);
    }
    if (parts[0] === 'weights' && req.method === 'PUT') {
      groups.setWeights(parseGroupWeights(body));
      await applied; // answered once HAProxy splits traffic this way
      return send(200, groups.weights());
    }
    if (parts[0] === 'stats') {
      const f = await refreshCounts();
      const { requests = 0, ...by_status } = f;
      return send(200, { requests, by_status, targets: groups.list(), weights: groups.weights(), admission: overload.current, admission_changes: overload.changes } satisfies AlbStats);
    }
    return send(404, { error: 'unknown path' });
  } catch (err) {
    return send(400, { error: (err as Error).message });
  }
});

control.listen(config.control_port, '127.0.0.1', () => {
  log({ msg: 'alb control plane listening', port: config.listen_port, control_port: (control.address() as { port: number }).port });
});
process.on('SIGTERM', async () => {
  await groups.close();
  overload.stop();
  control.close();
  setTimeout(() => process.exit(0), 100).unref();
});
