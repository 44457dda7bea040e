import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { Scenario } from '../../scenarios/scenario.js';
import { fisFromScenario } from './fis-from-scenario.js';
import { LogsKey } from './logs-key.js';
import { acknowledge, CDK_DEFAULT_POLICY } from './nag-suppressions.js';

export interface ChaosStackProps extends StackProps {
  scenario: Scenario;
  vpc: ec2.IVpc;
  clusterArn: string;
  ecsClusterName: string;
  ecsServiceName: string;
  /** The experiment stops when any of these alarms fires: ELB 5xx, target 5xx, traffic falling away. */
  stopAlarms: cloudwatch.IAlarm[];
}

const LOG_RETENTION = logs.RetentionDays.SIX_MONTHS;
const FIS_MANAGED_POLICIES = ['AWSFaultInjectionSimulatorNetworkAccess', 'AWSFaultInjectionSimulatorRDSAccess', 'AWSFaultInjectionSimulatorECSAccess'];

/** AWS FIS experiment template generated from the same scenario the testbed runs locally. */
export class ChaosStack extends Stack {
  readonly template: fis.CfnExperimentTemplate;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ChaosStackProps) {
    super(scope, id, props);
    if (props.stopAlarms.length === 0) throw new Error('a FIS experiment on a payment service needs stop conditions (alarms)');
    const az = props.vpc.availabilityZones[0]!;
    const inZone = (subnets: ec2.ISubnet[]) => subnets.filter((s) => s.availabilityZone === az);
    // Every tier of the zone: public (ALB node, NAT gateway), app (tasks), data (Aurora, ElastiCache).
    const zoneSubnets = [...inZone(props.vpc.publicSubnets), ...inZone(props.vpc.privateSubnets), ...inZone(props.vpc.isolatedSubnets)];
    this.role = this.fisRole();
    const logGroup = new logs.LogGroup(this, 'ExperimentLog', { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN, encryptionKey: new LogsKey(this, 'LogsKey').key });
    const parts = fisFromScenario(props.scenario, {
      subnetArns: zoneSubnets.map((s) => this.formatArn({ service: 'ec2', resource: 'subnet', resourceName: s.subnetId })),
      clusterArn: props.clusterArn, ecsClusterName: props.ecsClusterName, ecsServiceName: props.ecsServiceName, availabilityZone: az,
    });
    this.template = new fis.CfnExperimentTemplate(this, 'AzPowerInterruption', {
      description: parts.description.slice(0, 512),
      roleArn: this.role.roleArn,
      targets: parts.targets as never,
      actions: parts.actions as never,
      stopConditions: props.stopAlarms.map((a) => ({ source: 'aws:cloudwatch:alarm', value: a.alarmArn })),
      logConfiguration: { logSchemaVersion: 2, cloudWatchLogsConfiguration: { LogGroupArn: logGroup.logGroupArn } },
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'skip' },
      tags: { Name: `${props.scenario.name}-az-power-interruption`, scenario: props.scenario.name },
    });
  }

  /** The role FIS assumes: trusted only for experiments of this account, allowed only these actions. */
  private fisRole(): iam.Role {
    const role = new iam.Role(this, 'FisRole', {
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'fis', resource: 'experiment', resourceName: '*' }) },
        },
      }),
      managedPolicies: FIS_MANAGED_POLICIES
        .map((n) => iam.ManagedPolicy.fromAwsManagedPolicyName(`service-role/${n}`)),
    });
    // No managed policy covers ElastiCache's AZ power action; FIS resolves the group by tag at run time.
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['elasticache:InterruptClusterAzPower', 'elasticache:DescribeReplicationGroups', 'tag:GetResources'],
      resources: ['*'],
    }));
    // Experiment logging to CloudWatch Logs (FIS sets up the log delivery with the role's rights).
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogDelivery', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
      resources: ['*'],
    }));
    for (const p of FIS_MANAGED_POLICIES) acknowledge(role, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${p}]`, 'An AWS-published FIS policy: network disruption, Aurora failover, stopping ECS tasks.');
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', 'ElastiCache\'s AZ power action, tag resolution and log delivery have no resource-level permissions.');
    acknowledge(role, 'PCI.DSS.321-IAMNoInlinePolicy', `FIS role: ${CDK_DEFAULT_POLICY}`);
    return role;
  }
}
