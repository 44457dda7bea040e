import type { Redis } from 'ioredis';
import type { Metrics } from './metrics.js';

export interface CacheOptions {
  ttl_s: number;
  ttl_jitter_pct: number;
  /** Single-flight per instance, a short Redis lock across instances, and serve-stale. */
  stampede_protection: boolean;
}

// How long past its soft expiry an entry may be served while one request refreshes it.
const STALE_GRACE_S = 30;
const LOCK_TTL_MS = 2_000;
const LOCK_WAIT_STEP_MS = 15;
const LOCK_WAIT_STEPS_MAX = 10;

interface Envelope<T> { value: T; fresh_until_ms: number }

/**
 * Cache-aside over Redis. Redis failing never fails a request: the loader (Postgres) answers and
 * the degradation is counted. Values must be JSON-serialisable.
 */
export class Cache {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly metrics: Metrics,
    private readonly options: CacheOptions,
  ) {}

  async getOrLoad<T>(name: string, key: string, load: () => Promise<T>): Promise<T> {
    const cached = await this.read<T>(key);
    if (cached === 'error') {
      this.metrics.cacheRequests.inc({ cache: name, result: 'error' });
      return this.load(name, key, load, false);
    }
    if (cached !== null) {
      if (cached.fresh_until_ms > Date.now()) {
        this.metrics.cacheRequests.inc({ cache: name, result: 'hit' });
        return cached.value;
      }
      if (this.options.stampede_protection) {
        this.metrics.cacheRequests.inc({ cache: name, result: 'stale' });
        void this.refresh(name, key, load).catch(() => {});
        return cached.value;
      }
    }
    this.metrics.cacheRequests.inc({ cache: name, result: 'miss' });
    return this.options.stampede_protection ? this.refresh(name, key, load) : this.load(name, key, load, true);
  }

  /** Deletes keys after a write commits. Failure is counted, not thrown: TTL bounds staleness. */
  async invalidate(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.redis.del(...keys);
    } catch {
      this.metrics.cacheDegraded.inc({ operation: 'invalidate' });
    }
  }

  private async read<T>(key: string): Promise<Envelope<T> | null | 'error'> {
    try {
      const raw = await this.redis.get(key);
      return raw === null ? null : (JSON.parse(raw) as Envelope<T>);
    } catch {
      this.metrics.cacheDegraded.inc({ operation: 'get' });
      return 'error';
    }
  }

  /** At most one load per key per instance, and (through the Redis lock) about one across instances. */
  private refresh<T>(name: string, key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) {
      this.metrics.cacheCoalesced.inc({ cache: name, via: 'single_flight' });
      return running as Promise<T>;
    }
    const p = this.refreshAcrossInstances(name, key, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async refreshAcrossInstances<T>(name: string, key: string, load: () => Promise<T>): Promise<T> {
    const lockKey = `lock:${key}`;
    let locked = false;
    try {
      locked = (await this.redis.set(lockKey, '1', 'PX', LOCK_TTL_MS, 'NX')) === 'OK';
    } catch {
      this.metrics.cacheDegraded.inc({ operation: 'lock' });
      return this.load(name, key, load, false);
    }
    if (!locked) {
      // Another instance is loading: wait briefly for its result rather than hitting Postgres.
      for (let i = 0; i < LOCK_WAIT_STEPS_MAX; i++) {
        await new Promise((r) => setTimeout(r, LOCK_WAIT_STEP_MS));
        const v = await this.read<T>(key);
        if (v !== 'error' && v !== null && v.fresh_until_ms > Date.now()) {
          this.metrics.cacheCoalesced.inc({ cache: name, via: 'redis_lock' });
          return v.value;
        }
      }
    }
    try {
      return await this.load(name, key, load, true);
    } finally {
      if (locked) await this.redis.del(lockKey).catch(() => {});
    }
  }

  private async load<T>(name: string, key: string, load: () => Promise<T>, store: boolean): Promise<T> {
    this.metrics.cacheLoads.inc({ cache: name });
    const value = await load();
    if (store) await this.write(key, value);
    return value;
  }

  private async write<T>(key: string, value: T): Promise<void> {
    const { ttl_s, ttl_jitter_pct } = this.options;
    // Jitter spreads expiries so keys written together do not expire together.
    const ttl_ms = Math.round(ttl_s * 1000 * (1 + (Math.random() * ttl_jitter_pct) / 100));
    const envelope: Envelope<T> = { value, fresh_until_ms: Date.now() + ttl_ms };
    const hardTtl_ms = ttl_ms + (this.options.stampede_protection ? STALE_GRACE_S * 1000 : 0);
    try {
      await this.redis.set(key, JSON.stringify(envelope), 'PX', hardTtl_ms);
    } catch {
      this.metrics.cacheDegraded.inc({ operation: 'set' });
    }
  }
}
