import type { Scenario } from '../../scenarios/scenario.js';

/**
 * Local scenarios run compressed in time; on AWS the same timeline runs this many times slower
 * (the 20 s local outage of az-loss becomes 10 minutes).
 */
export const FIS_TIME_SCALE = 30;

export interface FisTargets {
  /** ARNs of the subnets of the zone that loses power. */
  subnetArns: string[];
  clusterArn: string;
  replicationGroupArn: string;
  ecsClusterName: string;
  ecsServiceName: string;
  availabilityZone: string;
}

export interface FisTemplateParts {
  description: string;
  targets: Record<string, unknown>;
  actions: Record<string, unknown>;
}

const iso = (s: number) => `PT${Math.max(60, Math.round(s))}S`; // FIS durations are at least one minute

/**
 * The FIS experiment for an `az_power_interruption` step of a scenario: the same definition that
 * the local testbed runs, translated to AWS FIS "AZ Availability: Power Interruption" actions.
 */
export function fisFromScenario(s: Scenario, t: FisTargets): FisTemplateParts {
  const step = s.timeline?.find((x) => x.action.kind === 'az_power_interruption');
  if (!step || step.action.kind !== 'az_power_interruption') throw new Error(`scenario ${s.name} has no az_power_interruption step`);
  const duration = iso(step.action.duration_s * FIS_TIME_SCALE);
  return {
    description: `${s.name}: ${step.label ?? 'AZ power interruption'} in ${t.availabilityZone} for ${duration} (generated from scenarios/${s.name})`,
    targets: {
      ZoneSubnets: { resourceType: 'aws:ec2:subnet', resourceArns: t.subnetArns, selectionMode: 'ALL' },
      AuroraCluster: { resourceType: 'aws:rds:cluster', resourceArns: [t.clusterArn], selectionMode: 'ALL' },
      CacheReplicationGroup: { resourceType: 'aws:elasticache:redis-replicationgroup', resourceArns: [t.replicationGroupArn], selectionMode: 'ALL' },
      ZoneTasks: {
        resourceType: 'aws:ecs:task', selectionMode: 'ALL',
        parameters: { cluster: t.ecsClusterName, service: t.ecsServiceName },
        filters: [{ path: 'AvailabilityZone', values: [t.availabilityZone] }],
      },
    },
    actions: {
      StopZoneTasks: { actionId: 'aws:ecs:stop-task', description: 'the zone\'s tasks lose power', targets: { Tasks: 'ZoneTasks' } },
      DropZoneTraffic: { actionId: 'aws:network:disrupt-connectivity', description: 'the zone\'s subnets drop all traffic', parameters: { duration, scope: 'all' }, targets: { Subnets: 'ZoneSubnets' } },
      FailoverAurora: { actionId: 'aws:rds:failover-db-cluster', description: 'the writer fails over to the other zone', targets: { Clusters: 'AuroraCluster' } },
      InterruptCacheAzPower: { actionId: 'aws:elasticache:interrupt-cluster-az-power', description: 'the cache primary in the zone loses power', parameters: { duration }, targets: { ReplicationGroups: 'CacheReplicationGroup' } },
    },
  };
}
