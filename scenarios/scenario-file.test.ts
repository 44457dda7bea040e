import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { catalogue } from './catalogue/index.js';
import { loadScenarioFile, parseScenario, scenarioToText, ScenarioFileError } from './scenario-file.js';
import { scenarioSchema, validateScenario } from './scenario-schema.js';
import { gatesFromK6, k6FromGate } from './k6-thresholds.js';

const problemsOf = (text: string, format: 'yaml' | 'json' = 'yaml'): string[] => {
  try { parseScenario(text, format); } catch (e) { if (e instanceof ScenarioFileError) return e.problems; throw e; }
  throw new Error('expected the file to be refused');
};

const MINIMAL = `
name: mine
description: two stages of payments
load:
  stages: [{ duration_s: 2, rate_per_s: 10 }, { duration_s: 5, rate_per_s: 20 }]
  warmup_s: 2
  mix: { payment: 1, replay: 0, balance: 0, summary: 0 }
thresholds:
  http_req_duration: ["p(99)<200"]
`;

describe('scenario files', () => {
  it.each(catalogue.map((s) => [s.name, s] as const))('catalogue scenario %s exports to YAML and JSON and loads back the same', (_name, s) => {
    const normalised = scenarioSchema.parse(s);
    for (const format of ['yaml', 'json'] as const) {
      const back = parseScenario(scenarioToText(s, format), format);
      expect(back).toEqual(normalised);
      // Nothing the scenario says is lost to normalisation: load, timeline and gates are as written.
      expect({ load: back.load, timeline: back.timeline, gates: back.gates }).toEqual({ load: s.load, timeline: s.timeline, gates: s.gates });
    }
  });

  it('reads a minimal file with defaults filled and k6 thresholds as gates', () => {
    const s = parseScenario(MINIMAL, 'yaml');
    expect(s.topology).toMatchObject({ provider: 'local', instances_per_az: 1, replication: 'synchronous' });
    expect(s.gates).toEqual([{ metric: 'latency_p99_ms', op: '<', threshold: 200 }]);
    expect(s.suites).toEqual([]);
  });

  it('the example in scenarios/examples validates', async () => {
    const s = await loadScenarioFile(path.join(import.meta.dirname, 'examples', 'checkout-latency.yaml'));
    expect(s.name).toBe('checkout-latency');
    expect(s.gates).toContainEqual({ metric: 'latency_p99_ms', op: '<', threshold: 200, request_op: 'payment' });
    expect(s.timeline?.[0]?.action).toMatchObject({ kind: 'add_toxic', toxic: { type: 'latency', latency_ms: 5, jitter_ms: 0 } });
  });

  it('names the field of each problem', () => {
    expect(problemsOf(MINIMAL.replace('warmup_s: 2', 'warmup_s: 7'))).toEqual(["load.warmup_s: must be less than the load's 7 s"]);
    expect(problemsOf(MINIMAL.replace('warmup_s: 2', 'warmup_s: 2\n  hot_shares: 0.5'))).toEqual(['load: Unrecognized key: "hot_shares"']);
    expect(problemsOf(MINIMAL.replace('rate_per_s: 20', 'rate_per_s: "20"'))[0]).toMatch(/^load\.stages\[1\]: a stage is/);
    expect(problemsOf(MINIMAL.replace('payment: 1,', 'payment: 0.5,'))).toEqual(['load.mix: the shares must sum to 1']);
    expect(problemsOf(MINIMAL.replace('name: mine', 'name: My Scenario'))[0]).toMatch(/^name: kebab-case/);
    expect(problemsOf(MINIMAL.replace('p(99)<200', 'p(99.9)<200'))[0]).toMatch(/^thresholds: thresholds\.http_req_duration\[0\]: aggregation "p\(99\.9\)" is not supported/);
    expect(problemsOf(`${MINIMAL}timeline: [{ at_s: 3, action: { kind: failover_dbs } }]`)[0]).toMatch(/^timeline\[0\]\.action\.kind: /);
    expect(problemsOf(`${MINIMAL}topology: { instances_per_az: 9 }`)[0]).toMatch(/^topology\.instances_per_az: Too big/);
    expect(problemsOf(MINIMAL.replace('warmup_s: 2', 'warmup_s: 2\n  generator_cpus: 0'))[0]).toMatch(/^load\.generator_cpus: Too small/);
    expect(problemsOf(MINIMAL.replace('warmup_s: 2', 'warmup_s: 2\n  generator_cpus: 1') + 'timeline: [{ at_s: 3, action: { kind: failover_db } }]'))
      .toEqual(["load.generator_cpus: cannot be combined with a timeline: processes the testbed starts during the load would run on the generator's CPUs"]);
    expect(problemsOf('name: [unclosed')[0]).toMatch(/^not valid YAML: /);
    expect(problemsOf('{"name": "x"', 'json')[0]).toMatch(/^not valid JSON: /);
  });

  it('a scenario written in TypeScript meets the same rules (the runner validates it before booting)', () => {
    const smoke = catalogue.find((x) => x.name === 'smoke')!;
    expect(() => validateScenario(smoke)).not.toThrow();
    expect(() => validateScenario({ ...smoke, load: { ...smoke.load, warmup_s: 99 } })).toThrow("scenario smoke: load.warmup_s: must be less than the load's 12 s");
    expect(() => validateScenario({ ...smoke, name: 'Smoke Test' })).toThrow(/scenario Smoke Test: name: kebab-case/);
  });

  it('refuses a file that judges nothing', () => {
    expect(problemsOf(MINIMAL.replace(/thresholds:[\s\S]*$/, ''))).toEqual(['gates: a scenario must judge something: gates, thresholds or invariants']);
  });

  it('refuses unknown file types and unreadable files by name', async () => {
    await expect(loadScenarioFile('scenario.toml')).rejects.toThrow('scenario.toml: unknown file type ".toml"; expected .yaml, .yml or .json');
    await expect(loadScenarioFile('/no/such/file.yaml')).rejects.toThrow('/no/such/file.yaml: cannot read: ENOENT');
  });
});

describe('k6 thresholds', () => {
  it('map to gates, tag filters to request_op', () => {
    expect(gatesFromK6({ 'http_req_duration{op:payment}': ['p(95)<150', 'max<=1000'], http_req_failed: ['rate<0.001'], http_reqs: ['rate>=990'], dropped_iterations: ['count<=0'] })).toEqual([
      { metric: 'latency_p95_ms', op: '<', threshold: 150, request_op: 'payment' },
      { metric: 'latency_max_ms', op: '<=', threshold: 1000, request_op: 'payment' },
      { metric: 'error_rate', op: '<', threshold: 0.001 },
      { metric: 'throughput_per_s', op: '>=', threshold: 990 },
      { metric: 'dropped', op: '<=', threshold: 0 },
    ]);
  });

  it('refuse what does not map exactly', () => {
    expect(() => gatesFromK6({ iteration_duration: ['p(99)<200'] })).toThrow(/thresholds\.iteration_duration: unsupported k6 metric/);
    expect(() => gatesFromK6({ 'http_req_failed{op:payment}': ['rate<0.1'] })).toThrow(/tag filter is supported on http_req_duration only/);
    expect(() => gatesFromK6({ http_req_duration: ['p(99) == 200'] })).toThrow(/is not a k6 threshold/);
    expect(() => gatesFromK6({ http_req_failed: ['count<10'] })).toThrow(/aggregation "count" is not supported here; use one of rate/);
  });

  it('export is the inverse of import where a k6 form exists', () => {
    for (const s of catalogue) {
      for (const g of s.gates) {
        const pair = k6FromGate(g);
        if (pair) expect(gatesFromK6({ [pair[0]]: [pair[1]] })).toEqual([g]);
        // k6 has no form for these: late sends, and a failed-request count (its Rate metrics take rate only).
        else expect(['late_rate', 'errors']).toContain(g.metric);
      }
    }
  });
});
