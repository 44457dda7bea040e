import type { Scenario } from '../../scenarios/scenario.js';

/**
 * Local scenarios run compressed in time; on AWS the same timeline runs this many times slower
 * (the 20 s local outage of az-loss becomes 10 minutes).
 */
export const FIS_TIME_SCALE = 30;

/** Tag FIS resolves the cache replication group by (its targets take tags, not ARNs). */
export const FIS_CACHE_TAG = { key: 'AzImpairmentPower', value: 'DisruptElasticache' } as const;

export interface FisTargets {
  /** ARNs of every subnet of the zone that loses power: public (ALB node, NAT), app and data tiers. */
  subnetArns: string[];
  clusterArn: string;
  ecsClusterName: string;
  ecsServiceName: string;
  /** The zone's code, e.g. us-east-1a. */
  availabilityZone: string;
}

export interface FisTemplateParts {
  description: string;
  targets: Record<string, unknown>;
  actions: Record<string, unknown>;
}

const iso = (s: number) => `PT${Math.max(60, Math.round(s))}S`; // FIS durations are at least one minute

/**
 * The FIS experiment for an `az_power_interruption` step, after AWS's "AZ Availability: Power
 * Interruption" scenario (action ids and target parameters as in the FIS actions and targets
 * reference): every subnet tier of the zone drops all traffic; the zone's tasks stop; Aurora fails
 * over only if its writer is in the zone (writerAvailabilityZoneIdentifiers), so a writer already
 * in the healthy zone is never moved into the failing one; the cache replication group loses the
 * zone's nodes and may not replace them there for the duration.
 */
export function fisFromScenario(s: Scenario, t: FisTargets): FisTemplateParts {
  const step = s.timeline?.find((x) => x.action.kind === 'az_power_interruption');
  if (!step || step.action.kind !== 'az_power_interruption') throw new Error(`scenario ${s.name} has no az_power_interruption step`);
  if (t.subnetArns.length === 0) throw new Error(`no subnets in ${t.availabilityZone}: the experiment would disrupt nothing`);
  const duration = iso(step.action.duration_s * FIS_TIME_SCALE);
  return {
    description: `${s.name}: ${step.label ?? 'AZ power interruption'} in ${t.availabilityZone} for ${duration} (generated from scenarios/${s.name})`,
    targets: {
      ZoneSubnets: { resourceType: 'aws:ec2:subnet', resourceArns: t.subnetArns, selectionMode: 'ALL' },
      AuroraClusterWithWriterInZone: {
        resourceType: 'aws:rds:cluster', resourceArns: [t.clusterArn], selectionMode: 'ALL',
        parameters: { writerAvailabilityZoneIdentifiers: t.availabilityZone },
      },
      CacheReplicationGroup: {
        resourceType: 'aws:elasticache:replicationgroup', resourceTags: { [FIS_CACHE_TAG.key]: FIS_CACHE_TAG.value }, selectionMode: 'ALL',
        parameters: { availabilityZoneIdentifier: t.availabilityZone },
      },
      ZoneTasks: {
        resourceType: 'aws:ecs:task', selectionMode: 'ALL',
        parameters: { cluster: t.ecsClusterName, service: t.ecsServiceName },
        filters: [{ path: 'AvailabilityZone', values: [t.availabilityZone] }],
      },
    },
    actions: {
      // Replacement tasks that land in the zone cannot reach anything (its subnets drop all
      // traffic), fail their health checks and are replaced in the other zone, as the scenario's
      // refused capacity does locally.
      StopZoneTasks: { actionId: 'aws:ecs:stop-task', description: 'the zone\'s tasks lose power', targets: { Tasks: 'ZoneTasks' } },
      DropZoneTraffic: { actionId: 'aws:network:disrupt-connectivity', description: 'every subnet of the zone drops all traffic', parameters: { duration, scope: 'all' }, targets: { Subnets: 'ZoneSubnets' } },
      FailoverAurora: { actionId: 'aws:rds:failover-db-cluster', description: 'the writer fails over to the other zone (only if it is in this one)', targets: { Clusters: 'AuroraClusterWithWriterInZone' } },
      InterruptCacheAzPower: { actionId: 'aws:elasticache:replicationgroup-interrupt-az-power', description: 'the cache nodes in the zone lose power; no replacement there', parameters: { duration }, targets: { ReplicationGroups: 'CacheReplicationGroup' } },
    },
  };
}
