import type { Toxic, ToxicDirection } from '../scenarios/proxy/toxics.js';
import type { Az, Endpoint } from '../scenarios/testbed/topology.js';

/** Faults a scenario can put on its timeline; each maps to an AWS FIS action where one exists. */
export type FaultAction =
  | { kind: 'kill_instances'; az: Az; signal?: 'SIGKILL' | 'SIGTERM' }
  | { kind: 'add_toxic'; endpoint: Endpoint; client_azs: Az[]; name: string; toxic: Toxic; direction?: ToxicDirection }
  | { kind: 'remove_toxic'; endpoint: Endpoint; client_azs: Az[]; name: string }
  | { kind: 'failover_db' }
  | { kind: 'failover_cache' }
  | { kind: 'restart_cache' }
  | { kind: 'rolling_restart' }
  /** FIS "AZ Availability: Power Interruption", compressed: see chaos/az-power-interruption.ts. */
  | { kind: 'az_power_interruption'; az: Az; duration_s: number };

export interface TimelineStep { at_s: number; action: FaultAction; label?: string }
