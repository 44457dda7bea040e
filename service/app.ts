import express, { type NextFunction, type Request, type Response } from 'express';
import { PROBE_PATHS } from './admission.js';
import type { AppContext } from './app-context.js';
import { ApiError, problemBody } from './errors.js';
import { requireSession } from './routes/auth.js';
import { healthRouter } from './routes/health.js';
import { paymentsRouter } from './routes/payments.js';
import { readsRouter } from './routes/reads.js';
import { requestLog } from './request-log.js';

// Connection-level failures mean the dependency is unreachable (503), not that the code is wrong (500).
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003', '57014']);

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(requestLog(ctx.logger));

  app.use((req, res, next) => {
    const start = performance.now();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      ctx.metrics.httpDuration.observe({ method: req.method, route }, (performance.now() - start) / 1000);
    });
    const probe = PROBE_PATHS.has(req.path);
    if (ctx.state.draining) {
      res.setHeader('Connection', 'close');
      if (!probe) throw new ApiError('service_draining');
    }
    next();
  });

  app.use(healthRouter(ctx));
  app.use(express.json({ limit: ctx.config.BODY_BYTES_MAX, strict: true, type: 'application/json' }));
  app.use('/v1', requireSession(ctx));
  app.use(paymentsRouter(ctx));
  app.use(readsRouter(ctx));

  app.use((req: Request) => { throw new ApiError('route_not_found', `no route ${req.method} ${req.path}`); });
  app.use(errorHandler(ctx));
  return app;
}

function toApiError(err: unknown, bodyBytesMax: number): ApiError | null {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; code?: string; status?: number };
  if (e.type === 'entity.parse.failed') return new ApiError('malformed_json', 'request body is not valid JSON');
  if (e.type === 'entity.too.large') return new ApiError('body_too_large', `request body exceeds ${bodyBytesMax} bytes`);
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return new ApiError('unsupported_media_type', 'body must be UTF-8 JSON');
  if (e.type === 'request.aborted' || e.type === 'request.size.invalid') return new ApiError('malformed_json', 'request body was incomplete');
  if (e.code !== undefined && UNAVAILABLE_CODES.has(e.code)) return new ApiError('dependency_unavailable', 'database unavailable');
  const msg = (err as Error)?.message ?? '';
  if (/timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/.test(msg)) {
    return new ApiError('dependency_unavailable', 'database unavailable');
  }
  return null;
}

function errorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = toApiError(err, ctx.config.BODY_BYTES_MAX);
    const api = known ?? new ApiError('internal_error');
    // The request log writes the line once, with this error attached, at error level.
    if (known === null || api.status >= 500) (res as Response & { err?: Error }).err = err as Error;
    if (res.headersSent) { res.destroy(); return; }
    res.status(api.status).type('application/problem+json').json(problemBody(api, req.originalUrl));
  };
}
