import { z } from 'zod';
import { configKeys } from '../service/config.js';
import { directionSchema, toxicSchema } from '../testbed/proxy/toxics.js';
import { AZS, ENDPOINTS } from '../testbed/topology.js';

const az = z.enum(AZS);
const endpoint = z.enum(ENDPOINTS);
const clientAzs = z.array(az).min(1).max(AZS.length);
const toxicName = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and -, at most 64');
const DURATION_S_MAX = 3_600;
const ENV_VALUE_BYTES_MAX = 1_024;

/** A new version's configuration: variables of the service's environment contract only (service/config.ts). */
const greenEnv = z.record(z.string(), z.string().max(ENV_VALUE_BYTES_MAX)).superRefine((env, ctx) => {
  for (const key of Object.keys(env)) {
    if (!(configKeys as string[]).includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is not in the service's environment contract (service/config.ts); known: ${configKeys.join(', ')}` });
  }
});

/** Faults a scenario can put on its timeline; each maps to an AWS FIS action where one exists. */
export const faultActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('kill_instances'), az, signal: z.enum(['SIGKILL', 'SIGTERM']).optional() }),
  z.strictObject({ kind: z.literal('add_toxic'), endpoint, client_azs: clientAzs, name: toxicName, toxic: toxicSchema, direction: directionSchema.optional() }),
  z.strictObject({ kind: z.literal('remove_toxic'), endpoint, client_azs: clientAzs, name: toxicName }),
  /** Toxiproxy "down": the endpoint refuses connections (true) or serves again (false). */
  z.strictObject({ kind: z.literal('endpoint_down'), endpoint, client_azs: clientAzs, down: z.boolean() }),
  z.strictObject({ kind: z.literal('failover_db') }),
  z.strictObject({ kind: z.literal('failover_cache') }),
  z.strictObject({ kind: z.literal('restart_cache') }),
  z.strictObject({ kind: z.literal('rolling_restart') }),
  /** A crash of one task (the first in the zone): no drain, in-flight requests die with it. */
  z.strictObject({ kind: z.literal('kill_one_instance'), az }),
  /** Cache keys vanish (expiry, eviction): the next readers miss together. */
  z.strictObject({ kind: z.literal('delete_cache_keys'), keys: z.array(z.string().min(1).max(512)).min(1).max(1_000) }),
  /** Restore drill: a base backup of the writer now, and later the point in time to restore to. */
  z.strictObject({ kind: z.literal('base_backup') }),
  z.strictObject({ kind: z.literal('mark_restore_target') }),
  /** The WAL stream to the standby slows: with asynchronous replication, the standby falls behind. */
  z.strictObject({ kind: z.literal('replication_lag'), latency_ms: z.number().int().min(0).max(600_000) }),
  /** The writer's host crashes and the writer restarts in place after down_s (no failover): crash recovery. */
  z.strictObject({ kind: z.literal('writer_crash'), down_s: z.number().min(0).max(600).default(0) }),
  /** Fail back after a zone returns: standby, cache replica and tasks rebuilt in the zone. */
  z.strictObject({ kind: z.literal('restore_redundancy'), az, within_s: z.number().gt(0).max(DURATION_S_MAX).optional() }),
  /**
   * ECS blue/green with linear shifting and alarm rollback, per chaos/deployment-policy.ts with its
   * times divided by time_compression. The step fails unless the outcome is `expect` (and, for a
   * rollback, the new version had traffic no longer than rollback_within_s).
   */
  z.strictObject({
    kind: z.literal('blue_green_deploy'), green_env: greenEnv, expect: z.enum(['complete', 'rollback']),
    time_compression: z.number().min(1).max(3_600), rollback_within_s: z.number().gt(0).max(DURATION_S_MAX).optional(),
  }),
  /** FIS "AZ Availability: Power Interruption", compressed: see chaos/az-power-interruption.ts. */
  z.strictObject({ kind: z.literal('az_power_interruption'), az, duration_s: z.number().int().min(1).max(DURATION_S_MAX) }),
]);

export const timelineStepSchema = z.strictObject({
  at_s: z.number().min(0).max(DURATION_S_MAX),
  action: faultActionSchema,
  label: z.string().min(1).max(200).optional(),
});

export type FaultAction = z.infer<typeof faultActionSchema>;
export type TimelineStep = z.infer<typeof timelineStepSchema>;
