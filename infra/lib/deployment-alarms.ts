import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { DEPLOYMENT_POLICY } from '../../chaos/deployment-policy.js';

/**
 * The alarms ECS watches during a blue/green deployment, rolling back when one fires: per target
 * group (either can hold the new version, they alternate), its 5xx rate and its p99 response
 * time. Thresholds, period and datapoints are chaos/deployment-policy.ts, the settings the
 * blue-green-deploy scenarios rehearse.
 */
export class DeploymentAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: { targetGroups: Record<string, elbv2.ApplicationTargetGroup> }) {
    super(scope, id);
    const a = DEPLOYMENT_POLICY.alarms;
    const period = Duration.seconds(a.period_s);
    const common = { evaluationPeriods: a.datapoints_to_alarm, datapointsToAlarm: a.datapoints_to_alarm, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
    const groups = Object.entries(props.targetGroups);
    for (const [name, tg] of groups) {
      const m = tg.metrics;
      const other = groups.find(([n]) => n !== name)![1].metrics;
      this.alarms.push(new cloudwatch.Alarm(this, `${name}5xxRate`, {
        ...common,
        alarmDescription: `deployment: more than ${a.error_rate_max * 100}% of the ${name} target group's requests answered 5xx (fewer than ${a.requests_min} requests: no data)`,
        metric: new cloudwatch.MathExpression({
          expression: `IF(r >= ${a.requests_min}, e / r, 0)`, period,
          usingMetrics: { e: m.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period }), r: m.requestCount({ period }) },
        }),
        threshold: a.error_rate_max, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }));
      this.alarms.push(new cloudwatch.Alarm(this, `${name}P99`, {
        ...common,
        alarmDescription: `deployment: p99 response time of the ${name} target group above ${a.p99_ms_max} ms and above ${a.p99_vs_old_max}x the other group's (fewer than ${a.p99_samples_min} requests: no data)`,
        metric: new cloudwatch.MathExpression({
          expression: `IF(r >= ${a.p99_samples_min} AND p > ${a.p99_ms_max / 1000} AND p > ${a.p99_vs_old_max} * FILL(q, 0), 1, 0)`, period,
          usingMetrics: { p: m.targetResponseTime({ statistic: 'p99', period }), q: other.targetResponseTime({ statistic: 'p99', period }), r: m.requestCount({ period }) },
        }),
        threshold: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }));
    }
  }
}
