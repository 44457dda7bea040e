import { Router } from 'express';
import type { AppContext } from '../app-context.js';
import { ApiError } from '../errors.js';
import { getBalance, getSummary } from '../ledger.js';
import { customerOf } from './auth.js';
import { balanceKey, summaryKey } from './cache-keys.js';

// Read paths are served cache-aside. They are for display only: funds decisions never read them.
export function readsRouter(ctx: AppContext): Router {
  const r = Router();

  r.get('/v1/accounts/:id/balance', async (req, res) => {
    const id = req.params.id;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new ApiError('account_not_found', `no account ${id}`);
    const balance = await ctx.cache.getOrLoad('balance', balanceKey(id), () => getBalance(ctx.pool, id));
    if (balance === null) throw new ApiError('account_not_found', `no account ${id}`);
    if (balance.customer_id !== customerOf(req)) {
      throw new ApiError('account_forbidden', `account ${id} is not owned by this session`);
    }
    res.json({ account_id: balance.account_id, currency: balance.currency, balance_minor: balance.balance_minor });
  });

  r.get('/v1/summary', async (req, res) => {
    const customerId = customerOf(req);
    res.json(await ctx.cache.getOrLoad('summary', summaryKey(customerId), () => getSummary(ctx.pool, customerId)));
  });

  return r;
}
