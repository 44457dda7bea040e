import autocannon from 'autocannon';
import type { LoadRequest } from './open-model.js';

export interface ClosedLoopResult { requests_per_s: number; p50_ms: number; p99_ms: number; non2xx: number; errors: number; timeouts: number; total: number }

/** Closed-loop maximum throughput (autocannon): each connection sends its next request on reply. */
export async function runClosedLoop(url: string, next: (seq: number) => LoadRequest, o: { connections: number; duration_s: number }): Promise<ClosedLoopResult> {
  let seq = 0;
  const result = await autocannon({
    url, connections: o.connections, duration: o.duration_s, pipelining: 1,
    requests: [{
      setupRequest: (req: autocannon.Request): autocannon.Request => {
        const r = next(2e9 + seq++);
        return { ...req, method: r.method, path: r.path, headers: r.headers, ...(r.body ? { body: r.body } : {}) };
      },
    }],
  });
  return {
    requests_per_s: Math.round(result.requests.average), p50_ms: result.latency.p50, p99_ms: result.latency.p99,
    non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, total: result.requests.total,
  };
}
