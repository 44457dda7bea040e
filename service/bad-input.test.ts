import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startHarness, type Harness } from '../testbed/service-harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ customers: 2 }); });
afterAll(async () => { await h?.stop(); });

const valid = () => ({
  source_account_id: h.seeded.customers[0]!.accounts[0]!,
  destination_account_id: h.seeded.customers[1]!.accounts[0]!,
  amount_minor: 100, currency: 'EUR',
});

interface Case { name: string; status: number; code: string; field?: string; key?: string | null; raw?: string; body?: (v: ReturnType<typeof valid>) => unknown; headers?: Record<string, string> }

// design.md section 2: every one of these is refused before the database with a stable code.
const cases: Case[] = [
  { name: 'malformed JSON', status: 400, code: 'malformed_json', raw: '{"amount_minor": 1,' },
  { name: 'JSON that is not an object', status: 400, code: 'validation_failed', raw: '[1,2]' },
  { name: 'missing field', status: 400, code: 'validation_failed', field: 'currency', body: ({ currency: _c, ...rest }) => rest },
  { name: 'amount of wrong type', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: true }) },
  { name: 'account id of wrong type', status: 400, code: 'validation_failed', field: 'source_account_id', body: (v) => ({ ...v, source_account_id: 42 }) },
  { name: 'zero amount', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: 0 }) },
  { name: 'negative amount', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: -5 }) },
  { name: 'negative amount as string', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: '-5' }) },
  { name: 'fractional amount', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: 1.5 }) },
  { name: 'fractional amount as string', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: '1.50' }) },
  { name: 'amount over 2^63-1', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: '9223372036854775808' }) },
  { name: 'unsafe JSON number amount', status: 400, code: 'validation_failed', field: 'amount_minor', body: (v) => ({ ...v, amount_minor: 2 ** 60 }) },
  { name: 'same source and destination', status: 422, code: 'same_account', body: (v) => ({ ...v, destination_account_id: v.source_account_id }) },
  { name: 'unknown currency', status: 400, code: 'validation_failed', field: 'currency', body: (v) => ({ ...v, currency: 'XYZ' }) },
  { name: 'lower-case currency', status: 400, code: 'validation_failed', field: 'currency', body: (v) => ({ ...v, currency: 'eur' }) },
  { name: 'unknown field', status: 400, code: 'validation_failed', body: (v) => ({ ...v, extra: 1 }) },
  { name: 'body over 16 KiB', status: 413, code: 'body_too_large', body: (v) => ({ ...v, pad: 'x'.repeat(17_000) }) },
  { name: 'missing idempotency key', status: 400, code: 'idempotency_key_missing', key: null },
  { name: 'over-long idempotency key', status: 400, code: 'idempotency_key_invalid', key: 'k'.repeat(256) },
  { name: 'idempotency key with spaces', status: 400, code: 'idempotency_key_invalid', key: 'has space' },
  { name: 'a JSON string, not an object or array (strict)', status: 400, code: 'malformed_json', raw: '"pay me"' },
  { name: 'empty body', status: 400, code: 'validation_failed', field: 'source_account_id', raw: '' },
  { name: 'charset other than UTF-8', status: 415, code: 'unsupported_media_type', body: (v) => v, headers: { 'content-type': 'application/json; charset=iso-8859-1' } },
  { name: 'content-encoded body', status: 415, code: 'unsupported_media_type', body: (v) => v, headers: { 'content-encoding': 'gzip' } },
  { name: 'wrong content type', status: 415, code: 'unsupported_media_type', raw: 'amount=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
];

describe('bad input is refused with a coded problem and leaves no row', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const before = await h.counts();
    const key = c.key === undefined ? randomUUID() : c.key ?? undefined;
    const res = await h.request('POST', '/v1/payments', {
      token: h.seeded.customers[0]!.token, ...(key === undefined ? {} : { key }),
      ...(c.raw !== undefined ? { raw: c.raw } : { body: (c.body ?? ((v) => v))(valid()) }),
      ...(c.headers ? { headers: c.headers } : {}),
    });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: c.code, status: c.status });
    expect(res.body.title).toEqual(expect.any(String));
    if (c.field) expect(res.body.field ?? res.body.detail).toContain(c.field);
    expect(res.text).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
    expect(await h.counts()).toEqual(before);
  });

  it('the valid request that the cases derive from is accepted (the cases test what they claim)', async () => {
    const res = await h.request('POST', '/v1/payments', { token: h.seeded.customers[0]!.token, key: randomUUID(), body: valid() });
    expect(res.status).toBe(201);
  });

  // POST /v1/payments runs ahead of Express (payment-route.ts): it must match what Express matched.
  it.each(['/V1/Payments', '/v1/payments/', '/v1/payments?trace=1'])('%s is the payment route too', async (path) => {
    const res = await h.request('POST', path, { token: h.seeded.customers[0]!.token, key: randomUUID(), body: valid(), headers: { 'x-request-id': 'lean-1' } });
    expect([res.status, res.headers.get('x-request-id'), res.headers.get('content-type')]).toEqual([201, 'lean-1', 'application/json; charset=utf-8']);
    expect(res.headers.get('location')).toBe(`/v1/payments/${res.body.id}`);
  });

  it('checks the body before the session, and the media type after it (as the Express stack did)', async () => {
    const noToken = { key: randomUUID() };
    expect((await h.request('POST', '/v1/payments', { ...noToken, raw: '{"a":' })).body.code).toBe('malformed_json');
    expect((await h.request('POST', '/v1/payments', { ...noToken, raw: 'a=1', headers: { 'content-type': 'text/plain' } })).body.code).toBe('unauthenticated');
  });
});
