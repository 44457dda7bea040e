import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { GateSummary } from '../../scenarios/report/gate-summary.js';
import { refuseDeploy } from '../lib/gate-evidence.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const DIGEST = `sha256:${'cd'.repeat(32)}`;
const want = { imageDigest: DIGEST, commit: 'abc123', requiredScenarios: ['smoke', 'baseline-1k-tps'] };
const good: GateSummary = { suite: 'gate', commit: 'abc123', image_digest: DIGEST, finished_at: '', scenarios: [
  { scenario: 'smoke', verdict: 'pass', reasons: [] }, { scenario: 'baseline-1k-tps', verdict: 'pass', reasons: [] }] };

describe('deploy only after the gates passed for this digest and commit', () => {
  it('accepts a passing gate report for the same digest and commit', () => {
    expect(refuseDeploy(good, want)).toEqual([]);
  });

  it('accepts the registry digest the engine knew for the image the gate ran (ECR names images by manifest digest)', () => {
    const manifest = `sha256:${'ab'.repeat(32)}`;
    const ran = { ...good, image_digest: `sha256:${'12'.repeat(32)}`, image_repo_digests: [`123.dkr.ecr.us-east-1.amazonaws.com/payments-service@${manifest}`] };
    expect(refuseDeploy(ran, { ...want, imageDigest: manifest })).toEqual([]);
    expect(refuseDeploy(ran, want)).toEqual([expect.stringMatching(/report is for image sha256:1212/)]);
  });

  it('refuses, and says why, for every way the evidence can be wrong', () => {
    expect(refuseDeploy(null, want)).toEqual([expect.stringMatching(/no gate report/)]);
    expect(refuseDeploy({ ...good, image_digest: `sha256:${'ef'.repeat(32)}` }, want)).toEqual([expect.stringMatching(/report is for image sha256:efef/)]);
    expect(refuseDeploy({ ...good, image_digest: null }, want)).toEqual([expect.stringMatching(/none: the gate ran the build, not an image/)]);
    expect(refuseDeploy({ ...good, commit: 'zzz' }, want)).toEqual([expect.stringMatching(/commit zzz, not abc123/)]);
    expect(refuseDeploy({ ...good, suite: null }, want)).toEqual([expect.stringMatching(/not the gate suite/)]);
    expect(refuseDeploy({ ...good, scenarios: [good.scenarios[0]!, { scenario: 'baseline-1k-tps', verdict: 'fail', reasons: ['gate failed: latency_p99_ms < 200 (measured 512)'] }] }, want))
      .toEqual([expect.stringMatching(/baseline-1k-tps failed: gate failed: latency_p99_ms/)]);
    expect(refuseDeploy({ ...good, scenarios: [good.scenarios[0]!] }, want)).toEqual(['gate scenario baseline-1k-tps did not run']);
  });

  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('the deploy command refuses with exit 1 and the reason when no report exists', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-'));
    dirs.push(dir);
    const missing = path.join(dir, 'summary.json');
    const err = await run(process.execPath, ['--import', require.resolve('tsx'), path.join(import.meta.dirname, '..', 'deploy.ts'), '--image-digest', DIGEST, '--report', missing])
      .then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/deploy refused:[\s\S]*no gate report/);
    await writeFile(missing, JSON.stringify({ ...good, commit: 'not-this-commit' }));
    const err2 = await run(process.execPath, ['--import', require.resolve('tsx'), path.join(import.meta.dirname, '..', 'deploy.ts'), '--image-digest', DIGEST, '--report', missing])
      .then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err2?.stderr).toMatch(/commit not-this-commit, not [0-9a-f]{40}/);
  });

  it('a prod deploy without a certificate and an alarm address is refused before anything else (exit 2), naming both flags', async () => {
    const err = await run(process.execPath, ['--import', require.resolve('tsx'), path.join(import.meta.dirname, '..', 'deploy.ts'), '--stage', 'prod', '--image-digest', DIGEST, '--report', 'none.json'])
      .then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(/give its ACM certificate, --certificate-arn arn:aws:acm:/);
    expect(err?.stderr).toMatch(/give the on-call address, --alarm-email <address>/);
  });
});
