import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const cli = path.join(import.meta.dirname, 'cli.ts');
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

async function testbed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', require.resolve('tsx'), cli, ...args], { maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('testbed CLI', () => {
  it('a deliberately slowed service (300 ms on the DB writer) fails the p99 gate with exit code 1', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'cli-test-'));
    dirs.push(out);
    const r = await testbed('run', 'gate-self-test-slow-db', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL gate-self-test-slow-db: latency_p99_ms < 200 \(measured \d+/);
    const report = JSON.parse(await readFile(path.join(out, 'gate-self-test-slow-db', 'report.json'), 'utf8'));
    expect(report.verdict).toBe('fail');
    const p99 = report.gates.find((g: { metric: string }) => g.metric === 'latency_p99_ms');
    expect(p99.measured).toBeGreaterThanOrEqual(300);
    expect(report.invariants.ok).toBe(true);
    const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure message="latency_p99_ms &lt; 200: measured/);
  }, 120_000);

  it('bad usage names the problem and exits 2', async () => {
    const r = await testbed('run', 'no-such-scenario');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scenario "no-such-scenario"; known: smoke/);
    const s = await testbed('run', '--suite', 'nightly');
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--suite must be one of gate, chaos/);
  });

  it('lists the catalogue', async () => {
    const r = await testbed('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/baseline-1k-tps\s+\[gate\]/);
  });
});
