// Who used the CPU in each second of a run: every named process tree of the topology, the load
// generator (this process), the machine's total and the rest (anything outside the topology, e.g.
// another job on a shared CI machine), as ms of CPU per second on the load's clock. A slow second
// in the client's windows can then be read against what burned the CPU in it.
import { readFile } from 'node:fs/promises';
import { TICK_MS, treeCpu_ms } from './process-cpu.js';
import type { ServerSeries } from './metrics-scraper.js';

export const CPU_SERIES_PREFIX = 'cpu_ms_per_s:';
export const GENERATOR_SERIES = `${CPU_SERIES_PREFIX}load-generator`;
export const MACHINE_SERIES = `${CPU_SERIES_PREFIX}machine (all CPUs)`;
export const OTHER_SERIES = `${CPU_SERIES_PREFIX}outside the topology`;
export const INTERRUPTS_SERIES = `${CPU_SERIES_PREFIX}interrupts (irq, softirq)`;
export const STEAL_SERIES = `${CPU_SERIES_PREFIX}stolen by the hypervisor`;

export interface MachineCpu { busy_ms: number; interrupts_ms: number; steal_ms: number }

/**
 * The whole machine's CPU time (all CPUs), in ms: busy (user, nice, system, irq, softirq; idle
 * and iowait excluded), the interrupts' part of it (loopback networking runs there), and steal
 * (time the hypervisor gave to another guest: not ours, and not in busy).
 */
export async function machineCpu_ms(): Promise<MachineCpu> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number) => (f[i] ?? 0) * TICK_MS;
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  return { busy_ms: at(0) + at(1) + at(2) + at(5) + at(6), interrupts_ms: at(5) + at(6), steal_ms: at(7) };
}

interface Sample { t_ms: number; trees: Map<string, { pid: number; cpu_ms: number }>; self_ms: number; machine: MachineCpu }

/**
 * Samples every `interval_ms` from start() until stop(). `roots()` is read at each sample, so a
 * task replaced mid-run appears under its new name; a name whose pid changed between two samples
 * gets no point for that interval rather than a made-up one. Limit: 10 ms ticks, so a point is
 * exact to about +-10 ms per second per process.
 */
export class ProcessCpuSampler {
  private timer: NodeJS.Timeout | undefined;
  private last: Sample | undefined;
  private inflight: Promise<void> = Promise.resolve();
  private origin_ms = 0;
  private readonly series = new Map<string, ServerSeries>();

  constructor(private readonly roots: () => { name: string; pid: number | undefined }[], private readonly interval_ms = 1_000) {
    if (!(interval_ms >= 100)) throw new Error(`process cpu sampler: interval_ms must be >= 100, got ${interval_ms}`);
  }

  start(origin_ms: number): this {
    this.origin_ms = origin_ms;
    this.inflight = this.sample();
    this.timer = setInterval(() => { this.inflight = this.inflight.then(() => this.sample()); }, this.interval_ms);
    return this;
  }

  async stop(): Promise<ServerSeries[]> {
    clearInterval(this.timer);
    await this.inflight;
    return [...this.series.values()];
  }

  /** A machine without /proc (macOS) gets no CPU series rather than a failed run. */
  private async sample(): Promise<void> {
    try { await this.sampleOnce(); } catch { clearInterval(this.timer); }
  }

  private async sampleOnce(): Promise<void> {
    const named = this.roots().filter((r): r is { name: string; pid: number } => r.pid !== undefined);
    const [tree_ms, machine] = await Promise.all([treeCpu_ms(Object.fromEntries(named.map((r) => [r.name, r.pid]))), machineCpu_ms()]);
    const self = process.cpuUsage();
    const now: Sample = {
      t_ms: performance.now(), self_ms: (self.user + self.system) / 1000, machine,
      trees: new Map(named.map((r) => [r.name, { pid: r.pid, cpu_ms: tree_ms[r.name] ?? 0 }])),
    };
    const before = this.last;
    this.last = now;
    if (before === undefined) return;
    const per_s = 1000 / (now.t_ms - before.t_ms);
    const t_s = Math.round((now.t_ms - this.origin_ms) / 100) / 10;
    let inside_ms = 0;
    for (const [name, cur] of now.trees) {
      const prev = before.trees.get(name);
      if (prev === undefined || prev.pid !== cur.pid) continue;
      const d = Math.max(0, cur.cpu_ms - prev.cpu_ms);
      inside_ms += d;
      this.point(`${CPU_SERIES_PREFIX}${name}`, t_s, d * per_s);
    }
    const generator_ms = now.self_ms - before.self_ms;
    const d = (k: keyof MachineCpu) => Math.max(0, now.machine[k] - before.machine[k]);
    this.point(GENERATOR_SERIES, t_s, generator_ms * per_s);
    this.point(MACHINE_SERIES, t_s, d('busy_ms') * per_s);
    this.point(INTERRUPTS_SERIES, t_s, d('interrupts_ms') * per_s);
    this.point(STEAL_SERIES, t_s, d('steal_ms') * per_s);
    // Interrupts are charged to no process where the kernel accounts them apart (IRQ_TIME_ACCOUNTING).
    this.point(OTHER_SERIES, t_s, Math.max(0, d('busy_ms') - inside_ms - generator_ms) * per_s);
  }

  private point(name: string, t_s: number, value: number) {
    const s = this.series.get(name) ?? this.series.set(name, { name, unit: 'ms/s', kind: 'rate', points: [] }).get(name)!;
    s.points.push([t_s, Math.round(value)]);
  }
}
