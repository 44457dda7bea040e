import { BACKEND, NO_TARGETS_KEY, QUEUE_MAX_KEY, TARGET_SLOTS_MAX, type HaproxyFiles } from './haproxy-config.js';
import { haproxyCommand, parseShowStat, type BackendStats, type ServerStats } from './haproxy-runtime.js';
import type { Routing } from './target-groups.js';

type SlotState = 'ready' | 'drain' | 'maint';

/**
 * Applies the control plane's routing to HAProxy through its runtime API: each target owns a server
 * slot (address, state, and a map entry naming it), and "no routable target" answers 503 up front.
 * Changes are applied one at a time, in order; a change arriving meanwhile is applied right after.
 */
export class HaproxyDataPlane {
  private readonly slotOf = new Map<string, number>();
  private readonly applied = new Map<number, SlotState>();
  /** Weight in force per slot; a slot keeps it across targets (server-template's weight is 1). */
  private readonly weightOf = new Map<number, number>();
  private noTargets = true; // as AlbEmulator writes the map at start
  private pending: Routing | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly files: HaproxyFiles, private readonly log: (msg: object) => void) {}

  /** Queues `r` to be applied; resolves once it (or a newer routing) is in force. */
  apply(r: Routing): Promise<void> {
    this.pending = r;
    this.running = this.running.then(() => this.drainPending()).catch((err: Error) => this.log({ msg: 'haproxy sync failed', error: err.message }));
    return this.running;
  }

  async stats(): Promise<{ frontend: Record<string, number>; byTarget: Map<string, ServerStats> }> {
    const { frontend, servers } = parseShowStat(await haproxyCommand(this.files.socket, ['show stat']));
    const byTarget = new Map<string, ServerStats>();
    for (const [id, slot] of this.slotOf) {
      const s = servers.find((x) => x.slot === `t${slot}`);
      if (s) byTarget.set(id, s);
    }
    return { frontend, byTarget };
  }

  /** Offered and served so far, and the queue now: what the overload detector reads each tick. */
  async traffic(): Promise<{ arrived_total: number } & BackendStats> {
    // Frontend and backend rows only (type 1|2): the server rows are not needed every 50 ms.
    const { frontend, backend } = parseShowStat(await haproxyCommand(this.files.socket, ['show stat -1 3 -1']));
    return { arrived_total: frontend.requests ?? 0, ...backend };
  }

  /** Puts a queue bound in force (the frontend reads it from the admission map on every request). */
  async setQueueMax(n: number): Promise<void> {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`queue bound must be an integer >= 1, got ${n}`);
    await haproxyCommand(this.files.socket, [`set map ${this.files.admissionMap} ${QUEUE_MAX_KEY} ${n}`]);
  }

  private async drainPending() {
    while (this.pending) {
      const r = this.pending;
      this.pending = undefined;
      await haproxyCommand(this.files.socket, this.commandsFor(r));
    }
  }

  private commandsFor(r: Routing): string[] {
    const cmds: string[] = [];
    const present = new Set(r.all.map((t) => t.id));
    for (const [id, slot] of this.slotOf) if (!present.has(id)) cmds.push(...this.release(id, slot));
    for (const t of r.all) if (!this.slotOf.has(t.id)) cmds.push(...this.assign(t.id, t.url));
    const routable = new Set(r.routable), draining = new Set(r.draining);
    for (const [id, slot] of this.slotOf) {
      const want: SlotState = routable.has(id) ? 'ready' : draining.has(id) ? 'drain' : 'maint';
      const weight = r.weights.get(id) ?? 0;
      // Weight before state: a slot made ready takes its share at once, not the previous target's.
      if (want === 'ready' && (this.weightOf.get(slot) ?? 1) !== weight) { cmds.push(`set server ${BACKEND}/t${slot} weight ${weight}`); this.weightOf.set(slot, weight); }
      if (this.applied.get(slot) !== want) { cmds.push(`set server ${BACKEND}/t${slot} state ${want}`); this.applied.set(slot, want); }
    }
    const none = r.routable.length === 0;
    if (none !== this.noTargets) {
      cmds.push(none ? `add map ${this.files.targetsMap} ${NO_TARGETS_KEY} 1` : `del map ${this.files.targetsMap} ${NO_TARGETS_KEY}`);
      this.noTargets = none;
    }
    return cmds;
  }

  private assign(id: string, url: string): string[] {
    const used = new Set(this.slotOf.values());
    let slot = 1;
    while (used.has(slot)) slot++;
    if (slot > TARGET_SLOTS_MAX) throw new Error(`more than ${TARGET_SLOTS_MAX} targets registered at once`);
    const u = new URL(url);
    if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw new Error(`target id ${JSON.stringify(id)} may hold only letters, digits and _.:-`);
    this.slotOf.set(id, slot);
    this.applied.set(slot, 'maint');
    return [
      `set server ${BACKEND}/t${slot} addr ${u.hostname} port ${u.port}`,
      `add map ${this.files.targetsMap} t${slot} ${id}`,
      `set server ${BACKEND}/t${slot} state maint`,
    ];
  }

  private release(id: string, slot: number): string[] {
    this.slotOf.delete(id);
    this.applied.set(slot, 'maint');
    // Cut what is left on the slot, as an ALB does once the deregistration delay has passed.
    return [`set server ${BACKEND}/t${slot} state maint`, `shutdown sessions server ${BACKEND}/t${slot}`, `del map ${this.files.targetsMap} t${slot}`];
  }
}
