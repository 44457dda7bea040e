// `npm run containers:setup`: a Docker engine and the local base images, from this project's files.
// Idempotent: what exists is reused. Prints each step and its time.
import { TestbedError } from '../local/errors.js';
import { ensureBaseImages } from './base-images.js';
import { ensureEngine } from './engine-setup.js';

const say = (line: string) => process.stderr.write(`[containers:setup] ${line}\n`);

try {
  const t0 = performance.now();
  await ensureEngine(say);
  await ensureBaseImages(say);
  say(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; next: npm run image`);
} catch (err) {
  say(err instanceof TestbedError ? err.message : `failed: ${(err as Error).stack}`);
  process.exitCode = 1;
}
