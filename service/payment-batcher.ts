import type pg from 'pg';
import { ApiError } from './errors.js';
import type { PaymentRequest } from './payment-request.js';

export interface MakePaymentRow {
  status: number; code: string | null; detail: string | null;
  body: Record<string, unknown> | null; replayed: boolean;
  source_customer: string | null; destination_customer: string | null;
}

export interface PaymentItem { customerId: string; key: string; req: PaymentRequest; signal?: AbortSignal }

export interface BatchLimits {
  /** Payments sent to the database in one call (one transaction, one commit). */
  batch_size_max: number;
  /** Batch calls in flight at once; while all are busy, arrivals queue and form the next batch. */
  batches_inflight_max: number;
  /** Payments waiting for a batch; beyond it a payment is refused (503 overloaded) at once. */
  queue_max: number;
  /**
   * How long a batch may wait for company once a slot is free: it leaves when full or when its
   * oldest payment has waited this long. 0: leave at once. Under load the previous call lasts longer
   * than this and nothing waits; at moderate load fewer, larger batches leave the CPU idle.
   */
  linger_ms?: number;
  /**
   * A linger also ends when this many payments wait (default: batch_size_max). Without it a closed
   * loop of fewer clients than batch_size_max would wait out every linger.
   */
  linger_count_max?: number;
}

export interface BatchStats { batches: number; payments: number; fallbacks: number; abandoned: number }

interface Pending { item: PaymentItem; resolve: (row: MakePaymentRow) => void; reject: (err: unknown) => void; queued_at_ms: number }

const SQLSTATE_UNIQUE_VIOLATION = '23505';
const SINGLE_SQL = 'select * from make_payment($1, $2, $3, $4, $5, $6, $7, $8)';
const BATCH_SQL = 'select * from make_payments($1, $2, $3, $4, $5, $6, $7, $8)';

/**
 * Group commit for payments. A payment is sent at once when a batch slot is free; while every slot
 * waits on the database, new payments queue and leave together in the next batch. So at low load
 * nothing waits for company, and under load one round trip and one commit carry many payments.
 * Each payment keeps its own outcome: make_payments runs make_payment for every item (migration 003).
 */
export class PaymentBatcher {
  private readonly queue: Pending[] = [];
  private inflight = 0;
  private scheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly linger_ms: number;
  /** Payments that end a linger at once: a batch this big has no company to wait for. */
  private readonly lingerCount_max: number;
  readonly stats: BatchStats = { batches: 0, payments: 0, fallbacks: 0, abandoned: 0 };

  constructor(private readonly pool: pg.Pool, private readonly keyTtl_s: number, private readonly limits: BatchLimits) {
    if (!(limits.batch_size_max >= 1 && limits.batches_inflight_max >= 1 && limits.queue_max >= 1)) {
      throw new Error(`batch limits must be >= 1: ${JSON.stringify(limits)}`);
    }
    this.linger_ms = limits.linger_ms ?? 0;
    if (!(Number.isFinite(this.linger_ms) && this.linger_ms >= 0 && (limits.linger_count_max ?? 1) >= 1)) {
      throw new Error(`batch linger_ms must be >= 0 and linger_count_max >= 1: ${JSON.stringify(limits)}`);
    }
    this.lingerCount_max = Math.min(limits.linger_count_max ?? Infinity, limits.batch_size_max);
  }

  submit(item: PaymentItem): Promise<MakePaymentRow> {
    if (this.queue.length >= this.limits.queue_max) {
      return Promise.reject(new ApiError('overloaded', `more than ${this.limits.queue_max} payments waiting for the database`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject, queued_at_ms: performance.now() });
      this.schedule();
    });
  }

  get queued(): number { return this.queue.length; }

  /** How long the oldest waiting payment has waited (0 when none waits). */
  oldestWait_ms(): number { return this.queue.length === 0 ? 0 : performance.now() - this.queue[0]!.queued_at_ms; }

  /** Called with each payment's wait as it leaves the queue (for the load shedder). */
  onDequeue: (wait_ms: number) => void = () => {};

  private schedule() {
    if (this.inflight >= this.limits.batches_inflight_max || this.queue.length === 0) return;
    const linger_ms = this.lingerLeft_ms();
    if (linger_ms > 0) {
      this.lingerTimer ??= setTimeout(() => { this.lingerTimer = undefined; this.schedule(); }, linger_ms);
      return;
    }
    if (this.scheduled) return;
    if (this.lingerTimer) { clearTimeout(this.lingerTimer); this.lingerTimer = undefined; }
    this.scheduled = true;
    // One turn of the event loop: every payment parsed in this turn joins the same batch.
    setImmediate(() => { this.scheduled = false; this.flush(); });
  }

  /** What is left of the next batch's linger: 0 once it is full or its oldest payment waited enough. */
  private lingerLeft_ms(): number {
    if (this.linger_ms === 0 || this.queue.length >= this.lingerCount_max) return 0;
    return Math.max(0, this.linger_ms - this.oldestWait_ms());
  }

  private flush() {
    while (this.inflight < this.limits.batches_inflight_max && this.queue.length > 0 && this.lingerLeft_ms() === 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) continue;
      this.inflight++;
      void this.run(batch).finally(() => { this.inflight--; this.schedule(); });
    }
    this.schedule(); // a free slot and a queue still lingering: arm its timer
  }

  /** The next batch, leaving out payments whose client has gone: that work is never started. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    while (batch.length < this.limits.batch_size_max && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.onDequeue(performance.now() - p.queued_at_ms);
      if (p.item.signal?.aborted) { this.stats.abandoned++; p.reject(new ApiError('overloaded', 'client went away before the payment started')); continue; }
      batch.push(p);
    }
    return batch;
  }

  private async run(batch: Pending[]) {
    this.stats.batches++;
    this.stats.payments += batch.length;
    let rows: (MakePaymentRow & { item: number })[];
    try {
      rows = (await this.pool.query<MakePaymentRow & { item: number }>(BATCH_SQL, batchParams(batch.map((p) => p.item), this.keyTtl_s))).rows;
    } catch (err) {
      if (batch.length > 1 && isStatementError(err)) return this.runOneByOne(batch);
      for (const p of batch) p.reject(translate(err));
      return;
    }
    const byItem = new Map(rows.map((r) => [r.item, r]));
    batch.forEach((p, i) => {
      const row = byItem.get(i + 1);
      if (row) p.resolve(row); else p.reject(new Error(`make_payments returned no row for item ${i + 1} of ${batch.length}`));
    });
  }

  /** One payment's failure must not fail its neighbours: on a statement error, each goes alone. */
  private async runOneByOne(batch: Pending[]) {
    this.stats.fallbacks++;
    await Promise.all(batch.map(async (p) => {
      try {
        const res = await this.pool.query<MakePaymentRow>(SINGLE_SQL, [...itemArgs(p.item), this.keyTtl_s]);
        p.resolve(res.rows[0]!);
      } catch (err) {
        p.reject(translate(err));
      }
    }));
  }
}

/** make_payment's arguments for one payment, in its order (the TTL is common and comes last). */
function itemArgs(i: PaymentItem): string[] {
  return [i.customerId, i.key, i.req.fingerprint, i.req.sourceAccountId, i.req.destinationAccountId, i.req.amountMinor.toString(), i.req.currency];
}

/** make_payments takes the same arguments, each as an array over the batch. */
function batchParams(items: PaymentItem[], keyTtl_s: number): unknown[] {
  const rows = items.map(itemArgs);
  return [...rows[0]!.map((_, col) => rows.map((r) => r[col])), keyTtl_s];
}

/** An error the database raised for the statement (it has a SQLSTATE), not a lost connection. */
function isStatementError(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57)/.test(code);
}

function translate(err: unknown): unknown {
  // Two first requests with one key racing past the advisory lock: the key's primary key decides.
  if ((err as { code?: string }).code === SQLSTATE_UNIQUE_VIOLATION) return new ApiError('idempotency_key_in_use');
  return err;
}
