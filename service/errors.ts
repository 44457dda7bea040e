// The catalogue of coded errors. `code` is the stable machine contract (RFC 9457 problem+json);
// titles may be reworded, codes may not.
export const errorCatalogue = {
  malformed_json: { status: 400, title: 'Request body is not valid JSON' },
  validation_failed: { status: 400, title: 'Request failed validation' },
  idempotency_key_missing: { status: 400, title: 'Idempotency-Key header is required' },
  idempotency_key_invalid: { status: 400, title: 'Idempotency-Key must be 1-255 printable characters' },
  unauthenticated: { status: 401, title: 'Missing, unknown or expired session token' },
  account_forbidden: { status: 403, title: 'The session may not use this account' },
  payment_not_found: { status: 404, title: 'Payment not found' },
  account_not_found: { status: 404, title: 'Account not found' },
  route_not_found: { status: 404, title: 'Route not found' },
  idempotency_key_in_use: { status: 409, title: 'A request with this Idempotency-Key is in flight' },
  body_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Content-Type must be application/json' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key was used with a different request' },
  insufficient_funds: { status: 422, title: 'Insufficient funds' },
  currency_mismatch: { status: 422, title: 'Currency does not match the accounts' },
  same_account: { status: 422, title: 'Source and destination must differ' },
  service_draining: { status: 503, title: 'Service is shutting down' },
  overloaded: { status: 503, title: 'Too many requests in flight; retry with the same Idempotency-Key' },
  dependency_unavailable: { status: 503, title: 'A required dependency is unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? errorCatalogue[code].title);
    this.name = 'ApiError';
    this.status = errorCatalogue[code].status;
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalogue, code);
}

export function problemBody(err: ApiError, instance?: string) {
  return {
    type: `https://errors.payments.local/${err.code}`,
    title: errorCatalogue[err.code].title,
    status: err.status,
    code: err.code,
    ...(err.detail === undefined ? {} : { detail: err.detail }),
    ...(instance === undefined ? {} : { instance }),
    ...err.extra,
  };
}
