import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Testbed } from '../testbed.js';
import { docker } from './docker-cli.js';
import { containersOfRun } from './labels.js';
import { buildServiceImage, type BuiltImage } from './service-image.js';
import { serviceImageSkipReason, TEST_IMAGE } from './service-image-testing.js';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
const skip = await serviceImageSkipReason();
const base = skip === undefined;
if (skip) console.warn(`[skipped] service containers: ${skip}; npm run containers:setup makes both`);


describe.skipIf(!base)('service tasks as containers of the service image', () => {
  let image: BuiltImage;
  let tb: Testbed | undefined;
  beforeAll(async () => { image = await buildServiceImage({ ref: TEST_IMAGE, rds_ca_bundle: false }); }, 900_000);
  afterAll(async () => { await tb?.down(); });

  it('every task is a container of the image; the testbed names the ID the engine gives it; a crash ends the container; down() leaves none', async () => {
    tb = await Testbed.up({ service_image: TEST_IMAGE, seed: { customers: 20 },
      alb: { health: { interval_ms: 200, healthy_threshold: 2, unhealthy_threshold: 2 } } });
    expect(tb.image_digest).toBe(await docker(['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE]));
    expect(tb.image_digest).toBe(image.id);
    expect(tb.service_build_sha256).toBe(''); // the build did not run: the image did
    const ids = await containersOfRun(tb.runDir);
    expect(ids).toHaveLength(2);
    for (const i of tb.listInstances()) {
      // The pid the testbed signals is the service inside a container (its cgroup names the container).
      expect(await readFile(`/proc/${i.pid}/cgroup`, 'utf8')).toMatch(new RegExp(ids.map((id) => id.slice(0, 12)).join('|')));
      // ...and it is scheduled like the host's processes, not weighed as one thread under /docker (cgroup v1).
      const cpuLine = (await readFile(`/proc/${i.pid}/cgroup`, 'utf8')).split('\n').find((l) => /^\d+:cpu(,[a-z]+)*:/.test(l));
      if (cpuLine) expect(cpuLine).toMatch(/:\/$/);
    }
    const from = tb.seeded.customers[0]!, to = tb.seeded.customers[1]!;
    const res = await fetch(`${tb.url}/v1/payments`, { method: 'POST',
      headers: { authorization: `Bearer ${from.token}`, 'idempotency-key': randomUUID(), 'content-type': 'application/json' },
      body: JSON.stringify({ source_account_id: from.accounts[0], destination_account_id: to.accounts[0], amount_minor: 5, currency: 'EUR' }) });
    expect(res.status).toBe(201);
    // The image's own HEALTHCHECK command passes inside each task, with the env the testbed gives it.
    const probe = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config.Healthcheck.Test}}', TEST_IMAGE])) as string[];
    expect(probe[0]).toBe('CMD');
    for (const id of ids) await docker(['exec', id, ...probe.slice(1)]); // rejects on a non-zero exit
    const victim = tb.listInstances()[0]!;
    tb.killInstance(victim.id, 'SIGKILL');
    await tb.alb.waitForState(victim.id, 'unhealthy', 10_000);
    await expect.poll(async () => (await containersOfRun(tb!.runDir)).length, { timeout: 10_000 }).toBe(1);
    const runDir = tb.runDir;
    await tb.down();
    tb = undefined;
    expect(await containersOfRun(runDir)).toEqual([]);
  }, 180_000);

  it('a run with --service-image vouches for that image ID in its report; deploy refuses any other digest', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'image-run-'));
    try {
      const tsx = ['--import', require.resolve('tsx')];
      const cli = path.join(import.meta.dirname, '..', '..', 'scenarios', 'cli.ts');
      // Exit 1 is a failed gate (smoke's p99 beside other test files): the report is what is judged here.
      const code = await run(process.execPath, [...tsx, cli, 'run', 'smoke', '--service-image', TEST_IMAGE, '--out', out], { maxBuffer: 32 * 1024 * 1024 })
        .then(() => 0, (e: { code: number }) => e.code);
      expect([0, 1]).toContain(code);
      const report = JSON.parse(await readFile(path.join(out, 'smoke', 'report.json'), 'utf8'));
      // Beside another test file on two cores the load shedder may refuse some (503 overloaded, by
      // design: 4.4% once in CI); any other error would be the image's fault.
      expect(Object.keys(report.load.status_counts).filter((c) => !['200', '201', '503'].includes(c))).toEqual([]);
      expect(Object.keys(report.load.code_counts).filter((c) => c !== 'overloaded')).toEqual([]);
      expect(report.load.status_counts['201']).toBeGreaterThan(200);
      expect(report.invariants.ok).toBe(true);
      expect(report.image_digest).toBe(await docker(['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE]));
      expect(report.service_build_sha256).toBeUndefined();
      const deploy = (digest: string) => run(process.execPath, [...tsx, path.join(import.meta.dirname, '..', '..', 'infra', 'deploy.ts'), '--image-digest', digest, '--report', path.join(out, 'summary.json'), '--dry-run'])
        .then(() => '', (e: { stderr: string }) => e.stderr);
      const other = await deploy(`sha256:${'0'.repeat(64)}`);
      expect(other).toMatch(new RegExp(`report is for image ${report.image_digest}, not sha256:0{64}`));
      // The right digest passes the image check; smoke alone is not the gate suite, so still refused.
      const same = await deploy(report.image_digest);
      expect(same).toMatch(/not the gate suite/);
      expect(same).not.toMatch(/report is for image/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('an image the engine does not hold fails at once, naming it and what to do', async () => {
    await expect(Testbed.up({ service_image: 'payments-service:no-such-tag' })).rejects.toThrow(/no image "payments-service:no-such-tag" in the local Docker engine[\s\S]*npm run image/);
  });
});
