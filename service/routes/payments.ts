import { Router } from 'express';
import type { AppContext } from '../app-context.js';
import { ApiError } from '../errors.js';
import { getPayment } from '../ledger.js';
import { customerOf } from './auth.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Payment reads. `POST /v1/payments` is the lean route in payment-route.ts, ahead of Express. */
export function paymentsRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/v1/payments/:id', async (req, res) => {
    const id = req.params.id;
    const payment = UUID.test(id) ? await getPayment(ctx.pool, customerOf(req), id) : null;
    if (payment === null) throw new ApiError('payment_not_found', `no payment ${id} visible to this session`);
    res.json(payment);
  });

  return r;
}
