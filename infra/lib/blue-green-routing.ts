import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import { DeploymentAlarms } from './deployment-alarms.js';

export const CONTAINER_PORT = 8080;
export const HEALTH_CHECK_PATH = '/health';
export const DEREGISTRATION_DELAY_S = 30;
/** A new task's share of requests ramps up over this long: its session cache starts cold. */
export const SLOW_START_S = 30;

export interface BlueGreenRouting {
  /** Blue serves first; ECS alternates the roles with every deployment. */
  targetGroups: { Blue: elbv2.ApplicationTargetGroup; Green: elbv2.ApplicationTargetGroup };
  /** The rule whose weights ECS shifts. */
  production: elbv2.ApplicationListenerRule;
  alarms: cloudwatch.Alarm[];
}

/**
 * What ECS blue/green needs of the load balancer: two target groups (ECS registers each new
 * version's tasks in the one not serving), a production rule forwarding to both by weight, and
 * the deployment alarms on each. Forward actions only on this listener: ECS blue/green fails on a
 * listener that mixes them with fixed responses or redirects (the WAF refuses internal paths).
 */
export function blueGreenRouting(scope: Construct, props: { vpc: ec2.IVpc; listener: elbv2.ApplicationListener }): BlueGreenRouting {
  const targetGroup = (id: string) => new elbv2.ApplicationTargetGroup(scope, id, {
    vpc: props.vpc, targetType: elbv2.TargetType.IP, port: CONTAINER_PORT, protocol: elbv2.ApplicationProtocol.HTTP,
    deregistrationDelay: Duration.seconds(DEREGISTRATION_DELAY_S), slowStart: Duration.seconds(SLOW_START_S),
    healthCheck: { path: HEALTH_CHECK_PATH, interval: Duration.seconds(10), timeout: Duration.seconds(5), healthyThresholdCount: 2, unhealthyThresholdCount: 2, healthyHttpCodes: '200' },
  });
  const targetGroups = { Blue: targetGroup('Blue'), Green: targetGroup('Green') };
  props.listener.addAction('Default', { action: elbv2.ListenerAction.forward([targetGroups.Blue]) });
  const production = new elbv2.ApplicationListenerRule(scope, 'Production', {
    listener: props.listener, priority: 10, conditions: [elbv2.ListenerCondition.pathPatterns(['/*'])],
    action: elbv2.ListenerAction.weightedForward([{ targetGroup: targetGroups.Blue, weight: 100 }, { targetGroup: targetGroups.Green, weight: 0 }]),
  });
  const { alarms } = new DeploymentAlarms(scope, 'DeploymentAlarms', { targetGroups });
  return { targetGroups, production, alarms };
}
