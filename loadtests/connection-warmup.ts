import type { Http1Pool } from './http1-pool.js';

/** Connections opened at most by one warm-up: the generator's own pool limit. */
export const WARM_CONNECTIONS_MAX = 1_024;

/**
 * Opens `n` keep-alive connections in `pool` before a load starts, by sending `n` requests to a cheap
 * path at once (with pipelining 1 each waits on a connection of its own, so the pool opens `n`).
 * Why: a step from idle to thousands of arrivals per second on a fresh pool measured the generator's
 * connect storm, not the system: in the overload scenario 1,100-3,600 requests sat in flight in the
 * first second, refused ones included, while HAProxy saw an empty queue. Users already connected to
 * a service do not reconnect because it got busy. Returns how many of the requests were answered.
 */
export async function openConnections(pool: Http1Pool, n: number, path = '/health'): Promise<number> {
  if (!(Number.isInteger(n) && n >= 0 && n <= WARM_CONNECTIONS_MAX)) throw new Error(`connections to open: an integer from 0 to ${WARM_CONNECTIONS_MAX}, got ${n}`);
  const answered = await Promise.all(Array.from({ length: n }, async () => {
    try {
      await pool.request({ path, method: 'GET' });
      return 1;
    } catch {
      return 0;
    }
  }));
  // No settling wait: Http1Pool puts a connection back in its idle list before the answer resolves.
  return answered.reduce<number>((a, b) => a + b, 0);
}
