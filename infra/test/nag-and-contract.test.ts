import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { azLoss } from '../../scenarios/catalogue/az-loss.js';
import { envContractProblems, requiredConfigKeys } from '../lib/env-contract.js';
import { FIS_TIME_SCALE, fisFromScenario } from '../lib/fis-from-scenario.js';
import { synthApp } from './app-fixture.js';

describe('cdk-nag AwsSolutions', () => {
  it.each(['dev', 'prod'] as const)('%s synthesises with zero unacknowledged findings', (stage) => {
    const { app } = synthApp(stage);
    expect(() => app.synth()).not.toThrow();
  });

  it('is live: an unacknowledged finding fails synth', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'NoSsl'); // AwsSolutions-S1 / S10: no access logs, no enforceSSL
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });
});

describe('task definition <-> service config contract', () => {
  const { stacks } = synthApp('prod');
  const td = Object.values(Template.fromStack(stacks.service).findResources('AWS::ECS::TaskDefinition'))[0] as {
    Properties: { ContainerDefinitions: { Name: string; Environment: { Name: string; Value: unknown }[]; Secrets: { Name: string }[] }[] };
  };
  const c = td.Properties.ContainerDefinitions.find((x) => x.Name === 'payments')!;
  const env = Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
  const secrets = c.Secrets.map((s) => s.Name);

  it('provides every required variable, nothing unknown, secrets only as secrets, values the schema accepts', () => {
    expect(requiredConfigKeys()).toEqual(expect.arrayContaining(['DB_HOST', 'DB_NAME', 'DB_USER', 'REDIS_URL', 'SESSIONS_TABLE']));
    expect(envContractProblems(env, secrets)).toEqual([]);
  });

  it('catches drift in either direction', () => {
    expect(envContractProblems({ ...env, CACHE_TTL_SECONDS: '300' }, secrets)).toEqual([expect.stringMatching(/CACHE_TTL_SECONDS is set but the service does not read it/)]);
    const { SESSIONS_TABLE: _t, ...missing } = env;
    expect(envContractProblems(missing, secrets).join('\n')).toMatch(/SESSIONS_TABLE is required/);
    expect(envContractProblems({ ...env, DB_PASSWORD: 'hunter2' }, []).join('\n')).toMatch(/DB_PASSWORD is a secret but sits in the plain environment/);
    expect(envContractProblems({ ...env, KEEP_ALIVE_TIMEOUT_MS: '30000' }, secrets).join('\n')).toMatch(/KEEP_ALIVE_TIMEOUT_MS/);
  });
});

describe('FIS experiment from the az-loss scenario', () => {
  it('has the four FIS power-interruption actions with the scenario duration scaled', () => {
    const parts = fisFromScenario(azLoss, { subnetArns: ['arn:sub'], clusterArn: 'arn:c', replicationGroupArn: 'arn:r', ecsClusterName: 'c', ecsServiceName: 's', availabilityZone: 'us-east-1a' });
    const actions = parts.actions as Record<string, { actionId: string; parameters?: { duration?: string } }>;
    expect(Object.values(actions).map((a) => a.actionId).sort()).toEqual(['aws:ecs:stop-task', 'aws:elasticache:interrupt-cluster-az-power', 'aws:network:disrupt-connectivity', 'aws:rds:failover-db-cluster']);
    expect(actions.DropZoneTraffic!.parameters!.duration).toBe(`PT${20 * FIS_TIME_SCALE}S`);
  });

  it('is synthesised into the chaos stack, stopped by the abort alarm, targeting AZ a', () => {
    const { stacks } = synthApp('dev');
    const t = Template.fromStack(stacks.chaos);
    const tpl = Object.values(t.findResources('AWS::FIS::ExperimentTemplate'))[0] as { Properties: { StopConditions: { Source: string }[]; Targets: Record<string, { Filters?: { Values: string[] }[] }> } };
    expect(tpl.Properties.StopConditions[0]!.Source).toBe('aws:cloudwatch:alarm');
    expect(tpl.Properties.Targets.ZoneTasks!.Filters![0]!.Values).toEqual(['us-east-1a']);
  });

  it('refuses a scenario without an AZ power interruption', () => {
    expect(() => fisFromScenario({ ...azLoss, timeline: [] }, { subnetArns: [], clusterArn: '', replicationGroupArn: '', ecsClusterName: '', ecsServiceName: '', availabilityZone: 'a' })).toThrow(/no az_power_interruption/);
  });
});
