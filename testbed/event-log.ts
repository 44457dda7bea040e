export interface TestbedEvent { t_ms: number; kind: string; detail: Record<string, unknown> }

/** What happened to the topology, on the run's clock; the report draws it on the charts. */
export class EventLog {
  readonly events: TestbedEvent[] = [];
  private origin = performance.now();
  constructor(private readonly onEvent?: (e: TestbedEvent) => void) {}

  /** Moves time zero (the load generator's start) so events and load share one clock. */
  resetOrigin(at = performance.now()) {
    const shift = at - this.origin;
    for (const e of this.events) e.t_ms = Math.round(e.t_ms - shift); // earlier events become negative
    this.origin = at;
  }
  now_ms(): number { return performance.now() - this.origin; }

  add(kind: string, detail: Record<string, unknown> = {}): TestbedEvent {
    const e = { t_ms: Math.round(this.now_ms()), kind, detail };
    this.events.push(e);
    this.onEvent?.(e);
    return e;
  }

  /**
   * An event another process recorded at wall-clock `at_epoch_ms`, put in its place on the run's clock.
   * Not announced: it is past news by the time it is read.
   */
  addAt(kind: string, detail: Record<string, unknown>, at_epoch_ms: number): TestbedEvent {
    const e = { t_ms: Math.round(at_epoch_ms - (Date.now() - this.now_ms())), kind, detail };
    const i = this.events.findIndex((x) => x.t_ms > e.t_ms);
    this.events.splice(i === -1 ? this.events.length : i, 0, e);
    return e;
  }
}
