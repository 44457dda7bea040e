import { Pool } from 'undici';
import type { AlbConfig, TargetInfo, TargetState } from './alb-config.js';
import { checkGroupName, DEFAULT_GROUP, serverWeights } from './listener-weights.js';

interface Target extends TargetInfo { pool: Pool; timer?: NodeJS.Timeout; drainTimer?: NodeJS.Timeout }

/**
 * Where each target's traffic stands: the data plane applies this after every change. `weights`
 * gives every routable target its HAProxy weight (0: in a group the listener sends nothing to).
 */
export interface Routing { routable: string[]; draining: string[]; all: TargetInfo[]; weights: Map<string, number> }

/**
 * The listener's target groups: targets, their health checks, which of them may take traffic (ALB
 * semantics, per group), and the weighted forward action that splits requests between groups.
 */
export class TargetGroups {
  private readonly targets = new Map<string, Target>();
  private groupWeights: Record<string, number> = { [DEFAULT_GROUP]: 1 };

  constructor(private readonly config: AlbConfig, private readonly log: (msg: object) => void, private readonly onChange: (r: Routing) => void) {}

  register(id: string, url: string, az: string, group = DEFAULT_GROUP): TargetInfo {
    if (this.targets.has(id)) throw new Error(`target ${id} already registered`);
    const t: Target = {
      id, url, az, group: checkGroupName(group), state: 'initial', requests: 0, errors_5xx: 0, consecutive_ok: 0, consecutive_fail: 0,
      // Health checks only: requests flow through the data plane (HAProxy), not through Node.
      pool: new Pool(url, { connections: 1, pipelining: 1, keepAliveTimeout: 30_000 }),
    };
    this.targets.set(id, t);
    this.changed();
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

  /** The listener's weighted forward action: the share of requests each target group gets. */
  setWeights(weights: Record<string, number>) {
    this.groupWeights = { ...weights };
    this.log({ msg: 'listener weights', weights });
    this.changed();
  }

  weights(): Record<string, number> { return { ...this.groupWeights }; }

  /**
   * Per group, healthy targets; with none healthy, like an ALB, the group fails open to its every
   * registered, non-draining one. A weighted group with no target at all gets no share here (an ALB
   * would answer 503 for it): deployments shift only to a group whose targets are healthy.
   */
  routing(): Routing {
    const all = [...this.targets.values()];
    const byGroup = new Map<string, string[]>();
    for (const group of new Set(all.map((t) => t.group))) {
      const members = all.filter((t) => t.group === group);
      const healthy = members.filter((t) => t.state === 'healthy');
      byGroup.set(group, (healthy.length > 0 ? healthy : members.filter((t) => t.state !== 'draining')).map((t) => t.id));
    }
    const weights = serverWeights(this.groupWeights, byGroup);
    return { routable: [...weights].filter(([, w]) => w > 0).map(([id]) => id), draining: all.filter((t) => t.state === 'draining').map((t) => t.id), all: this.list(), weights };
  }

  count(id: string, stats: { requests: number; errors_5xx: number }) {
    const t = this.targets.get(id);
    if (t) { t.requests = stats.requests; t.errors_5xx = stats.errors_5xx; }
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
    this.changed();
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
    this.changed();
  }

  private changed() { this.onChange(this.routing()); }

  private info(t: Target): TargetInfo {
    const { pool: _p, timer: _t, drainTimer: _d, ...rest } = t;
    return { ...rest };
  }
}
