import { ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fis from 'aws-cdk-lib/aws-fis';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Scenario } from '../../scenarios/scenario.js';
import { fisFromScenario } from './fis-from-scenario.js';

export interface ChaosStackProps extends StackProps {
  scenario: Scenario;
  vpc: ec2.IVpc;
  clusterArn: string;
  replicationGroupId: string;
  ecsClusterName: string;
  ecsServiceName: string;
  /** The experiment stops when any of these alarms fires (beyond what the scenario tolerates). */
  stopAlarms: cloudwatch.IAlarm[];
}

/** AWS FIS experiment template generated from the same scenario the testbed runs locally. */
export class ChaosStack extends Stack {
  readonly template: fis.CfnExperimentTemplate;

  constructor(scope: Construct, id: string, props: ChaosStackProps) {
    super(scope, id, props);
    const az = props.vpc.availabilityZones[0]!;
    const zoneSubnets = props.vpc.selectSubnets({ availabilityZones: [az] }).subnetIds;
    const role = new iam.Role(this, 'FisRole', {
      assumedBy: new iam.ServicePrincipal('fis.amazonaws.com'),
      managedPolicies: ['AWSFaultInjectionSimulatorNetworkAccess', 'AWSFaultInjectionSimulatorRDSAccess', 'AWSFaultInjectionSimulatorECSAccess']
        .map((n) => iam.ManagedPolicy.fromAwsManagedPolicyName(`service-role/${n}`)),
    });
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['elasticache:InterruptClusterAzPower', 'elasticache:DescribeReplicationGroups', 'tag:GetResources'],
      resources: ['*'], // FIS resolves the replication group's members at run time
    }));
    const parts = fisFromScenario(props.scenario, {
      subnetArns: zoneSubnets.map((id) => this.formatArn({ service: 'ec2', resource: 'subnet', resourceName: id })),
      clusterArn: props.clusterArn,
      replicationGroupArn: this.formatArn({ service: 'elasticache', resource: 'replicationgroup', resourceName: props.replicationGroupId, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ecsClusterName: props.ecsClusterName, ecsServiceName: props.ecsServiceName, availabilityZone: az,
    });
    this.template = new fis.CfnExperimentTemplate(this, 'AzPowerInterruption', {
      description: parts.description.slice(0, 512),
      roleArn: role.roleArn,
      targets: parts.targets as never,
      actions: parts.actions as never,
      stopConditions: props.stopAlarms.length
        ? props.stopAlarms.map((a) => ({ source: 'aws:cloudwatch:alarm', value: a.alarmArn }))
        : [{ source: 'none' }],
      tags: { Name: `${props.scenario.name}-az-power-interruption`, scenario: props.scenario.name },
    });
  }
}
