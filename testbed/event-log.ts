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
}
