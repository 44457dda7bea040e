import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { floorEdges, floorViolations, longFunctions, serviceImportsOutsideDependencies } from './layout.js';

const root = path.join(import.meta.dirname, '..');
const tracked = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('layout: no floor imports one above it', () => {
  it('holds for the repository, and the floors do import each other downwards', () => {
    const edges = floorEdges(tracked.map((p) => ({ path: p, source: readFileSync(path.join(root, p), 'utf8') })));
    expect(floorViolations(edges)).toEqual([]);
    const pairs = new Set(edges.map((e) => `${e.fromFloor}>${e.toFloor}`));
    expect([...pairs]).toEqual(expect.arrayContaining(['testbed>service', 'loadtests>testbed', 'chaos>testbed', 'scenarios>chaos', 'infra>scenarios']));
  });

  it('catches an upward import', () => {
    const edges = floorEdges([
      { path: 'testbed/x.ts', source: "import { runScenario } from '../scenarios/runner.js';" },
      { path: 'service/app.ts', source: "import { Testbed } from '../testbed/testbed.js';" },
      { path: 'service/app.test.ts', source: "import { startHarness } from '../testbed/service-harness.js';" },
    ]);
    expect(floorViolations(edges)).toEqual([
      'testbed/x.ts -> ../scenarios/runner.js (testbed imports scenarios, a floor above it)',
      'service/app.ts -> ../testbed/testbed.js (service imports testbed, a floor above it)',
    ]);
  });
});

describe('the service image ships only what the service imports', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

  it('every package a shipped service file imports is a runtime dependency; testbed-only packages are dev ones', () => {
    const files = tracked.map((p) => ({ path: p, source: readFileSync(path.join(root, p), 'utf8') }));
    expect(serviceImportsOutsideDependencies(files, Object.keys(pkg.dependencies))).toEqual([]);
    for (const testbedOnly of ['dynalite', 'hdr-histogram-js', 'undici', 'autocannon']) expect(Object.keys(pkg.dependencies)).not.toContain(testbedOnly);
  });

  it('catches a service file importing a package the image does not install', () => {
    expect(serviceImportsOutsideDependencies([{ path: 'service/x.ts', source: "import { Pool } from 'undici';" }], ['pg'])).toEqual(['service/x.ts imports undici']);
  });
});

describe('layout: functions fit on a screen', () => {
  it(`no shipped function or method is longer than 70 lines`, () => {
    const shipped = tracked.filter((p) => !p.endsWith('.test.ts') && !p.endsWith('.d.ts'));
    expect(longFunctions(shipped.map((p) => ({ path: p, source: readFileSync(path.join(root, p), 'utf8') })))).toEqual([]);
  });

  it('catches a long function and a long method, not a long if-block or object literal', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  x${i}();`).join('\n');
    const source = [
      `export async function long(a: number): Promise<void> {\n${body(70)}\n}`,
      `class C {\n  private method(): void {\n${body(75)}\n  }\n}`,
      `function short() {\n${body(10)}\n}`,
      `if (x) {\n${body(80)}\n}`,
      `const table = {\n${body(80)}\n};`,
    ].join('\n');
    expect(longFunctions([{ path: 'f.ts', source }])).toEqual([
      'f.ts:1 export async function long(a: number): Promise<void> { (72 lines)',
      'f.ts:74 private method(): void { (77 lines)',
    ]);
  });
});
