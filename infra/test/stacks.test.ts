import { App, Stack } from 'aws-cdk-lib';
import { gatewayPrefixLists } from '../bin/app.js';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DIGEST, synthApp } from './app-fixture.js';
import { DEPLOYMENT_POLICY } from '../../chaos/deployment-policy.js';

const dev = synthApp('dev').stacks;
const prod = synthApp('prod').stacks;
const t = (s: Stack) => Template.fromStack(s);

describe('network', () => {
  it('spans two AZs with public, app and isolated data subnets, NAT per stage, and VPC endpoints', () => {
    const n = t(dev.network);
    n.resourceCountIs('AWS::EC2::Subnet', 6);
    n.resourceCountIs('AWS::EC2::NatGateway', 1);
    t(prod.network).resourceCountIs('AWS::EC2::NatGateway', 2);
    n.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: Match.stringLikeRegexp('secretsmanager') });
    n.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    n.resourceCountIs('AWS::EC2::FlowLog', 1);
    expect(dev.network.vpc.availabilityZones).toEqual(['us-east-1a', 'us-east-1b']); // from committed cdk.context.json
  });
});

describe('data (stateful)', () => {
  it('Aurora: encrypted, writer and reader, in the isolated data subnets only', () => {
    const d = t(dev.data);
    d.hasResourceProperties('AWS::RDS::DBCluster', { StorageEncrypted: true, Engine: 'aurora-postgresql' });
    d.resourceCountIs('AWS::RDS::DBInstance', 2);
    const group = Object.values(d.findResources('AWS::RDS::DBSubnetGroup'))[0] as { Properties: { SubnetIds: unknown[] } };
    expect(group.Properties.SubnetIds).toHaveLength(2);
    for (const id of group.Properties.SubnetIds) expect(JSON.stringify(id)).toMatch(/VpcdataSubnet\d/);
    expect(JSON.stringify(group.Properties.SubnetIds)).not.toMatch(/publicSubnet|appSubnet/);
    d.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: 'Aurora: from service tasks only', SecurityGroupEgress: Match.anyValue() });
  });

  it('Redis: primary and replica across AZs with automatic failover, encrypted at rest and in transit', () => {
    t(dev.data).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      NumCacheClusters: 2, AutomaticFailoverEnabled: true, MultiAZEnabled: true, AtRestEncryptionEnabled: true, TransitEncryptionEnabled: true,
    });
  });

  it('sessions table: TTL on expires_at, point-in-time recovery, customer-managed key', () => {
    t(dev.data).hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
  });

  it('prod protects data; dev does not', () => {
    expect(prod.data.terminationProtection).toBe(true);
    expect(dev.data.terminationProtection).toBe(false);
    t(prod.data).hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: true });
    t(dev.data).hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: false });
    t(prod.data).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });
});

describe('service', () => {
  const s = t(dev.service);
  it('runs the gated image by digest, in private subnets, with circuit-breaker rollback', () => {
    const td = Object.values(s.findResources('AWS::ECS::TaskDefinition'))[0] as { Properties: { ContainerDefinitions: { Name: string; Image: unknown }[] } };
    const image = JSON.stringify(td.Properties.ContainerDefinitions.find((c) => c.Name === 'payments')!.Image);
    expect(image).toContain(`/payments-service@${DIGEST}`);
    expect(image).not.toMatch(/:latest|payments-service:/);
    s.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
  });

  it('deploys blue/green with linear shifting, rolled back by the alarms the scenarios rehearse (chaos/deployment-policy.ts)', () => {
    const p = DEPLOYMENT_POLICY;
    s.hasResourceProperties('AWS::ECS::Service', {
      DeploymentConfiguration: Match.objectLike({
        Strategy: 'LINEAR', BakeTimeInMinutes: p.final_bake_s / 60,
        LinearConfiguration: { StepPercent: p.step_pct, StepBakeTimeInMinutes: p.step_bake_s / 60 },
        Alarms: Match.objectLike({ Enable: true, Rollback: true }),
      }),
      LoadBalancers: [Match.objectLike({ AdvancedConfiguration: Match.objectLike({ AlternateTargetGroupArn: Match.anyValue(), ProductionListenerRule: Match.anyValue(), RoleArn: Match.anyValue() }) })],
    });
    const service = Object.values(s.findResources('AWS::ECS::Service'))[0] as { Properties: { DeploymentConfiguration: { Alarms: { AlarmNames: unknown[] } } } };
    expect(service.Properties.DeploymentConfiguration.Alarms.AlarmNames).toHaveLength(4); // 5xx rate and p99, on each target group
    s.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    s.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [Match.objectLike({ Weight: 100 }), Match.objectLike({ Weight: 0 })] } }],
    });
    s.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1, EvaluationPeriods: p.alarms.datapoints_to_alarm, DatapointsToAlarm: p.alarms.datapoints_to_alarm, TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: `IF(r >= ${p.alarms.p99_samples_min} AND p > ${p.alarms.p99_ms_max / 1000} AND p > ${p.alarms.p99_vs_old_max} * FILL(q, 0), 1, 0)` }),
        Match.objectLike({ Id: 'p', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'TargetResponseTime' }), Period: p.alarms.period_s, Stat: 'p99' }) }),
      ]),
    });
    s.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: p.alarms.error_rate_max, Metrics: Match.arrayWith([Match.objectLike({ Expression: `IF(r >= ${p.alarms.requests_min}, e / r, 0)` })]),
    });
  });

  it('ALB health check on /health, 30 s deregistration delay, 60 s idle timeout', () => {
    s.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }, { Key: 'slow_start.duration_seconds', Value: '30' }]),
    });
    s.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'idle_timeout.timeout_seconds', Value: '60' }]),
    });
  });

  it('autoscales on CPU at 70%', () => {
    s.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }),
    });
  });

  it('never puts the DB password or the Redis token in the plain environment', () => {
    const td = Object.values(s.findResources('AWS::ECS::TaskDefinition'))[0] as { Properties: { ContainerDefinitions: { Name: string; Environment?: { Name: string }[]; Secrets?: { Name: string }[] }[] } };
    const app = td.Properties.ContainerDefinitions.find((c) => c.Name === 'payments')!;
    expect(app.Environment!.map((e) => e.Name)).not.toContain('DB_PASSWORD');
    expect(app.Environment!.map((e) => e.Name)).not.toContain('REDIS_AUTH_TOKEN');
    expect(app.Secrets!.map((e) => e.Name).sort()).toEqual(['DB_PASSWORD', 'REDIS_AUTH_TOKEN']);
  });
});

describe('observability', () => {
  it('alarms on p99 > 200 ms, 5xx, CPU and memory, all to an encrypted SNS topic', () => {
    const o = t(dev.observability);
    o.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p99', Threshold: 0.2 });
    o.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    expect(Object.keys(o.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThanOrEqual(5);
    o.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('data in transit and at the door', () => {
  it('Redis requires the AUTH token from Secrets Manager (a dynamic reference, never in the template), over TLS; Postgres verify-full', () => {
    const { stacks } = synthApp('prod');
    const rg = Object.values(Template.fromStack(stacks.data).findResources('AWS::ElastiCache::ReplicationGroup'))[0] as { Properties: { AuthToken: unknown; TransitEncryptionEnabled: boolean } };
    expect(rg.Properties.TransitEncryptionEnabled).toBe(true);
    expect(JSON.stringify(rg.Properties.AuthToken)).toContain('{{resolve:secretsmanager:');
    const td = Object.values(Template.fromStack(stacks.service).findResources('AWS::ECS::TaskDefinition'))[0] as { Properties: { ContainerDefinitions: { Name: string; Environment: { Name: string; Value: unknown }[] }[] } };
    const env = Object.fromEntries(td.Properties.ContainerDefinitions.find((c) => c.Name === 'payments')!.Environment.map((e) => [e.Name, e.Value]));
    expect([env.DB_SSL, env.DB_SSL_CA_FILE]).toEqual(['verify-full', '/app/certs/rds-global-bundle.pem']);
    expect(JSON.stringify(env.REDIS_URL)).toContain(`rediss://`);
  });
});

describe('data-tier alarms reach the alarm topic', () => {
  it('Aurora CPU, replica lag, deadlocks; ElastiCache CPU, evictions, replication lag on the worst node; DynamoDB throttles and system errors', () => {
    const obs = Template.fromStack(synthApp('prod').stacks.observability);
    const alarms = Object.values(obs.findResources('AWS::CloudWatch::Alarm')) as { Properties: { MetricName?: string; Metrics?: { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[]; AlarmActions?: unknown[] } }[];
    const names = alarms.flatMap((a) => [a.Properties.MetricName, ...(a.Properties.Metrics ?? []).map((m) => m.MetricStat?.Metric.MetricName)]).filter(Boolean);
    expect(names).toEqual(expect.arrayContaining(['CPUUtilization', 'AuroraReplicaLagMaximum', 'Deadlocks', 'EngineCPUUtilization', 'Evictions', 'ReplicationLag', 'ThrottledRequests', 'SystemErrors']));
    const worst = alarms.find((a) => (a.Properties.Metrics ?? []).some((m) => m.Expression?.startsWith('MAX([n0, n1])')));
    expect(worst).toBeDefined();
    const dataAlarms = alarms.filter((a) => names.length && (a.Properties.MetricName === 'Deadlocks' || (a.Properties.Metrics ?? []).some((m) => ['Evictions', 'ThrottledRequests'].includes(m.MetricStat?.Metric.MetricName ?? ''))));
    expect(dataAlarms.length).toBeGreaterThanOrEqual(3);
    for (const a of dataAlarms) expect(a.Properties.AlarmActions).toHaveLength(1);
  });
});

describe('service egress', () => {
  it('tasks reach only Aurora, Redis, the interface endpoints (443 in the VPC) and the S3/DynamoDB gateway prefix lists', () => {
    const svc = Template.fromStack(synthApp('prod').stacks.service);
    const groups = Object.values(svc.findResources('AWS::EC2::SecurityGroup')) as { Properties: { GroupDescription: string; SecurityGroupEgress?: { CidrIp?: string; DestinationPrefixListId?: string; FromPort?: number }[] } }[];
    const sg = groups.find((g) => g.Properties.GroupDescription.startsWith('payments tasks'))!;
    const inline = sg.Properties.SecurityGroupEgress!;
    expect(inline).toHaveLength(1); // 443 to the VPC CIDR (interface endpoints)
    expect(inline[0]!.FromPort).toBe(443);
    expect(JSON.stringify(inline[0]!.CidrIp)).toContain('CidrBlock'); // the VPC's, not 0.0.0.0/0
    const rules = (Object.values(svc.findResources('AWS::EC2::SecurityGroupEgress')) as { Properties: { GroupId: unknown; FromPort: number; DestinationPrefixListId?: string; DestinationSecurityGroupId?: unknown; CidrIp?: string } }[])
      .map((r) => r.Properties).filter((r) => JSON.stringify(r.GroupId).includes('ServiceSg')); // the ALB's own rule to the tasks is not theirs
    expect(rules.filter((r) => r.DestinationPrefixListId).map((r) => [r.DestinationPrefixListId, r.FromPort]).sort()).toEqual([['pl-02cd2c6b', 443], ['pl-63a5400a', 443]]);
    expect(rules.filter((r) => r.DestinationSecurityGroupId).map((r) => r.FromPort).sort()).toEqual([5432, 6379]);
    expect(rules.some((r) => r.CidrIp === '0.0.0.0/0')).toBe(false);
  });

  it('a region without committed prefix lists refuses to synthesise, saying how to add them', () => {
    expect(() => gatewayPrefixLists(new App(), 'eu-west-3')).toThrow(/cdk.context.json has no "gateway-prefix-lists:region=eu-west-3"[\s\S]*describe-managed-prefix-lists/);
  });
});
