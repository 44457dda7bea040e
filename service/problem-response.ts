import { ApiError, problemBody } from './errors.js';
import type { TrackedResponse } from './request-tracking.js';

// Connection-level failures mean the dependency is unreachable (503), not that the code is wrong (500).
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003', '57014']);

/** The coded error a thrown value stands for, or null when it is a defect (answered 500). */
export function toApiError(err: unknown, bodyBytesMax: number): ApiError | null {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; code?: string; status?: number };
  // body-parser's errors (the Express routes): the lean payment route throws ApiErrors itself.
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

/** Answers a thrown value as RFC 9457 problem+json; never a stack trace. */
export function sendProblem(res: TrackedResponse, err: unknown, instance: string, bodyBytesMax: number): void {
  const known = toApiError(err, bodyBytesMax);
  const api = known ?? new ApiError('internal_error');
  // The request's log line carries the error, at error level.
  if (known === null || api.status >= 500) res.err = err as Error;
  if (res.headersSent) { res.destroy(); return; }
  const body = JSON.stringify(problemBody(api, instance));
  res.writeHead(api.status, { 'content-type': 'application/problem+json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}
