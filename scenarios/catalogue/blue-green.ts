import { PAYMENTS_ONLY } from '../../loadtests/payment-mix.js';
import type { Scenario } from '../scenario.js';
import { FAST_ALB } from './compressed-alb.js';

// 300/s: during a deployment four tasks share the testbed's two cores; at 500/s the new tasks'
// boots made the live ones shed, and a good version's p99 alarm fired at 30-40% (slow-disk
// machine, calibration ~750-1,100 TPS, measured).
const RATE_PER_S = 300;
const RAMP = { duration_s: 5, from_rate_per_s: 50, to_rate_per_s: RATE_PER_S };
/** chaos/deployment-policy.ts, 60 times faster: a 2-minute step bakes 2 s, alarms take a datapoint a second. */
const COMPRESSION = 60;
/**
 * A new task looks every customer's session up once in DynamoDB; the testbed's emulator spends
 * milliseconds of CPU on each, on the cores everything shares. With 1,000 customers the good
 * version's p99 alarm fired at 50% (12% of its requests over 200 ms, measured): the emulator's
 * cost, not the version's. 300 customers keep the rehearsal about the deployment.
 */
const TOPOLOGY = { instances_per_az: 1, alb: FAST_ALB, seed: { customers: 300 } };

export const blueGreenDeploy: Scenario = {
  name: 'blue-green-deploy',
  description: 'ECS blue/green under 300 payments/s with the policy the CDK app deploys (chaos/deployment-policy.ts) compressed 60x: a replacement task set of a good version starts in its own target group, the listener shifts 10% of requests to it every 2 s while alarms watch its 5xx rate and p99, it bakes at 100%, then the old tasks are deregistered and stopped. Zero failed requests.',
  suites: ['chaos'],
  topology: TOPOLOGY,
  load: { stages: [RAMP, { duration_s: 45, rate_per_s: RATE_PER_S }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [{ at_s: 8, label: 'deploy a good version (LOG_LEVEL=error)', action: { kind: 'blue_green_deploy', green_env: { LOG_LEVEL: 'error' }, expect: 'complete', time_compression: COMPRESSION } }],
  invariants: ['ledger'],
  // Latency is judged by the deployment's own alarms (the step fails if they roll back a good
  // version), not by the run's p99: that includes the two new tasks booting on the cores the live
  // ones use, a testbed artifact (p99 300-400 ms for 2-3 s on the slow-disk machine, measured).
  gates: [{ metric: 'errors', op: '<=', threshold: 0 }, { metric: 'dropped', op: '<=', threshold: 0 }],
  runbook: 'chaos/runbooks/blue-green-deploy.md',
};

export const blueGreenRollback: Scenario = {
  name: 'blue-green-rollback',
  description: 'The same deployment of a bad version: its task definition names a sessions table that does not exist (SESSIONS_TABLE=sessions-v2), so its tasks pass health checks but answer every payment 503. The 5xx alarm on its target group fires after two datapoints and the listener sends everything back to the old tasks; the new ones stop. Gated: the rollback within 5 s of its first request, and the blast radius (failed requests).',
  suites: ['chaos'],
  topology: TOPOLOGY,
  load: { stages: [RAMP, { duration_s: 30, rate_per_s: RATE_PER_S }], warmup_s: 5, mix: PAYMENTS_ONLY },
  timeline: [{ at_s: 8, label: 'deploy a bad version (SESSIONS_TABLE=sessions-v2)', action: { kind: 'blue_green_deploy', green_env: { SESSIONS_TABLE: 'sessions-v2' }, expect: 'rollback', time_compression: COMPRESSION, rollback_within_s: 5 } }],
  invariants: ['ledger'],
  // Blast radius: 10-20% of 300/s for the ~3 s the alarm needs (two 1 s datapoints after the
  // first shift) is ~100-200 requests, about 2% of the 30 s window.
  gates: [{ metric: 'errors', op: '<=', threshold: 300 }, { metric: 'error_rate', op: '<', threshold: 0.035 }, { metric: 'dropped', op: '<=', threshold: 0 }],
  runbook: 'chaos/runbooks/blue-green-deploy.md',
};
