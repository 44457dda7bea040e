import type { TimelineStep } from '../chaos/faults.js';
import type { Gate } from '../loadtests/gates.js';
import type { Mix } from '../loadtests/payment-mix.js';
import type { Stage } from '../loadtests/schedule.js';
import type { TopologySpec } from '../testbed/topology.js';
import type { OverloadSpec } from './overload.js';

/** A threshold on a service metric's increase over the run (summed over instances), optionally per timeline step. */
export interface ServiceMetricGate {
  metric: string;
  labels?: Record<string, string>;
  per_step_kind?: TimelineStep['action']['kind'];
  op: '<' | '<=' | '>' | '>=';
  threshold: number;
  description: string;
}

export type Suite = 'gate' | 'chaos' | 'capacity' | 'extended' | 'self-test';

export interface LoadProfile {
  /** Arrival-rate stages; the first `warmup_s` seconds are not measured. */
  stages: Stage[];
  warmup_s: number;
  mix: Mix;
  hot_share?: number;
  hot_accounts?: number;
  hot_reads?: boolean;
  amount_minor_max?: number;
  seed?: number;
  timeout_ms?: number;
  inflight_max?: number;
  /**
   * CPUs the load generator gets to itself for the load (the last ones it may use); the system under
   * test gets the rest, as when the clients run on another machine (testbed/cpu-split.ts). Absent:
   * both share every CPU. Where the machine has too few CPUs, the load runs shared and the report says so.
   */
  generator_cpus?: number;
}

/** Chaos Toolkit's steady-state hypothesis: what "healthy" means, checked before and after. */
export interface SteadyState { probe_s: number; rate_per_s: number; gates: Gate[] }

/** A scenario is data: everything a run does and judges, in one typed object. */
export interface Scenario {
  name: string;
  description: string;
  suites: Suite[];
  topology: TopologySpec;
  load: LoadProfile;
  timeline?: TimelineStep[];
  steady_state?: SteadyState;
  /** 'ledger' runs the history checker (rules 1-5) after the load. */
  invariants: 'ledger'[];
  gates: Gate[];
  service_metric_gates?: ServiceMetricGate[];
  /** Recovery objective after the first fault: p99 back under 200 ms (and no errors) within this many seconds. */
  recovery_within_s?: number;
  /** Path of the runbook (chaos/runbooks/*.md) whose steps this scenario rehearses. */
  runbook?: string;
  /** After the load: restore the base backup to the marked target in a fresh cluster and check it. */
  post_run?: 'restore_drill';
  /** Find the knee, then offer multiples of it: `load.stages` is replaced by the knee-relative ones. */
  overload?: OverloadSpec;
  /** 'knee': report the highest stage rate that kept p99 < 200 ms and errors < 0.1%. */
  analysis?: 'knee';
  /** Set when the scenario expects the checker to find violations (a demonstration of detection). */
  expect_violations?: boolean;
}
