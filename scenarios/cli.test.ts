import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aliveWithRunDir, LONG_RUN, processGroupOf, removeLater, removeTempDirs, startAndWaitForLoad, tempDir, testbed } from './testing/cli-driver.js';

const example = path.join(import.meta.dirname, 'examples', 'checkout-latency.yaml');
afterAll(removeTempDirs);

describe('testbed CLI', () => {
  it('a deliberately slowed service (300 ms on the DB writer) fails the p99 gate with exit code 1 and keeps its run dir', async () => {
    const out = await tempDir();
    const r = await testbed('run', 'gate-self-test-slow-db', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL gate-self-test-slow-db: latency_p99_ms < 200 \(measured \d+/);
    const report = JSON.parse(await readFile(path.join(out, 'gate-self-test-slow-db', 'report.json'), 'utf8'));
    expect(report.verdict).toBe('fail');
    const p99 = report.gates.find((g: { metric: string }) => g.metric === 'latency_p99_ms');
    expect(p99.measured).toBeGreaterThanOrEqual(300);
    expect(report.invariants.ok).toBe(true);
    const junit = await readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<failure message="gate failed: latency_p99_ms &lt; 200 \(measured \d/);
    // A failed run keeps its logs for a post-mortem, and says where.
    expect(report.run_dir_kept).toMatch(/testbed-/);
    expect(existsSync(path.join(report.run_dir_kept, 'postgres-a.log'))).toBe(true);
    expect(r.stdout).toContain(`logs and data kept in ${report.run_dir_kept}`);
    removeLater(report.run_dir_kept);
  }, 120_000);

  it('bad usage names the problem, prints the usage line and exits 2; --help exits 0', async () => {
    const r = await testbed('run', 'no-such-scenario');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scenario "no-such-scenario"; known: smoke/);
    const s = await testbed('run', '--suite', 'nightly');
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--suite must be one of gate, chaos/);
    const bogus = await testbed('run', 'smoke', '--bogus-flag');
    expect([bogus.code, bogus.stderr.split('\n')[0]]).toEqual([2, "testbed: Unknown option '--bogus-flag'"]);
    expect(bogus.stderr).toContain('usage: testbed <command> [options]');
    const noValue = await testbed('run', 'smoke', '--out');
    expect([noValue.code, noValue.stderr.split('\n')[0]]).toEqual([2, "testbed: Option '--out <value>' argument missing"]);
    const none = await testbed();
    expect([none.code, none.stderr.split('\n')[0]]).toEqual([2, 'testbed: name a command']);
    const both = await testbed('run', 'smoke', '--file', example);
    expect([both.code, both.stderr.split('\n')[0]]).toEqual([2, 'testbed: give scenario names, --suite or --file, not several']);
    const help = await testbed('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: testbed/);
  });

  it('lists the catalogue, for people and as JSON', async () => {
    const r = await testbed('list');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/baseline-1k-tps\s+\[gate\]/);
    const j = await testbed('list', '--json');
    expect(j.code).toBe(0);
    const list = JSON.parse(j.stdout) as { name: string; suites: string[] }[];
    expect(list.find((s) => s.name === 'baseline-1k-tps')?.suites).toEqual(['gate']);
  });

  it('validate: ok for a good file, exit 2 and the field for a bad one; export writes a file that validates', async () => {
    const dir = await tempDir();
    expect((await testbed('validate', example)).code).toBe(0);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, (await readFile(example, 'utf8')).replace('warmup_s: 3', 'warmup_s: 3\n  warmup: 1'));
    const r = await testbed('validate', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${bad}: load: Unrecognized key: "warmup"\n`);
    const exported = await testbed('export', 'az-loss', '--format', 'json');
    expect(exported.code).toBe(0);
    const file = path.join(dir, 'az-loss.json');
    await writeFile(file, exported.stdout);
    expect((await testbed('validate', file)).stdout).toContain('ok (scenario az-loss: 2 stage(s), 1 fault step(s), 2 gate(s))');
  });

  it('runs a scenario file a user wrote (YAML, k6 thresholds, a fault on the timeline)', async () => {
    const out = await tempDir();
    // The example as written, but for its p99 threshold: beside another test file on two cores its
    // 200 ms is a verdict on the machine (254 ms, and once 2,386 ms in a stall), and this test is
    // about the file's path: the threshold is still parsed and judged, at a bound no stall reaches.
    const file = path.join(out, 'checkout-latency.yaml');
    const text = await readFile(example, 'utf8');
    expect(text).toContain('["p(99)<200"]');
    await writeFile(file, text.replace('["p(99)<200"]', '["p(99)<60000"]'));
    const r = await testbed('run', '--file', file, '--out', out);
    const report = JSON.parse(await readFile(path.join(out, 'checkout-latency', 'report.json'), 'utf8'));
    expect(report.reasons).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.timeline).toMatchObject([{ kind: 'add_toxic', label: 'slow cache in zone a', ok: true }]);
    expect(report.gates.map((g: { name: string }) => g.name)).toContain('latency_p99_ms[payment] < 60000');
    expect(report.invariants.ok).toBe(true);
    // The server's view agrees with the client's: payments posted per second, summed over tasks.
    const posted = report.server.series.find((x: { name: string }) => x.name === 'payments_posted_per_s').points.reduce((n: number, [, v]: [number, number]) => n + v, 0);
    const okPayments = report.load.status_counts['201'] ?? 0;
    expect(report.server.scrapes).toBeGreaterThanOrEqual(14);
    expect(posted).toBeGreaterThan(0.7 * okPayments); // the first scrape has no rate yet
    expect(posted).toBeLessThan(1.1 * okPayments);
    const html = await readFile(path.join(out, 'checkout-latency', 'report.html'), 'utf8');
    expect(html).toContain('Server: database pool');
  }, 120_000);

  it('a dependency that fails to boot is named with why (its log), the run exits 3 and keeps the logs', async () => {
    const out = await tempDir();
    const file = path.join(out, 'bad-env.yaml');
    await writeFile(file, `${LONG_RUN.replace('name: long-run', 'name: bad-env').replace('topology: { seed: { customers: 50 } }', 'topology: { seed: { customers: 50 }, service_env: { DB_POOL_MAX: lots } }')}`);
    const started = Date.now();
    const r = await testbed('run', '--file', file, '--out', out);
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(60_000); // failed at the exit, not at a readiness timeout
    const report = JSON.parse(await readFile(path.join(out, 'bad-env', 'report.json'), 'utf8'));
    expect(report.verdict).toBe('error');
    // Either zone's task may be the first to fail; its own log says why.
    expect(report.reasons[0]).toMatch(/^run failed: boot failed: (svc-[ab]-\d+) exited during start \(code 2\); \S+\/\1\.log ends:\n\s+payment service: invalid configuration:\n\s+DB_POOL_MAX: /);
    const kept = /logs and data kept in (\S+) until/.exec(report.reasons[0])![1]!;
    removeLater(kept);
    expect(existsSync(path.join(kept, 'postgres-a.log'))).toBe(true);
  }, 120_000);

  it('Ctrl-C: report says interrupted, testbed torn down, temp dir removed, exit 130; children in their own process group', async () => {
    const out = await tempDir();
    const file = path.join(out, 'long.yaml');
    await writeFile(file, LONG_RUN);
    const { child, runDir, exited } = await startAndWaitForLoad(file, out);
    const children = (await readFile(path.join(runDir, 'children.pids'), 'utf8')).split('\n').filter(Boolean).map(Number);
    const cliGroup = await processGroupOf(child.pid!);
    for (const pid of children) expect(await processGroupOf(pid)).not.toBe(cliGroup);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const report = JSON.parse(await readFile(path.join(out, 'long-run', 'report.json'), 'utf8'));
    expect(report.verdict).toBe('interrupted');
    expect(report.reasons).toEqual(['interrupted by the user during the load']);
    expect(report.load.sent).toBeGreaterThan(0);
    expect(await readFile(path.join(out, 'junit.xml'), 'utf8')).toContain('<error message="interrupted by the user during the load"/>');
    expect(existsSync(runDir)).toBe(false);
    expect(await aliveWithRunDir(runDir)).toEqual([]);
  }, 120_000);
});
