import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { azLoss } from '../../scenarios/catalogue/az-loss.js';
import { envContractProblems, requiredConfigKeys } from '../lib/env-contract.js';
import { FIS_TIME_SCALE, fisFromScenario } from '../lib/fis-from-scenario.js';
import { HEALTH_CHECK_SCRIPT_PATH } from '../lib/service-stack.js';
import { synthApp } from './app-fixture.js';

describe('cdk-nag: AwsSolutions and PCI DSS 3.2.1 packs', () => {
  it.each(['dev', 'prod'] as const)('%s synthesises with zero unacknowledged findings', (stage) => {
    const { app } = synthApp(stage);
    expect(() => app.synth()).not.toThrow();
  });

  it('is live: an unacknowledged finding fails synth (both packs)', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'NoSsl'); // AwsSolutions-S1 / S10, PCI S3 logging/versioning/KMS
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1[\s\S]*PCI\.DSS\.321-S3BucketVersioningEnabled|PCI\.DSS\.321-S3BucketVersioningEnabled[\s\S]*AwsSolutions-S1/);
  });

  it('acknowledgements are scoped to their resource: a new open security group in the same stack still fails synth', () => {
    const { app, stacks } = synthApp('prod');
    new ec2.SecurityGroup(stacks.service, 'Oops', { vpc: stacks.network.vpc, description: 'opened by mistake' })
      .addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(5432), 'postgres from anywhere');
    expect(() => app.synth()).toThrow(/Payments-prod-Service\/Oops[\s\S]*AwsSolutions-EC23|AwsSolutions-EC23[\s\S]*Payments-prod-Service\/Oops/);
  });

  it('a wildcard policy on another role of a stack whose task roles are acknowledged still fails synth', () => {
    const { app, stacks } = synthApp('dev');
    const role = new iam.Role(stacks.service, 'Extra', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/Payments-dev-Service\/Extra[\s\S]*AwsSolutions-IAM5/);
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

  it('the service logs in as its own role; only the migration task holds the owner\'s password', () => {
    expect(env.DB_USER).toBe('payments_app');
    const tds = Object.values(Template.fromStack(stacks.service).findResources('AWS::ECS::TaskDefinition')) as typeof td[];
    const migrate = tds.flatMap((t) => t.Properties.ContainerDefinitions).find((x) => x.Name === 'migrate')!;
    const menv = Object.fromEntries(migrate.Environment.map((e) => [e.Name, e.Value]));
    expect(menv.DB_USER).toBe('payments_owner');
    expect(migrate.Secrets.map((x) => x.Name).sort()).toEqual(['APP_DB_PASSWORD', 'DB_PASSWORD']);
    expect(envContractProblems(menv, migrate.Secrets.map((x) => x.Name), { extraSecrets: ['APP_DB_PASSWORD'] })).toEqual([]);
    Template.fromStack(stacks.data).hasResourceProperties('AWS::RDS::DBCluster', { MasterUsername: Match.anyValue() });
    Template.fromStack(stacks.data).hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
  });

  it('the task definition\'s container health check is the image\'s own probe (bash, not a Node start per probe)', () => {
    const hc = (c as unknown as { HealthCheck: { Command: string[]; Interval: number; Retries: number } }).HealthCheck;
    expect(hc.Command).toEqual(['CMD', 'bash', HEALTH_CHECK_SCRIPT_PATH]);
    expect([hc.Interval, hc.Retries]).toEqual([10, 3]);
    const dockerfile = readFileSync(new URL('../../service/Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toContain(`COPY service/healthcheck.sh ./${path.basename(HEALTH_CHECK_SCRIPT_PATH)}`);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toContain(`CMD ["bash", "${HEALTH_CHECK_SCRIPT_PATH}"]`);
  });

  it('catches drift in either direction', () => {
    expect(envContractProblems({ ...env, CACHE_TTL_SECONDS: '300' }, secrets)).toEqual([expect.stringMatching(/CACHE_TTL_SECONDS is set but the service does not read it/)]);
    const { SESSIONS_TABLE: _t, ...missing } = env;
    expect(envContractProblems(missing, secrets).join('\n')).toMatch(/SESSIONS_TABLE is required/);
    expect(envContractProblems({ ...env, DB_PASSWORD: 'hunter2' }, []).join('\n')).toMatch(/DB_PASSWORD is a secret but sits in the plain environment/);
    expect(envContractProblems({ ...env, KEEP_ALIVE_TIMEOUT_MS: '30000' }, secrets).join('\n')).toMatch(/KEEP_ALIVE_TIMEOUT_MS/);
  });
});

describe('FIS experiment from the az-loss scenario (AWS "AZ Availability: Power Interruption")', () => {
  const targets = { subnetArns: ['arn:public-a', 'arn:app-a', 'arn:data-a'], clusterArn: 'arn:c', ecsClusterName: 'c', ecsServiceName: 's', availabilityZone: 'us-east-1a' };

  it('has the four power-interruption actions, current action ids, the scenario duration scaled', () => {
    const parts = fisFromScenario(azLoss, targets);
    const actions = parts.actions as Record<string, { actionId: string; parameters?: { duration?: string } }>;
    expect(Object.values(actions).map((a) => a.actionId).sort()).toEqual(['aws:ecs:stop-task', 'aws:elasticache:replicationgroup-interrupt-az-power', 'aws:network:disrupt-connectivity', 'aws:rds:failover-db-cluster']);
    expect(actions.DropZoneTraffic!.parameters!.duration).toBe(`PT${20 * FIS_TIME_SCALE}S`);
    expect(actions.InterruptCacheAzPower!.parameters!.duration).toBe(`PT${20 * FIS_TIME_SCALE}S`);
  });

  it('scopes every target to the zone: writer only if it is there, cache nodes by zone, tasks by zone', () => {
    const t = fisFromScenario(azLoss, targets).targets as Record<string, { resourceType: string; parameters?: Record<string, string>; resourceTags?: Record<string, string>; resourceArns?: string[] }>;
    expect(t.AuroraClusterWithWriterInZone).toMatchObject({ resourceType: 'aws:rds:cluster', parameters: { writerAvailabilityZoneIdentifiers: 'us-east-1a' } });
    expect(t.CacheReplicationGroup).toMatchObject({ resourceType: 'aws:elasticache:replicationgroup', parameters: { availabilityZoneIdentifier: 'us-east-1a' }, resourceTags: { AzImpairmentPower: 'DisruptElasticache' } });
    expect(t.CacheReplicationGroup!.resourceArns).toBeUndefined(); // the resource type takes tags only
    expect(t.ZoneSubnets!.resourceArns).toEqual(targets.subnetArns);
    expect(() => fisFromScenario(azLoss, { ...targets, subnetArns: [] })).toThrow(/no subnets in us-east-1a/);
  });

  it('is synthesised with every subnet tier of AZ a, three stop alarms, logging, and a role only this account\'s experiments can assume', () => {
    const { stacks } = synthApp('dev');
    const t = Template.fromStack(stacks.chaos);
    const tpl = Object.values(t.findResources('AWS::FIS::ExperimentTemplate'))[0] as { Properties: {
      StopConditions: { Source: string; Value: unknown }[]; Targets: Record<string, { ResourceArns?: unknown[]; Filters?: { Values: string[] }[] }>;
      LogConfiguration: { LogSchemaVersion: number; CloudWatchLogsConfiguration: { LogGroupArn: unknown } }; ExperimentOptions: { EmptyTargetResolutionMode: string };
    } };
    expect(tpl.Properties.Targets.ZoneSubnets!.ResourceArns).toHaveLength(3); // public, app, data
    expect(tpl.Properties.Targets.ZoneTasks!.Filters![0]!.Values).toEqual(['us-east-1a']);
    expect(tpl.Properties.StopConditions).toHaveLength(3);
    expect(tpl.Properties.StopConditions.every((c) => c.Source === 'aws:cloudwatch:alarm')).toBe(true);
    expect(tpl.Properties.LogConfiguration.LogSchemaVersion).toBe(2);
    expect(tpl.Properties.LogConfiguration.CloudWatchLogsConfiguration.LogGroupArn).toBeDefined();
    // A writer already in the healthy zone resolves to no target: skipped, not an error.
    expect(tpl.Properties.ExperimentOptions.EmptyTargetResolutionMode).toBe('skip');
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{
      Principal: { Service: 'fis.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
    }] } });
    const obs = Template.fromStack(stacks.observability);
    obs.hasResourceProperties('AWS::CloudWatch::Alarm', { ComparisonOperator: 'LessThanLowerThreshold', ThresholdMetricId: Match.anyValue() });
    Template.fromStack(stacks.data).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Tags: [{ Key: 'AzImpairmentPower', Value: 'DisruptElasticache' }] });
  });

  it('refuses a scenario without an AZ power interruption', () => {
    expect(() => fisFromScenario({ ...azLoss, timeline: [] }, targets)).toThrow(/no az_power_interruption/);
  });
});
