import net from 'node:net';

/**
 * The load generator's HTTP/1.1 client: keep-alive connections, one request per connection at a
 * time, on plain `net` sockets. Why not undici (still the testbed's client everywhere else): the
 * generator shares two cores with the system it measures, and past the knee its CPU is taken from
 * the service. undici cost ~58 us of CPU per request here, the whole generator ~95 us; at 2x a
 * 3,000/s knee that is ~0.6 of a core, and the overload gate needs the generator near half of that
 * (measured 2026-12-03; the bench prints both clients' cost per request side by side). This client
 * does only what the generator needs: one write per request, a response read by Content-Length,
 * chunked or close, no redirects, no retries, no pipelining, no TLS.
 */
export interface Http1Request { method: string; path: string; headers?: Record<string, string>; body?: string }
export interface Http1Response { statusCode: number; headers: Record<string, string>; body: string }

export interface Http1PoolOptions {
  /** Connections open at most; a request beyond them waits for one (FIFO). */
  connections_max?: number;
  /** From the request's write to its whole response; then the connection is destroyed. */
  timeout_ms: number;
}

export type Http1ErrorCode = 'HTTP1_TIMEOUT' | 'HTTP1_SOCKET_CLOSED' | 'HTTP1_BAD_RESPONSE' | 'HTTP1_POOL_CLOSED';

export class Http1Error extends Error {
  constructor(readonly code: Http1ErrorCode | string, message: string) { super(message); this.name = 'Http1Error'; }
}

/** A response head larger than this is refused: nothing the service or the ALB sends comes near. */
export const HEAD_BYTES_MAX = 64 * 1024;
/** A body larger than this is refused (the API's largest answer is a few KiB). */
export const BODY_BYTES_MAX = 8 * 1024 * 1024;
const CONNECTIONS_MAX_DEFAULT = 1_024;
const SWEEP_MS_MAX = 250;

interface Job { req: Http1Request; resolve: (r: Http1Response) => void; reject: (e: Error) => void; written_ms: number }

export class Http1Pool {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #connectionsMax: number;
  readonly #timeout_ms: number;
  readonly #idle: Connection[] = [];
  readonly #busy = new Set<Connection>();
  readonly #waiting: Job[] = [];
  #open = 0;
  #closed = false;
  readonly #sweeper: NodeJS.Timeout;

  constructor(target: string, o: Http1PoolOptions) {
    const url = new URL(target);
    if (url.protocol !== 'http:') throw new Error(`Http1Pool speaks plain http only, got ${url.protocol} in ${target}`);
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || 80);
    this.#hostHeader = url.host;
    this.#connectionsMax = o.connections_max ?? CONNECTIONS_MAX_DEFAULT;
    if (!(Number.isInteger(this.#connectionsMax) && this.#connectionsMax >= 1)) throw new Error(`connections_max must be an integer >= 1, got ${o.connections_max}`);
    if (!(Number.isFinite(o.timeout_ms) && o.timeout_ms > 0)) throw new Error(`timeout_ms must be > 0, got ${o.timeout_ms}`);
    this.#timeout_ms = o.timeout_ms;
    // One sweep for all requests instead of arming and clearing a timer for each, on the hot path
    // this client exists to keep cheap; a timeout is enforced within a quarter of itself (<= 250 ms).
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(SWEEP_MS_MAX, Math.max(1, Math.floor(o.timeout_ms / 4))));
    this.#sweeper.unref();
  }

  /** Connections open now (idle or busy). */
  get connections(): number { return this.#open; }

  request(req: Http1Request): Promise<Http1Response> {
    if (this.#closed) return Promise.reject(new Http1Error('HTTP1_POOL_CLOSED', 'the pool is closed'));
    return new Promise<Http1Response>((resolve, reject) => {
      const job: Job = { req, resolve, reject, written_ms: 0 };
      let conn = this.#idle.pop();
      // The server may have ended an idle connection whose 'close' has not been handled yet.
      while (conn && !conn.socket.writable) conn = this.#idle.pop();
      if (conn) this.#start(conn, job);
      else if (this.#open < this.#connectionsMax) this.#start(this.#connect(), job);
      else this.#waiting.push(job);
    });
  }

  /** Fails what waits, destroys every connection (in flight too). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const job of this.#waiting.splice(0)) job.reject(new Http1Error('HTTP1_POOL_CLOSED', 'the pool was closed'));
    for (const c of [...this.#idle.splice(0), ...this.#busy]) c.socket.destroy();
  }

  #connect(): Connection {
    this.#open++;
    const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true });
    return new Connection(socket, (c) => this.#onEnd(c), (c) => this.#onDone(c));
  }

  #start(conn: Connection, job: Job): void {
    this.#busy.add(conn);
    job.written_ms = performance.now();
    conn.send(job, this.#hostHeader);
  }

  /** A response completed on `conn`: the next waiting request takes it, or it idles. */
  #onDone(conn: Connection): void {
    this.#busy.delete(conn);
    if (conn.reusable && !this.#closed) {
      const next = this.#waiting.shift();
      if (next) this.#start(conn, next);
      else this.#idle.push(conn);
    } else {
      conn.socket.destroy();
    }
  }

  /** The socket closed (by either side, or an error): it leaves the pool; a waiting request gets a new one. */
  #onEnd(conn: Connection): void {
    this.#open--;
    this.#busy.delete(conn);
    const i = this.#idle.indexOf(conn);
    if (i >= 0) this.#idle.splice(i, 1);
    const next = this.#closed ? undefined : this.#waiting.shift();
    if (next) this.#start(this.#connect(), next);
  }

  #sweep(): void {
    const deadline = performance.now() - this.#timeout_ms;
    for (const c of this.#busy) if (c.job && c.job.written_ms < deadline) c.fail(new Http1Error('HTTP1_TIMEOUT', `no complete response within ${this.#timeout_ms} ms`));
  }
}

/** One keep-alive connection and the response it is reading. */
class Connection {
  job: Job | undefined;
  reusable = true;
  #buf: Buffer | undefined;
  #head: { statusCode: number; headers: Record<string, string>; bodyStart: number; length: number; chunked: boolean } | undefined;

  constructor(readonly socket: net.Socket, private readonly ended: (c: Connection) => void, private readonly done: (c: Connection) => void) {
    let err: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e) => { err = e; });
    socket.on('close', () => {
      this.reusable = false; // before #complete hands it back: a closed connection must not take the next request
      // A response delimited by the close of its connection ends here.
      if (this.job && this.#head && this.#head.length < 0 && !this.#head.chunked) this.#complete(this.#buf!.toString('utf8', this.#head.bodyStart));
      if (this.job) this.fail(err ?? new Http1Error('HTTP1_SOCKET_CLOSED', 'the server closed the connection before a whole response'));
      this.ended(this);
    });
  }

  send(job: Job, host: string): void {
    this.job = job;
    const { method, path, headers, body } = job.req;
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
    if (headers) for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    this.socket.write(body === undefined ? `${head}\r\n` : `${head}\r\n${body}`);
  }

  fail(err: Error): void {
    const job = this.job;
    this.job = undefined;
    this.#reset();
    this.reusable = false;
    this.socket.destroy();
    job?.reject(err);
  }

  #reset(): void { this.#buf = undefined; this.#head = undefined; }

  #onData(chunk: Buffer): void {
    if (!this.job) { this.fail(new Http1Error('HTTP1_BAD_RESPONSE', 'data on an idle connection')); return; }
    this.#buf = this.#buf ? Buffer.concat([this.#buf, chunk]) : chunk;
    if (!this.#head) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.#buf.length > HEAD_BYTES_MAX) this.fail(new Http1Error('HTTP1_BAD_RESPONSE', `response head over ${HEAD_BYTES_MAX} bytes`));
        return;
      }
      const head = parseHead(this.#buf.toString('latin1', 0, end), end + 4, this.job.req.method);
      if (typeof head === 'string') { this.fail(new Http1Error('HTTP1_BAD_RESPONSE', head)); return; }
      this.#head = head;
      if (head.headers.connection?.toLowerCase() === 'close') this.reusable = false;
    }
    const h = this.#head;
    if (this.#buf.length - h.bodyStart > BODY_BYTES_MAX) { this.fail(new Http1Error('HTTP1_BAD_RESPONSE', `response body over ${BODY_BYTES_MAX} bytes`)); return; }
    if (h.chunked) {
      const body = dechunk(this.#buf, h.bodyStart);
      if (body === 'bad') this.fail(new Http1Error('HTTP1_BAD_RESPONSE', 'malformed chunked body'));
      else if (body !== undefined) this.#complete(body);
    } else if (h.length >= 0 && this.#buf.length - h.bodyStart >= h.length) {
      if (this.#buf.length - h.bodyStart > h.length) this.reusable = false; // bytes past the response: not ours to read
      this.#complete(this.#buf.toString('utf8', h.bodyStart, h.bodyStart + h.length));
    }
  }

  #complete(body: string): void {
    const job = this.job!, h = this.#head!;
    this.job = undefined;
    this.#reset();
    this.done(this);
    job.resolve({ statusCode: h.statusCode, headers: h.headers, body });
  }
}

/** Status line and headers (names lower-cased, repeats joined with ", "), or what is wrong with them. */
function parseHead(text: string, bodyStart: number, method: string): { statusCode: number; headers: Record<string, string>; bodyStart: number; length: number; chunked: boolean } | string {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!m) return `not an HTTP/1.x status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`;
  const statusCode = Number(m[1]);
  // No prototype: a header named constructor or __proto__ is a header like any other.
  const headers = Object.create(null) as Record<string, string>;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return `malformed header line: ${JSON.stringify(line.slice(0, 80))}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[name];
    headers[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  const chunked = /(^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '');
  let length = -1; // -1: until the connection closes
  if (method === 'HEAD' || statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) length = 0;
  else if (!chunked && headers['content-length'] !== undefined) {
    length = Number(headers['content-length']);
    if (!(Number.isInteger(length) && length >= 0)) return `bad content-length: ${JSON.stringify(headers['content-length'])}`;
  }
  return { statusCode, headers, bodyStart, length, chunked };
}

/** A whole chunked body from `start`, undefined while incomplete, 'bad' when malformed (trailers are skipped). */
function dechunk(buf: Buffer, start: number): string | undefined | 'bad' {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return undefined;
    const size = parseInt(buf.toString('latin1', pos, eol).split(';')[0]!.trim(), 16);
    if (!Number.isInteger(size) || size < 0) return 'bad';
    if (size === 0) return buf.indexOf('\r\n\r\n', eol) >= 0 ? Buffer.concat(parts).toString('utf8') : undefined;
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}
