import type { SeedResult } from '../service/seed.js';
import type { LoadRequest, ResponseFacts } from './open-model.js';
import { seededRandom } from './random.js';

/** Shares of each operation; they must sum to 1. */
export interface Mix { payment: number; replay: number; balance: number; summary: number }

export interface MixOptions {
  mix: Mix;
  /** Share of payments whose destination is one of the hot accounts (a popular merchant). */
  hot_share: number;
  hot_accounts: number;
  amount_minor_max: number;
  seed: number;
  /** Prefix of every idempotency key, unique per run so runs never collide. */
  run_id: string;
  /** Reads go to the hot customers only: one hot summary key is what a stampede hits. */
  hot_reads?: boolean;
}

export const PAYMENTS_ONLY: Mix = { payment: 1, replay: 0, balance: 0, summary: 0 };
export const MIXED_READ_WRITE: Mix = { payment: 0.3, replay: 0.05, balance: 0.35, summary: 0.3 };
const RECENT_KEYS_MAX = 1_000;

export function validateMix(mix: Mix) {
  const sum = mix.payment + mix.replay + mix.balance + mix.summary;
  if (Math.abs(sum - 1) > 1e-9) throw new Error(`mix shares must sum to 1, got ${sum}`);
  if (Object.values(mix).some((v) => v < 0)) throw new Error('mix shares must be >= 0');
}

/** The payment API's responses: RFC 7807 problem `code` on errors; a payment's id and replay flag. */
export function parsePaymentApi(r: { status: number; headers: Record<string, string | string[] | undefined>; body: string }): ResponseFacts {
  const facts: ResponseFacts = {};
  // Only a JSON body is parsed: an ALB's plain-text 502/503 page would throw, and under overload
  // thousands of refusals a second paid for the exception (11% of the generator's busy time, profiled).
  if ((r.status >= 400 || r.status === 201) && r.body.charCodeAt(0) === 123 /* { */) {
    try {
      const parsed = JSON.parse(r.body) as { id?: string; code?: string };
      if (r.status >= 400 && parsed.code) facts.code = parsed.code;
      if (r.status === 201 && parsed.id) facts.payment_id = parsed.id;
    } catch { /* non-JSON body (an ALB 502 page): the status says enough */ }
  }
  if (r.headers['idempotent-replayed'] === 'true') facts.replayed = true;
  return facts;
}

/** Builds request factories over seeded customers: unique keys, hot accounts, replays, reads. */
export function paymentMix(seeded: SeedResult, o: MixOptions): (seq: number) => LoadRequest {
  validateMix(o.mix);
  const rnd = seededRandom(o.seed);
  const customers = seeded.customers;
  if (customers.length < 2) throw new Error('payment mix needs at least 2 seeded customers');
  const hot = customers.slice(0, Math.max(1, Math.min(o.hot_accounts, customers.length - 1)));
  const recent: LoadRequest[] = [];
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;

  const payment = (seq: number): LoadRequest => {
    const from = pick(customers);
    let to = rnd() < o.hot_share ? pick(hot) : pick(customers);
    if (to.id === from.id) to = customers[(customers.indexOf(from) + 1) % customers.length]!;
    const source = pick(from.accounts), destination = pick(to.accounts);
    const amount = String(1 + Math.floor(rnd() * o.amount_minor_max));
    const key = `${o.run_id}-${seq}`;
    const req: LoadRequest = {
      op: 'payment', method: 'POST', path: '/v1/payments',
      headers: { authorization: `Bearer ${from.token}`, 'idempotency-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ source_account_id: source, destination_account_id: destination, amount_minor: amount, currency: seeded.currency }),
      meta: { key, customer: from.id, source, destination, amount_minor: amount }, parse: parsePaymentApi,
    };
    recent.push(req);
    if (recent.length > RECENT_KEYS_MAX) recent.shift();
    return req;
  };

  return (seq) => {
    const x = rnd();
    const { mix } = o;
    if (x < mix.payment || (x < mix.payment + mix.replay && recent.length === 0)) return payment(seq);
    if (x < mix.payment + mix.replay) {
      // A retry of an earlier payment: same key and body. 409 means the original is still in flight.
      const original = pick(recent);
      return { ...original, op: 'replay', expect_status: [201, 409] };
    }
    const c = o.hot_reads ? pick(hot) : pick(customers);
    const auth = { authorization: `Bearer ${c.token}` };
    if (x < mix.payment + mix.replay + mix.balance) {
      return { op: 'balance', method: 'GET', path: `/v1/accounts/${pick(c.accounts)}/balance`, headers: auth, parse: parsePaymentApi };
    }
    return { op: 'summary', method: 'GET', path: '/v1/summary', headers: auth, parse: parsePaymentApi };
  };
}
