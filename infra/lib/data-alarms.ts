import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface DataAlarmsProps {
  /** Aurora cluster identifier (AWS/RDS DBClusterIdentifier). */
  clusterIdentifier: string;
  /** ElastiCache replication group id; its nodes are <id>-001 and <id>-002. */
  replicationGroupId: string;
  cacheNodes: number;
  sessionsTableName: string;
}

const PERIOD = Duration.minutes(1);

/**
 * The data tier's alarms: Aurora CPU, replica lag and deadlocks; ElastiCache engine CPU,
 * evictions and replication lag (the worst node, whichever is primary after a failover);
 * DynamoDB throttles and system errors on the sessions table.
 */
export class DataAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: DataAlarmsProps) {
    super(scope, id);
    const rdsMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({ namespace: 'AWS/RDS', metricName, dimensionsMap: { DBClusterIdentifier: props.clusterIdentifier }, statistic, period: PERIOD });
    const nodes = Array.from({ length: props.cacheNodes }, (_, i) => `${props.replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
    const worstNode = (metricName: string, statistic: string) => new cloudwatch.MathExpression({
      expression: `MAX([${nodes.map((_, i) => `n${i}`).join(', ')}])`, label: `${metricName} (worst node)`, period: PERIOD,
      usingMetrics: Object.fromEntries(nodes.map((n, i) => [`n${i}`, new cloudwatch.Metric({ namespace: 'AWS/ElastiCache', metricName, dimensionsMap: { CacheClusterId: n }, statistic, period: PERIOD })])),
    });
    const table = dynamodb.Table.fromTableName(this, 'Sessions', props.sessionsTableName);
    const ops = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.QUERY];
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold: number, evaluationPeriods = 5) => new cloudwatch.Alarm(this, id, {
      alarmDescription: description, metric, threshold, evaluationPeriods, datapointsToAlarm: Math.min(3, evaluationPeriods),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [
      alarm('AuroraCpu', 'Aurora writer CPU above 80%', rdsMetric('CPUUtilization', 'Maximum'), 80),
      alarm('AuroraReplicaLag', 'Aurora reader more than 1 s behind the writer (failover would take longer)', rdsMetric('AuroraReplicaLagMaximum', 'Maximum'), 1_000),
      alarm('AuroraDeadlocks', 'deadlocks on Aurora (make_payment locks accounts in id order: there should be none)', rdsMetric('Deadlocks', 'Sum'), 0, 1),
      alarm('CacheCpu', 'ElastiCache engine CPU above 80% on a node', worstNode('EngineCPUUtilization', 'Maximum'), 80),
      alarm('CacheEvictions', 'ElastiCache evicting keys (the cache is too small for the working set)', worstNode('Evictions', 'Sum'), 100),
      alarm('CacheReplicationLag', 'ElastiCache replica more than 1 s behind', worstNode('ReplicationLag', 'Maximum'), 1),
      alarm('DynamoThrottles', 'DynamoDB throttling session lookups', table.metricThrottledRequestsForOperations({ operations: ops, period: PERIOD }), 0, 3),
      alarm('DynamoSystemErrors', 'DynamoDB system errors on session lookups', table.metricSystemErrorsForOperations({ operations: ops, period: PERIOD }), 0, 3),
    ];
  }
}
