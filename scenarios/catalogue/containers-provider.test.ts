import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LOCAL_IMAGES, imagePresent } from '../../testbed/containers/base-images.js';
import { docker } from '../../testbed/containers/docker-cli.js';
import { RUN_DIR_LABEL } from '../../testbed/containers/labels.js';
import { LOCALSTACK_IMAGE } from '../../testbed/containers/localstack.js';
import { dockerEngineAnswers } from '../../testbed/docker-engine.js';
import { runScenario } from '../runner.js';
import { cacheStampede } from './cache-stampede.js';
import { compressedAzLoss, compressedCacheStampede, loadsPerExpiry } from './compressed-chaos.js';
import { smoke } from './smoke.js';

// The scenarios unchanged on the containers provider: every data node a container of its image.
const engine = await dockerEngineAnswers();
const missing = engine ? (await Promise.all(Object.values(LOCAL_IMAGES).map(async (i) => ((await imagePresent(i)) ? '' : i)))).filter(Boolean) : [];
const skip = !engine ? 'no Docker engine answers' : missing.length ? `images not built: ${missing.join(', ')}` : '';
if (skip) console.warn(`[skipped] containers provider scenarios: ${skip}; npm run containers:setup (as root) makes them`);

const localstack = engine && (await imagePresent(LOCALSTACK_IMAGE));
if (!localstack) console.warn(`[skipped] LocalStack as the DynamoDB endpoint: ${LOCALSTACK_IMAGE} is not in the engine (no registry here); the GitHub Actions workflow pulls it`);

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });
async function outDir() { const d = await mkdtemp(path.join(os.tmpdir(), 'containers-test-')); dirs.push(d); return d; }
const containers = async () => (await docker(['ps', '-a', '-q', '--filter', `label=${RUN_DIR_LABEL}`])).split('\n').filter(Boolean);
const onContainers = { provider: 'containers' as const };

describe.skipIf(skip !== '')('scenarios on the containers provider', () => {
  // Heavy tests run one file at a time: any container left is this file's.
  afterEach(async () => { expect(await containers()).toEqual([]); });

  // What these tests are about is the provider: no errors, the ledger holds, the nodes ran as
  // containers. p99 gates belong to `npm run gate` (a test run shares the two cores: smoke's p99 was 206 ms once).
  it('smoke: no errors, the ledger holds, the report names the provider and each data node\'s image', async () => {
    const r = await runScenario({ ...smoke, topology: { ...smoke.topology, ...onContainers } }, { outDir: await outDir(), calibrate: false });
    expect(r.load.error_rate).toBe(0);
    expect(r.invariants!.ok).toBe(true);
    expect(r.topology.provider).toBe('containers');
    expect(r.topology.images).toEqual({ postgres: expect.any(String), redis: expect.any(String), dynamodb: expect.any(String) });
  }, 180_000);

  it('az-loss: the frozen writer container fails over to the standby container, no acknowledged payment lost', async () => {
    const s = compressedAzLoss();
    const r = await runScenario({ ...s, topology: { ...s.topology, ...onContainers } }, { outDir: await outDir(), calibrate: false });
    expect(r.reasons).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.invariants!.ok).toBe(true);
    expect(r.recovery!.db_failover_ms).toBeGreaterThan(0);
    expect(r.recovery!.cache_failover_ms).toBeGreaterThan(0);
  }, 240_000);

  it('cache-stampede: loads per expiry stay bounded', async () => {
    const s = compressedCacheStampede(cacheStampede);
    const r = await runScenario({ ...s, topology: { ...s.topology, ...onContainers } }, { outDir: await outDir(), calibrate: false });
    expect(r.load.error_rate).toBe(0);
    expect(loadsPerExpiry(r)).toBeLessThanOrEqual(3);
  }, 180_000);

  it.skipIf(!localstack)('smoke with LocalStack as the DynamoDB endpoint (sessions table, session lookups)', async () => {
    const r = await runScenario({ ...smoke, topology: { ...smoke.topology, ...onContainers, containers: { dynamodb_image: LOCALSTACK_IMAGE } } }, { outDir: await outDir(), calibrate: false });
    expect(r.load.error_rate).toBe(0);
    expect(r.invariants!.ok).toBe(true);
    expect(r.topology.images!.dynamodb).toBe(LOCALSTACK_IMAGE);
  }, 240_000);
});
