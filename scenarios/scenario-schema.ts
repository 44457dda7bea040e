// The whole scenario as a zod schema: what `testbed run --file` and `testbed validate` accept.
// Objects are strict, so a misspelt key is an error naming it, never a silently ignored setting.
import { z } from 'zod';
import { faultActionSchema, timelineStepSchema } from '../chaos/faults.js';
import { gateSchema } from '../loadtests/gates.js';
import { RATE_PER_S_MAX, STAGE_DURATION_S_MAX } from '../loadtests/schedule.js';
import { topologySchema } from '../testbed/topology.js';
import { gatesFromK6 } from './k6-thresholds.js';
import type { Scenario, Suite } from './scenario.js';

export const SCENARIO_FILE_SCHEMA = 'testbed-scenario/1';
export const SUITES = ['gate', 'chaos', 'capacity', 'extended', 'self-test'] as const satisfies readonly Suite[];
const SHARE_EPSILON = 1e-9;

const rate = z.number().min(0).max(RATE_PER_S_MAX);
const duration = z.number().gt(0).max(STAGE_DURATION_S_MAX);
const stageSchema = z.union([
  z.strictObject({ duration_s: duration, rate_per_s: rate }),
  z.strictObject({ duration_s: duration, from_rate_per_s: rate, to_rate_per_s: rate }),
], { error: 'a stage is { duration_s, rate_per_s } or { duration_s, from_rate_per_s, to_rate_per_s }' });

const share = z.number().min(0).max(1);
const mixSchema = z.strictObject({ payment: share, replay: share, balance: share, summary: share })
  .refine((m) => Math.abs(m.payment + m.replay + m.balance + m.summary - 1) <= SHARE_EPSILON, 'the shares must sum to 1');

const loadSchema = z.strictObject({
  stages: z.array(stageSchema).min(1).max(100),
  warmup_s: z.number().min(0),
  mix: mixSchema,
  hot_share: share.optional(),
  hot_accounts: z.number().int().min(1).max(1_000).optional(),
  hot_reads: z.boolean().optional(),
  amount_minor_max: z.number().int().min(1).max(1_000_000_000).optional(),
  seed: z.number().int().min(0).optional(),
  timeout_ms: z.number().int().min(1).max(600_000).optional(),
  inflight_max: z.number().int().min(1).max(100_000).optional(),
  generator_cpus: z.number().int().min(1).max(64).optional(),
});

/** k6's `thresholds` object; read into gates (see k6-thresholds.ts). */
const thresholdsSchema = z.record(z.string(), z.array(z.string()).min(1)).transform((t, ctx) => {
  try { return gatesFromK6(t); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); return z.NEVER; }
});
const gatesSchema = z.array(gateSchema.strict()).max(100);

const steadyStateSchema = z.strictObject({
  probe_s: z.number().int().min(1).max(600), rate_per_s: rate,
  gates: gatesSchema.default([]), thresholds: thresholdsSchema.optional(),
}).transform(({ thresholds, ...s }) => ({ ...s, gates: [...s.gates, ...(thresholds ?? [])] }));

const serviceMetricGateSchema = z.strictObject({
  metric: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a Prometheus metric name'),
  labels: z.record(z.string(), z.string()).optional(),
  per_step_kind: z.enum(faultActionSchema.options.map((o) => o.shape.kind.value) as [FaultKind, ...FaultKind[]]).optional(),
  op: z.enum(['<', '<=', '>', '>=']), threshold: z.number(), description: z.string().min(1).max(200),
});
type FaultKind = z.infer<typeof faultActionSchema>['kind'];

const positive = z.number().gt(0);
const overloadSchema = z.strictObject({
  knee_search: z.strictObject({ warmup_s: z.number().min(0), from_rate_per_s: rate, to_rate_per_s: rate, duration_s: duration }),
  cooldown_s: z.number().min(0).max(600), overload_multiple: positive, overload_s: duration, after_multiple: positive, after_s: duration,
  recovery_within_s: z.number().min(0), goodput_share_min: share,
  // Default so that scenario files written before this gate existed still load and are judged by it.
  refused_share_min: share.default(0.1), refused_p99_ms_max: positive, accepted_p99_ms_max: positive,
});

export const scenarioSchema = z.strictObject({
  schema: z.literal(SCENARIO_FILE_SCHEMA).optional(),
  name: z.string().regex(/^[a-z0-9-]{1,64}$/, 'kebab-case: lower-case letters, digits and -, at most 64'),
  description: z.string().min(1).max(2_000),
  suites: z.array(z.enum(SUITES)).default([]),
  topology: topologySchema.prefault({}),
  load: loadSchema,
  timeline: z.array(timelineStepSchema).max(1_000).optional(),
  steady_state: steadyStateSchema.optional(),
  invariants: z.array(z.literal('ledger')).max(1).default([]),
  gates: gatesSchema.default([]),
  thresholds: thresholdsSchema.optional(),
  service_metric_gates: z.array(serviceMetricGateSchema).max(100).optional(),
  recovery_within_s: z.number().gt(0).max(3_600).optional(),
  runbook: z.string().min(1).max(500).optional(),
  post_run: z.literal('restore_drill').optional(),
  overload: overloadSchema.optional(),
  analysis: z.literal('knee').optional(),
  expect_violations: z.boolean().optional(),
}).superRefine((s, ctx) => {
  const total = s.load.stages.reduce((t, st) => t + st.duration_s, 0);
  if (s.load.warmup_s >= total) ctx.addIssue({ code: 'custom', path: ['load', 'warmup_s'], message: `must be less than the load's ${total} s` });
  // A process the testbed starts during the load (a restarted task, a promoted node) is started by
  // the generator's process and would inherit the generator's CPUs.
  if (s.load.generator_cpus !== undefined && (s.timeline?.length ?? 0) > 0) {
    ctx.addIssue({ code: 'custom', path: ['load', 'generator_cpus'], message: 'cannot be combined with a timeline: processes the testbed starts during the load would run on the generator\'s CPUs' });
  }
  s.timeline?.forEach((step, i) => {
    if (step.at_s > total) ctx.addIssue({ code: 'custom', path: ['timeline', i, 'at_s'], message: `must be within the load's ${total} s` });
  });
  if (s.gates.length + Object.keys(s.thresholds ?? {}).length === 0 && s.invariants.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['gates'], message: 'a scenario must judge something: gates, thresholds or invariants' });
  }
}).transform(({ schema: _schema, thresholds, ...s }): Scenario => ({ ...s, gates: [...s.gates, ...(thresholds ?? [])] }));

export type ScenarioFile = z.input<typeof scenarioSchema>;

/** The same rules for a scenario written in TypeScript as for one read from a file; throws naming each field. */
export function validateScenario(s: Scenario): void {
  const parsed = scenarioSchema.safeParse(s);
  if (!parsed.success) throw new Error(`scenario ${s.name}: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
}
