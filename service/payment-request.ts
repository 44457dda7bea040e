import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from './errors.js';
import { isKnownCurrency, parseAmountMinor } from './money.js';

export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
const accountId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -');

const bodySchema = z
  .object({
    source_account_id: accountId,
    destination_account_id: accountId,
    amount_minor: z.unknown(),
    currency: z.string(),
  })
  .strict();

export interface PaymentRequest {
  sourceAccountId: string;
  destinationAccountId: string;
  amountMinor: bigint;
  currency: string;
  /** Canonical hash of what the request asks for; decides replay versus key reuse. */
  fingerprint: string;
}

export function parseIdempotencyKey(header: string | string[] | undefined): string {
  if (header === undefined || header === '') throw new ApiError('idempotency_key_missing');
  if (Array.isArray(header)) throw new ApiError('idempotency_key_invalid', 'send exactly one Idempotency-Key header');
  if (header.length > IDEMPOTENCY_KEY_LENGTH_MAX || !/^[\x21-\x7e]+$/.test(header)) {
    throw new ApiError('idempotency_key_invalid', `Idempotency-Key must be 1-${IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters without spaces; got ${header.length} characters`);
  }
  return header;
}

export function parsePaymentRequest(body: unknown): PaymentRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('validation_failed', 'body must be a JSON object');
  }
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const detail = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : `${field}: ${issue.message}`;
    throw new ApiError('validation_failed', detail, { field: field || undefined });
  }
  const b = parsed.data;
  const amount = parseAmountMinor(b.amount_minor);
  if (typeof amount === 'string') throw new ApiError('validation_failed', `amount_minor ${amount}`, { field: 'amount_minor' });
  if (!isKnownCurrency(b.currency)) {
    throw new ApiError('validation_failed', 'currency must be an ISO 4217 code such as EUR or USD', { field: 'currency' });
  }
  if (b.source_account_id === b.destination_account_id) {
    throw new ApiError('same_account', 'source_account_id and destination_account_id are the same account');
  }
  const canonical = JSON.stringify([b.source_account_id, b.destination_account_id, amount.toString(), b.currency]);
  return {
    sourceAccountId: b.source_account_id,
    destinationAccountId: b.destination_account_id,
    amountMinor: amount,
    currency: b.currency,
    fingerprint: createHash('sha256').update(canonical).digest('base64url'),
  };
}
