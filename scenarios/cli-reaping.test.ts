import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageId } from '../testbed/containers/docker-cli.js';
import { containersOfRun } from '../testbed/containers/labels.js';
import { buildServiceImage } from '../testbed/containers/service-image.js';
import { serviceImageSkipReason, TEST_IMAGE } from '../testbed/containers/service-image-testing.js';
import { aliveWithRunDir, LONG_RUN, startAndWaitForLoad, tempDir, testbed, removeTempDirs } from './testing/cli-driver.js';

const skip = await serviceImageSkipReason();
const base = skip === undefined;
if (skip) console.warn(`[skipped] Ctrl-C with tasks as containers: ${skip}; npm run containers:setup makes both`);

// In the heavy project (alone on the machine): any other test booting a testbed reaps stale runs
// too, and once did so between this test's kill -9 and its `testbed clean` ("removed 0").
afterAll(removeTempDirs);

describe('testbed CLI reaping', () => {
  it('kill -9 of the runner mid-scenario: `testbed clean` (as the next start does) leaves no process or temp dir behind', async () => {
    const out = await tempDir();
    const file = path.join(out, 'long.yaml');
    await writeFile(file, LONG_RUN);
    const { child, runDir } = await startAndWaitForLoad(file, out);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const orphans = await aliveWithRunDir(runDir);
    expect(orphans.length).toBeGreaterThan(3); // orphans: nobody could stop them
    const names = await Promise.all(orphans.map((pid) => readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')));
    expect(names.join(' ')).toMatch(/redis-server/); // the ones whose title hides the marker are seen too
    const clean = await testbed('clean');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/removed [1-9]\d* stale run dir\(s\), killed [1-9]\d* leftover process\(es\)/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await aliveWithRunDir(runDir)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  }, 120_000);

  it.skipIf(!base)('Ctrl-C with tasks as containers of the image: report interrupted and naming the image, no container or process left, without any reaping', async () => {
    await buildServiceImage({ ref: TEST_IMAGE, rds_ca_bundle: false }); // layer-cached when service/ is unchanged
    const out = await tempDir();
    const file = path.join(out, 'long.yaml');
    await writeFile(file, LONG_RUN);
    const { child, runDir, exited } = await startAndWaitForLoad(file, out, ['--service-image', TEST_IMAGE]);
    expect(await containersOfRun(runDir)).toHaveLength(2); // the two tasks, running
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const report = JSON.parse(await readFile(path.join(out, 'long-run', 'report.json'), 'utf8'));
    expect(report.verdict).toBe('interrupted');
    expect(report.image_digest).toBe(await imageId(TEST_IMAGE));
    expect(await containersOfRun(runDir)).toEqual([]);
    expect(await aliveWithRunDir(runDir)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  }, 900_000);
});
