import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reapStale } from '../local/temp-dir.js';
import { imagePresent, LOCAL_IMAGES } from './base-images.js';
import { containersOfRun, reapStaleContainers } from './labels.js';
import { buildServiceImage } from './service-image.js';
import { serviceImageSkipReason, TEST_IMAGE } from './service-image-testing.js';

// In the heavy project (alone on the machine): another test booting a testbed reaps stale runs
// too, and could remove these containers before this test sees them (as it did the CLI's).
const require = createRequire(import.meta.url);
const skip = await serviceImageSkipReason();
const base = skip === undefined;
if (skip) console.warn(`[skipped] container reaping: ${skip}; npm run containers:setup makes both`);
// With the data images built, the kill -9 case also covers the containers provider's nodes.
const dataImages = base && (await Promise.all(Object.values(LOCAL_IMAGES).map(imagePresent))).every(Boolean);

describe.skipIf(!base)('containers outlive a killed runner only until the next start', () => {
  beforeAll(async () => { await buildServiceImage({ ref: TEST_IMAGE, rds_ca_bundle: false }); }, 900_000);

  it('kill -9 of the runner: its containers (tasks and, on the containers provider, data nodes) outlive it, and the next start removes them', async () => {
    const provider = dataImages ? 'containers' : 'local';
    const script = `import { Testbed } from ${JSON.stringify(path.join(import.meta.dirname, '..', 'testbed.ts'))};
      const tb = await Testbed.up({ provider: '${provider}', service_image: ${JSON.stringify(TEST_IMAGE)}, seed: { customers: 20 } });
      console.log('RUN_DIR ' + tb.runDir);`;
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const runDir = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => { out += d; const m = /RUN_DIR (\S+)/.exec(out); if (m) resolve(m[1]!); });
      child.once('exit', (code) => reject(new Error(`the runner exited (${code}) before its testbed was up`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const left = dataImages ? 2 + 5 : 2; // two tasks; writer, standby, Redis primary and replica, DynamoDB
    expect(await containersOfRun(runDir)).toHaveLength(left); // nobody stopped them
    expect(await reapStaleContainers()).toBeGreaterThanOrEqual(left);
    expect(await containersOfRun(runDir)).toEqual([]);
    await reapStale(); // and the run's processes, as the next start does
  }, 180_000);
});
