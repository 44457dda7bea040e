import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { DataAlarms, type DataAlarmsProps } from './data-alarms.js';

export interface ObservabilityStackProps extends StackProps {
  alb: elbv2.ApplicationLoadBalancer;
  /** Blue and green: deployments alternate which one serves. */
  targetGroups: elbv2.ApplicationTargetGroup[];
  service: ecs.FargateService;
  data: DataAlarmsProps;
  alarmEmail?: string;
}

/** The SLO alarms (p99 < 200 ms, 5xx, CPU, memory) to SNS, and one dashboard. */
export class ObservabilityStack extends Stack {
  readonly topic: sns.Topic;
  readonly latencyAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Stops a chaos experiment: errors beyond what az-loss tolerates (5%) for three minutes. */
  readonly chaosAbortAlarm: cloudwatch.Alarm;
  /** Stop conditions of FIS experiments: target 5xx, ELB 5xx, requests falling below their usual band. */
  readonly chaosStopAlarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlarmsKey', { enableKeyRotation: true, description: 'payments alarm topic' });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);
    // The SLO is the load balancer's, whichever target group serves (blue/green alternate).
    const lb = props.alb.metrics;

    this.latencyAlarm = new cloudwatch.Alarm(this, 'P99Latency', {
      alarmDescription: 'p99 target response time above 200 ms (the platform SLO)',
      metric: lb.targetResponseTime({ statistic: 'p99', period: Duration.minutes(1) }),
      threshold: 0.2, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm = new cloudwatch.Alarm(this, 'Target5xx', {
      alarmDescription: 'more than 0.1% of requests answered 5xx by the targets',
      metric: new cloudwatch.MathExpression({
        expression: '100 * e / MAX([e, r])', period: Duration.minutes(1),
        usingMetrics: { e: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1) }), r: lb.requestCount({ period: Duration.minutes(1) }) },
      }),
      threshold: 0.1, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.chaosAbortAlarm = new cloudwatch.Alarm(this, 'ChaosAbort', {
      alarmDescription: 'stop condition for FIS experiments: over 5% 5xx for 3 minutes',
      metric: this.errorsAlarm.metric, threshold: 5, evaluationPeriods: 3, datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const elb5xx = new cloudwatch.Alarm(this, 'Elb5xx', {
      alarmDescription: 'the load balancer itself answers 5xx (no healthy targets, target failures)',
      metric: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: Duration.minutes(1) }), threshold: 10, evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // An AZ outage is allowed to cost some 502/504s from the load balancer, not a sustained share.
    const chaosElb5xx = new cloudwatch.Alarm(this, 'ChaosAbortElb5xx', {
      alarmDescription: 'stop condition for FIS experiments: the load balancer answers over 5% 5xx (502/503/504) for 3 minutes',
      metric: new cloudwatch.MathExpression({
        expression: '100 * FILL(e, 0) / FILL(r, 1)', label: 'ELB 5xx %', period: Duration.minutes(1),
        usingMetrics: { e: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: Duration.minutes(1) }), r: lb.requestCount({ period: Duration.minutes(1) }) },
      }),
      threshold: 5, evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Traffic that silently vanishes (clients failing before the ALB, DNS) shows no 5xx at all.
    const chaosTrafficDrop = new cloudwatch.AnomalyDetectionAlarm(this, 'ChaosAbortTrafficDrop', {
      alarmDescription: 'stop condition for FIS experiments: requests fall below their usual band for 3 minutes',
      metric: lb.requestCount({ period: Duration.minutes(1) }), stdDevs: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
      evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.chaosStopAlarms = [this.chaosAbortAlarm, chaosElb5xx, chaosTrafficDrop];
    const cpu = new cloudwatch.Alarm(this, 'Cpu', { alarmDescription: 'service CPU above 85% (autoscaling targets 70%)', metric: props.service.metricCpuUtilization(), threshold: 85, evaluationPeriods: 5 });
    const memory = new cloudwatch.Alarm(this, 'Memory', { alarmDescription: 'service memory above 80%', metric: props.service.metricMemoryUtilization(), threshold: 80, evaluationPeriods: 5 });
    const data = new DataAlarms(this, 'Data', props.data).alarms;
    for (const a of [this.latencyAlarm, this.errorsAlarm, elb5xx, cpu, memory, ...data]) { a.addAlarmAction(notify); a.addOkAction(notify); }

    new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [new cloudwatch.GraphWidget({ title: 'Latency p50 / p99 (s)', left: [lb.targetResponseTime({ statistic: 'p50' }), lb.targetResponseTime({ statistic: 'p99' })], leftAnnotations: [{ value: 0.2, label: 'SLO p99' }] }),
          new cloudwatch.GraphWidget({ title: 'Requests and 5xx', left: [lb.requestCount()], right: [lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT), lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT)] })],
        [new cloudwatch.GraphWidget({ title: 'CPU / memory (%)', left: [props.service.metricCpuUtilization(), props.service.metricMemoryUtilization()] }),
          new cloudwatch.GraphWidget({ title: 'Healthy / unhealthy targets', left: props.targetGroups.flatMap((tg) => [tg.metrics.healthyHostCount(), tg.metrics.unhealthyHostCount()]) })],
      ],
    });
  }
}
