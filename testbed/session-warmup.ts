import type { SeedResult } from '../service/seed.js';

const WARMUP_CONCURRENCY = 16;
const WARMUP_TIMEOUT_MS = 5_000;

/**
 * Fills each task's session cache the way traffic would, so a steady-state check sees a system in
 * its steady state: a freshly booted task looks up every token in DynamoDB (~1-2 ms of CPU each),
 * and 1,000 customers x 2 tasks pushed a 200/s probe past p99 200 ms (measured). One request per
 * customer per task, to a route that needs the session and nothing else (an id that is not a
 * payment id: 404 without a database query). Returns how many lookups were made.
 */
export async function warmSessionCaches(taskUrls: string[], seeded: SeedResult): Promise<number> {
  const jobs = taskUrls.flatMap((url) => seeded.customers.map((c) => ({ url, token: c.token })));
  let next = 0, done = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      const res = await fetch(`${j.url}/v1/payments/session-warmup`, { headers: { authorization: `Bearer ${j.token}` }, signal: AbortSignal.timeout(WARMUP_TIMEOUT_MS) });
      await res.arrayBuffer();
      if (res.status !== 404) throw new Error(`session warm-up: ${j.url} answered ${res.status}, expected 404 after a valid session`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: WARMUP_CONCURRENCY }, worker));
  return done;
}
