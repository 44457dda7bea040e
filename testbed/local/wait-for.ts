import { TestbedError } from './errors.js';

/** Polls `probe` until it resolves truthy, or throws naming what never became ready. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeout_ms: number, poll_ms = 20): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new TestbedError(`${what} not ready after ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, poll_ms));
  }
}
