import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../app-context.js';
import { ApiError } from '../errors.js';

declare module 'express-serve-static-core' {
  interface Request { customerId?: string }
}

/** The customer a bearer token's live session belongs to; 401 or 503 otherwise. */
export async function authenticate(ctx: AppContext, header: string | undefined): Promise<string> {
  const match = header === undefined ? null : /^Bearer ([\x21-\x7e]+)$/.exec(header);
  if (!match) throw new ApiError('unauthenticated', 'send Authorization: Bearer <session token>');
  let session;
  try {
    session = await ctx.sessions.lookup(match[1]!);
  } catch (err) {
    ctx.logger.warn({ err }, 'session store unavailable');
    throw new ApiError('dependency_unavailable', 'session store unavailable');
  }
  if (session === null) throw new ApiError('unauthenticated', 'session token unknown or expired');
  return session.customerId;
}

export function requireSession(ctx: AppContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    req.customerId = await authenticate(ctx, req.headers.authorization);
    next();
  };
}

export function customerOf(req: Request): string {
  if (req.customerId === undefined) throw new Error('route mounted without requireSession');
  return req.customerId;
}
