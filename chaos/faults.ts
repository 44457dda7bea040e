import type { Toxic, ToxicDirection } from '../testbed/proxy/toxics.js';
import type { Az, Endpoint } from '../testbed/topology.js';

/** Faults a scenario can put on its timeline; each maps to an AWS FIS action where one exists. */
export type FaultAction =
  | { kind: 'kill_instances'; az: Az; signal?: 'SIGKILL' | 'SIGTERM' }
  | { kind: 'add_toxic'; endpoint: Endpoint; client_azs: Az[]; name: string; toxic: Toxic; direction?: ToxicDirection }
  | { kind: 'remove_toxic'; endpoint: Endpoint; client_azs: Az[]; name: string }
  /** Toxiproxy "down": the endpoint refuses connections (true) or serves again (false). */
  | { kind: 'endpoint_down'; endpoint: Endpoint; client_azs: Az[]; down: boolean }
  | { kind: 'failover_db' }
  | { kind: 'failover_cache' }
  | { kind: 'restart_cache' }
  | { kind: 'rolling_restart' }
  /** A crash of one task (the first in the zone): no drain, in-flight requests die with it. */
  | { kind: 'kill_one_instance'; az: Az }
  /** Cache keys vanish (expiry, eviction): the next readers miss together. */
  | { kind: 'delete_cache_keys'; keys: string[] }
  /** Restore drill: a base backup of the writer now, and later the point in time to restore to. */
  | { kind: 'base_backup' }
  | { kind: 'mark_restore_target' }
  /** The WAL stream to the standby slows: with asynchronous replication, the standby falls behind. */
  | { kind: 'replication_lag'; latency_ms: number }
  /** FIS "AZ Availability: Power Interruption", compressed: see chaos/az-power-interruption.ts. */
  | { kind: 'az_power_interruption'; az: Az; duration_s: number };

export interface TimelineStep { at_s: number; action: FaultAction; label?: string }
