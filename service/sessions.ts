import { createHash } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Metrics } from './metrics.js';

export interface Session { customerId: string; expiresAtMs: number }

// Bounded so a flood of random tokens cannot grow memory without limit.
const SESSION_CACHE_ENTRIES_MAX = 10_000;
export const TOKEN_LENGTH_MAX = 512;

/** Tokens are stored hashed: a leaked table does not leak bearer tokens. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SessionStore {
  private readonly cache = new Map<string, { session: Session | null; cachedUntilMs: number }>();
  private readonly inflight = new Map<string, Promise<Session | null>>();

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly table: string,
    private readonly cacheTtl_ms: number,
    private readonly metrics: Metrics,
  ) {}

  /** Returns the live session for a token, or null when unknown or expired. */
  async lookup(token: string): Promise<Session | null> {
    if (token.length === 0 || token.length > TOKEN_LENGTH_MAX) return null;
    const hash = tokenHash(token);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.cachedUntilMs > now) {
      this.metrics.sessionLookups.inc({ result: 'cached' });
      return hit.session && hit.session.expiresAtMs > now ? hit.session : null;
    }
    // One DynamoDB read per token at a time, however many requests carry it.
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = this.fetch(hash).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    const session = await pending;
    // DynamoDB TTL deletes lazily (dynalite not at all): the expiry is always checked here.
    const live = session !== null && session.expiresAtMs > Date.now();
    this.metrics.sessionLookups.inc({ result: live ? 'valid' : session ? 'expired' : 'unknown' });
    return live ? session : null;
  }

  private async fetch(hash: string): Promise<Session | null> {
    const out = await this.dynamo.send(new GetItemCommand({
      TableName: this.table, Key: { token_hash: { S: hash } }, ConsistentRead: true,
    }));
    const item = out.Item;
    const session: Session | null = item?.customer_id?.S && item.expires_at?.N
      ? { customerId: item.customer_id.S, expiresAtMs: Number(item.expires_at.N) * 1000 }
      : null;
    this.remember(hash, session, Date.now());
    return session;
  }

  private remember(hash: string, session: Session | null, now: number) {
    if (this.cacheTtl_ms === 0) return;
    if (this.cache.size >= SESSION_CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value!);
    // Jitter (50-100% of the TTL) keeps tokens cached together from expiring together.
    this.cache.set(hash, { session, cachedUntilMs: now + this.cacheTtl_ms * (0.5 + Math.random() / 2) });
  }
}
