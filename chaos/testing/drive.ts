import { randomUUID } from 'node:crypto';
import type { Harness } from '../../testbed/service-harness.js';
import type { ClientPaymentRecord } from '../history-checker.js';

export interface PaymentIntent { from: number; to: number; amount: number; key?: string; account?: number }

/** Sends payments through the real HTTP service and records what each client was told. */
export async function sendPayment(h: Harness, p: PaymentIntent): Promise<ClientPaymentRecord> {
  const from = h.seeded.customers[p.from]!, to = h.seeded.customers[p.to]!;
  const key = p.key ?? randomUUID();
  const meta = { key, customer: from.id, source: from.accounts[p.account ?? 0]!, destination: to.accounts[0]!, amount_minor: String(p.amount) };
  try {
    const res = await h.request('POST', '/v1/payments', {
      token: from.token, key, body: { source_account_id: meta.source, destination_account_id: meta.destination, amount_minor: meta.amount_minor, currency: 'EUR' },
    });
    return { op: 'payment', status: res.status, outcome: res.status < 300 ? 'ok' : 'http_error', ...(res.status === 201 ? { payment_id: res.body.id as string } : {}), meta };
  } catch {
    return { op: 'payment', status: 0, outcome: 'network_error', meta };
  }
}

export async function sendAll(h: Harness, intents: PaymentIntent[]): Promise<ClientPaymentRecord[]> {
  return Promise.all(intents.map((p) => sendPayment(h, p)));
}
