import { Router, type Response } from 'express';
import type { AppContext } from '../app-context.js';
import { ApiError } from '../errors.js';
import { getPayment, makePayment } from '../ledger.js';
import { parseIdempotencyKey, parsePaymentRequest } from '../payment-request.js';
import { customerOf } from './auth.js';
import { balanceKey, summaryKey } from './cache-keys.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Aborts when the client closes the connection before the response: queued work is then skipped. */
function clientGone(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => { if (!res.writableFinished) ac.abort(); });
  return ac.signal;
}

export function paymentsRouter(ctx: AppContext): Router {
  const r = Router();

  r.post('/v1/payments', async (req, res) => {
    const customerId = customerOf(req);
    if (!req.is('application/json')) throw new ApiError('unsupported_media_type');
    const key = parseIdempotencyKey(req.headers['idempotency-key']);
    const payment = parsePaymentRequest(req.body);
    let outcome;
    try {
      outcome = await makePayment(ctx.payments, customerId, key, payment, clientGone(res));
    } catch (err) {
      ctx.metrics.payments.inc({ outcome: err instanceof ApiError ? err.code : 'error' });
      throw err;
    }
    ctx.metrics.payments.inc({ outcome: outcome.replayed ? 'replayed' : 'posted' });
    if (!outcome.replayed) {
      // After the commit, never before: a reader must not re-cache the pre-payment state.
      await ctx.cache.invalidate([
        balanceKey(payment.sourceAccountId), balanceKey(payment.destinationAccountId),
        ...outcome.touchedCustomers.map(summaryKey),
      ]);
    }
    if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(outcome.status).location(`/v1/payments/${String(outcome.body.id)}`).json(outcome.body);
  });

  r.get('/v1/payments/:id', async (req, res) => {
    const id = req.params.id;
    const payment = UUID.test(id) ? await getPayment(ctx.pool, customerOf(req), id) : null;
    if (payment === null) throw new ApiError('payment_not_found', `no payment ${id} visible to this session`);
    res.json(payment);
  });

  return r;
}
