import { Pool } from 'undici';
import type { AlbConfig, TargetInfo, TargetState } from './alb-config.js';

interface Target extends TargetInfo { pool: Pool; timer?: NodeJS.Timeout; drainTimer?: NodeJS.Timeout }

/** Targets, their health checks, and round-robin choice among the healthy ones. */
export class TargetGroup {
  private readonly targets = new Map<string, Target>();
  private rr = 0;

  constructor(private readonly config: AlbConfig, private readonly log: (msg: object) => void) {}

  register(id: string, url: string, az: string): TargetInfo {
    if (this.targets.has(id)) throw new Error(`target ${id} already registered`);
    const t: Target = {
      id, url, az, state: 'initial', requests: 0, errors_5xx: 0, consecutive_ok: 0, consecutive_fail: 0,
      pool: new Pool(url, { connections: this.config.connections_per_target, pipelining: 1, keepAliveTimeout: 30_000,
        headersTimeout: this.config.idle_timeout_ms, bodyTimeout: this.config.idle_timeout_ms }),
    };
    this.targets.set(id, t);
    const tick = () => { void this.check(t).finally(() => { if (this.targets.get(id) === t) t.timer = setTimeout(tick, this.config.health.interval_ms); }); };
    tick();
    return this.info(t);
  }

  /** Deregistration: no new requests; in-flight ones get deregistration_delay_ms to finish. */
  deregister(id: string): TargetInfo {
    const t = this.targets.get(id);
    if (!t) throw new Error(`no target ${id}`);
    if (t.state !== 'draining') {
      this.setState(t, 'draining');
      t.drainTimer = setTimeout(() => this.remove(t), this.config.deregistration_delay_ms);
    }
    return this.info(t);
  }

  pick(): Target | undefined {
    const healthy = [...this.targets.values()].filter((t) => t.state === 'healthy');
    // Like ALB with all targets unhealthy: fail open and route to all (registered, not draining).
    const pool = healthy.length > 0 ? healthy : [...this.targets.values()].filter((t) => t.state !== 'draining');
    if (pool.length === 0) return undefined;
    return pool[this.rr++ % pool.length];
  }

  list(): TargetInfo[] { return [...this.targets.values()].map((t) => this.info(t)); }

  async close() {
    for (const t of this.targets.values()) this.remove(t);
  }

  private remove(t: Target) {
    clearTimeout(t.timer);
    clearTimeout(t.drainTimer);
    this.targets.delete(t.id);
    void t.pool.close().catch(() => {});
    this.log({ msg: 'target removed', target: t.id });
  }

  private async check(t: Target) {
    if (t.state === 'draining') return;
    const { health } = this.config;
    let ok = false;
    try {
      const res = await t.pool.request({ path: health.path, method: 'GET', headersTimeout: health.timeout_ms, bodyTimeout: health.timeout_ms });
      await res.body.dump();
      ok = res.statusCode === 200;
      if (!ok) t.last_check_error = `status ${res.statusCode}`;
    } catch (err) {
      t.last_check_error = (err as { code?: string }).code ?? (err as Error).message;
    }
    if (ok) { t.consecutive_ok++; t.consecutive_fail = 0; delete t.last_check_error; } else { t.consecutive_fail++; t.consecutive_ok = 0; }
    if (t.state !== 'healthy' && t.consecutive_ok >= health.healthy_threshold) this.setState(t, 'healthy');
    if (t.state !== 'unhealthy' && t.consecutive_fail >= health.unhealthy_threshold) this.setState(t, 'unhealthy');
  }

  private setState(t: Target, state: TargetState) {
    this.log({ msg: 'target state', target: t.id, az: t.az, from: t.state, to: state, at_ms: Date.now() });
    t.state = state;
  }

  private info(t: Target): TargetInfo {
    const { pool: _p, timer: _t, drainTimer: _d, ...rest } = t;
    return { ...rest };
  }
}
