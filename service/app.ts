import type http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from './app-context.js';
import { ApiError } from './errors.js';
import { sendProblem } from './problem-response.js';
import { trackRequest } from './request-tracking.js';
import { requireSession } from './routes/auth.js';
import { healthRouter } from './routes/health.js';
import { isPaymentPost, paymentRoute } from './routes/payment-route.js';
import { paymentsRouter } from './routes/payments.js';
import { readsRouter } from './routes/reads.js';

/** The service's request handler: the hot payment route on plain node:http, everything else in Express. */
export function createApp(ctx: AppContext): http.RequestListener {
  const app = expressApp(ctx);
  const pay = paymentRoute(ctx);
  return (req, res) => { if (isPaymentPost(req)) pay(req, res); else app(req, res); };
}

function expressApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    trackRequest(ctx, req, res, () => (req.route?.path as string | undefined) ?? 'unmatched');
    next();
  });

  app.use(healthRouter(ctx));
  app.use(express.json({ limit: ctx.config.BODY_BYTES_MAX, strict: true, type: 'application/json' }));
  app.use('/v1', requireSession(ctx));
  app.use(paymentsRouter(ctx));
  app.use(readsRouter(ctx));

  app.use((req: Request) => { throw new ApiError('route_not_found', `no route ${req.method} ${req.path}`); });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => sendProblem(res, err, req.originalUrl, ctx.config.BODY_BYTES_MAX));
  return app;
}
