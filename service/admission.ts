import type http from 'node:http';
import { ApiError, problemBody } from './errors.js';

export interface AdmissionLimits {
  /** Hard bound on requests in flight; beyond it every new request is refused at once. */
  inflight_max: number;
}

/** Probes are never shed nor refused while draining: the ALB must see a busy task as alive. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/**
 * Load shedding in front of Express: a refused request costs one pre-built 503, not a trip through
 * the middleware stack, so refusing the excess leaves the CPU to the requests that were accepted.
 * Two signals: too many requests in flight, or a standing queue where work waits (the payment
 * batcher's, judged CoDel-style by the shortest wait in a window: see QueueDelay).
 */
export class Admission {
  private inflight = 0;

  constructor(private readonly limits: AdmissionLimits, private readonly queueStands: () => boolean = () => false) {
    if (!(limits.inflight_max >= 1)) throw new Error(`admission: inflight_max must be >= 1, got ${limits.inflight_max}`);
  }

  /** Wraps a request handler; probes are always admitted. */
  wrap(handler: http.RequestListener, onRefused: () => void): http.RequestListener {
    return (req, res) => {
      if (!PROBE_PATHS.has(req.url ?? '')) {
        const reason = this.inflight >= this.limits.inflight_max ? `more than ${this.limits.inflight_max} requests in flight`
          : this.queueStands() ? 'payments are queueing for the database' : null;
        if (reason !== null) { onRefused(); refuse(res, reason); return; }
      }
      this.inflight++;
      res.once('close', () => { this.inflight--; });
      handler(req, res);
    };
  }

  get inFlight(): number { return this.inflight; }
}

/**
 * CoDel's measure of a standing queue: the shortest time any item waited during the last window.
 * A burst that drains keeps that minimum low; a queue that stands raises it. A window in which
 * nothing left the queue while it held work counts the age of its oldest item. As in CoDel, an
 * empty queue ends it at once: a window's verdict must not refuse work for the rest of the next
 * window once the queue has drained (it did: after a burst, a lone retry was refused 503).
 */
export class QueueDelay {
  private windowStart = performance.now();
  private windowMin_ms = Infinity;
  private standing = false;

  constructor(private readonly target_ms: number, private readonly window_ms: number, private readonly oldestWait_ms: () => number) {
    if (!(target_ms >= 0 && window_ms >= 1)) throw new Error(`queue delay: target_ms >= 0 and window_ms >= 1 required`);
  }

  /** An item left the queue after waiting `wait_ms`. */
  observe(wait_ms: number) {
    this.roll();
    if (wait_ms < this.windowMin_ms) this.windowMin_ms = wait_ms;
  }

  stands(): boolean {
    this.roll();
    return this.standing && this.oldestWait_ms() > 0;
  }

  private roll() {
    const now = performance.now();
    if (now - this.windowStart < this.window_ms) return;
    const min = this.windowMin_ms === Infinity ? this.oldestWait_ms() : this.windowMin_ms;
    this.standing = this.target_ms > 0 && min > this.target_ms;
    this.windowStart = now;
    this.windowMin_ms = Infinity;
  }
}

const OVERLOADED = (detail: string) => JSON.stringify(problemBody(new ApiError('overloaded', detail)));

function refuse(res: http.ServerResponse, detail: string) {
  const body = OVERLOADED(detail);
  res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1', 'content-length': Buffer.byteLength(body) }).end(body);
}
